"""The keyword front end: openWakeWord's mel spectrogram and speech embedding models.

Two small TFLite models turn 16 kHz audio into one 96-number speech embedding every 80 ms,
each summarising the last 0.78 s. They were trained by their authors on a great deal of real
speech, so a small head trained here on synthetic voices still hears accents it never met.
The model files ship inside the ``pyopen-wakeword`` wheel; ``ai-edge-litert`` runs them.

The mel model's frame k covers samples [160k, 160k + 512), but its decibel floor is set by the
loudest frame of each call, so silence comes out differently in a long call than in a short one.
Mel frames are therefore always computed eight at a time (80 ms), in training and in listening
alike: a stream cut into any pieces gives exactly the embeddings of the whole clip.
"""

from __future__ import annotations

import os
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import numpy as np

from voice_attune.asr.level_gate import GateSettings, LevelGate, gate_clip
from voice_attune.errors import UserError

MEL_HOP = 160
"""Samples between mel frames (10 ms)."""
MEL_WINDOW = 512
"""Samples one mel frame covers."""
MELS_PER_EMBEDDING = 76
"""Mel frames one embedding summarises (0.78 s)."""
EMBEDDING_STEP = 8
"""Mel frames between embeddings (80 ms)."""
EMBEDDING_SIZE = 96
STEP_SAMPLES = MEL_HOP * EMBEDDING_STEP
"""Samples between embeddings (1280, 80 ms)."""
FIRST_END = MEL_HOP * (MELS_PER_EMBEDDING - 1) + MEL_WINDOW
"""Samples: embedding j covers the audio that ends at FIRST_END + j * STEP_SAMPLES."""

BLOCK_SAMPLES = MEL_HOP * (EMBEDDING_STEP - 1) + MEL_WINDOW
"""Samples of one call of the mel model: eight frames."""

INSTALL_HINT = "pip install ai-edge-litert pyopen-wakeword"


class KeywordUnavailable(UserError):
    """The keyword front end cannot run here (a package or model file is missing)."""


def model_files() -> tuple[Path, Path]:
    """The mel spectrogram and embedding model files."""
    try:
        import pyopen_wakeword
    except ImportError as exc:
        raise KeywordUnavailable(f"the keyword detector needs pyopen-wakeword ({INSTALL_HINT})") from exc
    folder = Path(pyopen_wakeword.__file__).parent / "models"
    mel, emb = folder / "melspectrogram.tflite", folder / "embedding_model.tflite"
    for path in (mel, emb):
        if not path.is_file():
            raise KeywordUnavailable(f"{path}: keyword front-end model missing; reinstall pyopen-wakeword")
    return mel, emb


def _interpreter(path: Path):
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError as exc:
        raise KeywordUnavailable(f"the keyword detector needs ai-edge-litert ({INSTALL_HINT})") from exc
    # One thread: the recognizers and the guide's voice need the other core.
    return Interpreter(model_path=str(path), num_threads=1)


_QUIET = threading.Lock()
"""One quiet spell at a time: two threads loading the models at once would each save the
other's silenced stream as the one to restore, and standard error stayed silent for good."""


@contextmanager
def _native_stderr_quiet() -> Iterator[None]:
    """Silence what native code prints to standard error (not Python's own writes elsewhere)."""
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # stderr replaced, e.g. captured by a test
        yield
        return
    with _QUIET:
        sys.stderr.flush()
        saved, devnull = os.dup(fd), os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fd)
        try:
            yield
        finally:
            os.dup2(saved, fd)
            os.close(saved)
            os.close(devnull)


class _Model:
    """One TFLite model with a fixed input shape, resized only when the shape changes."""

    def __init__(self, path: Path):
        self.interpreter = _interpreter(path)
        self._input = self.interpreter.get_input_details()[0]["index"]
        self._output = self.interpreter.get_output_details()[0]["index"]
        self._shape: tuple[int, ...] | None = None

    def __call__(self, x: np.ndarray) -> np.ndarray:
        if x.shape != self._shape:
            self.interpreter.resize_tensor_input(self._input, list(x.shape))
            self.interpreter.allocate_tensors()
            self._shape = x.shape
        self.interpreter.set_tensor(self._input, np.ascontiguousarray(x, dtype=np.float32))
        self.interpreter.invoke()
        return self.interpreter.get_tensor(self._output)


class FrontEnd:
    """Audio to speech embeddings (one loaded pair of models; not shared between threads)."""

    def __init__(self) -> None:
        mel, emb = model_files()
        with _native_stderr_quiet():  # LiteRT announces its CPU delegate on the first call
            self._mel = _Model(mel)
            self._emb = _Model(emb)
            self.embed_mels(self.mels(np.zeros(BLOCK_SAMPLES, np.float32))[:1].repeat(MELS_PER_EMBEDDING, 0))

    def mels(self, samples: np.ndarray) -> np.ndarray:
        """Mel frames (n, 32) of int16-scaled float samples (at least MEL_WINDOW of them)."""
        out = self._mel(samples.astype(np.float32)[None, :])
        return out.reshape(-1, 32) / 10.0 + 2.0

    def embed_mels(self, mels: np.ndarray) -> np.ndarray:
        """One embedding (96,) of exactly MELS_PER_EMBEDDING mel frames."""
        return self._emb(mels[None, :, :, None]).reshape(EMBEDDING_SIZE)

    def embed_span(self, mels: np.ndarray) -> np.ndarray:
        """Embeddings (k, 96) of the windows of ``mels`` that start every EMBEDDING_STEP frames
        (MELS_PER_EMBEDDING + (k - 1) * EMBEDDING_STEP frames), in one call. The embedding network
        is convolutional in time with no padding there and a stride of EMBEDDING_STEP frames, so
        one pass over the span gives exactly each window's embedding, without working out the
        overlapping frames again for every window (about ten times less work on long clips)."""
        return self._emb(mels[None, :, :, None]).reshape(-1, EMBEDDING_SIZE)

    def clip_mels(self, pcm: np.ndarray) -> np.ndarray:
        """Mel frames (n, 32) of a whole clip, eight at a time as a stream computes them."""
        pcm = np.asarray(pcm, np.float32)
        blocks = (pcm.size - BLOCK_SAMPLES) // STEP_SAMPLES + 1 if pcm.size >= BLOCK_SAMPLES else 0
        if blocks == 0:
            return np.zeros((0, 32), np.float32)
        return np.concatenate([self.mels(pcm[k * STEP_SAMPLES : k * STEP_SAMPLES + BLOCK_SAMPLES])
                               for k in range(blocks)])

    def embed_frames(self, mels: np.ndarray) -> np.ndarray:
        """Embeddings (n, 96) of every whole window of ``mels`` (from clip_mels): with the
        frames unchanged, exactly embed_clip's."""
        count = (mels.shape[0] - MELS_PER_EMBEDDING) // EMBEDDING_STEP + 1 if mels.shape[0] >= MELS_PER_EMBEDDING else 0
        if count == 0:
            return np.zeros((0, EMBEDDING_SIZE), np.float32)
        if count == 1:
            return self.embed_mels(mels[:MELS_PER_EMBEDDING])[None, :].astype(np.float32)
        return self.embed_span(mels[: MELS_PER_EMBEDDING + (count - 1) * EMBEDDING_STEP]).astype(np.float32)

    def embed_clip(self, pcm: np.ndarray, gate: GateSettings | None = None) -> np.ndarray:
        """Embeddings (n, 96) of a whole clip, exactly as a stream of it gives them; through a
        level gate of ``gate``, if any (level_gate.py), whose last partial 10 ms frame is heard
        as it is, where a stream would wait for the rest of it.

        Embedding j ends at sample FIRST_END + j * STEP_SAMPLES of the clip."""
        if gate is not None:
            pcm = gate_clip(pcm, gate)
        found = self.stream().feed(np.asarray(pcm))
        if not found:
            return np.zeros((0, EMBEDDING_SIZE), np.float32)
        return np.stack([emb for _, emb in found]).astype(np.float32)

    def stream(self, gate: GateSettings | None = None) -> "EmbeddingStream":
        """A stream of embeddings, its sound first through a level gate of ``gate`` (if any)."""
        return EmbeddingStream(self, LevelGate(gate) if gate is not None else None)


class EmbeddingStream:
    """Streaming embeddings: feed samples in any pieces, get each embedding once it is complete."""

    def __init__(self, front: FrontEnd, gate: LevelGate | None = None):
        self.front = front
        self.gate = gate
        self._audio = np.zeros(0, np.float32)
        self._audio_origin = 0  # stream sample index of self._audio[0]
        self._mels = np.zeros((0, 32), np.float32)
        self._next_mel = 0  # stream index of the next mel frame to compute
        self._mel_origin = 0  # stream mel index of self._mels[0]
        self._next_embedding = 0

    @property
    def samples_seen(self) -> int:
        return self._audio_origin + self._audio.size

    def feed(self, pcm: np.ndarray) -> list[tuple[int, np.ndarray]]:
        """Add int16 samples; return (end sample, embedding) for each embedding now complete."""
        if self.gate is not None:
            pcm = self.gate.feed(pcm)  # whole 10 ms frames only: the rest waits for the next piece
        self._audio = np.concatenate([self._audio, pcm.astype(np.float32)])
        total = self.samples_seen
        ready = (total - MEL_WINDOW) // MEL_HOP + 1 - self._next_mel  # mel frames computable now
        blocks = []
        while ready >= EMBEDDING_STEP:
            begin = self._next_mel * MEL_HOP - self._audio_origin
            blocks.append(self.front.mels(self._audio[begin : begin + BLOCK_SAMPLES]))
            self._next_mel += EMBEDDING_STEP
            ready -= EMBEDDING_STEP
        if blocks:
            self._mels = np.concatenate([self._mels, *blocks])
            keep_from = self._next_mel * MEL_HOP - self._audio_origin
            self._audio = self._audio[keep_from:]
            self._audio_origin += keep_from
        found = []
        first_mel = self._next_embedding * EMBEDDING_STEP - self._mel_origin
        count = max(0, (self._mels.shape[0] - first_mel - MELS_PER_EMBEDDING) // EMBEDDING_STEP + 1)
        if count:
            span = self._mels[first_mel : first_mel + MELS_PER_EMBEDDING + (count - 1) * EMBEDDING_STEP]
            for emb in self.front.embed_span(span) if count > 1 else [self.front.embed_mels(span)]:
                found.append((FIRST_END + self._next_embedding * STEP_SAMPLES, emb))
                self._next_embedding += 1
        drop = self._next_embedding * EMBEDDING_STEP - self._mel_origin
        if drop > 0:
            self._mels = self._mels[drop:]
            self._mel_origin += drop
        return found

    def reset(self) -> None:
        """Start again from nothing (keeps the loaded models and the gate's settings)."""
        if self.gate is not None:
            self.gate.reset()
        self.__init__(self.front, self.gate)
