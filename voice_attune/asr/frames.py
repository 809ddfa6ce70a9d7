"""Audio frames: 30 ms of 16 kHz mono int16 with their place on the audio clock."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Protocol

import numpy as np
import soxr

from voice_attune import FRAME_SAMPLES, SAMPLE_RATE


@dataclass(frozen=True)
class Frame:
    """One 30 ms frame of audio."""

    pcm: bytes
    """480 samples of 16 kHz mono signed 16-bit little-endian audio (960 bytes)."""
    t: float
    """Audio seconds at the frame's first sample."""

    @property
    def end(self) -> float:
        """Audio seconds just after the frame's last sample."""
        return self.t + FRAME_SAMPLES / SAMPLE_RATE


class AudioSource(Protocol):
    """Anything that yields frames: a WAV file, the microphone, a simulated room."""

    def frames(self) -> Iterator[Frame]: ...


class Framer:
    """Cuts a stream of float samples at any rate into 16 kHz frames with audio times."""

    def __init__(self, in_rate: int):
        self._resampler = None if in_rate == SAMPLE_RATE else soxr.ResampleStream(
            in_rate, SAMPLE_RATE, 1, dtype="float32", quality="HQ"
        )
        self._pending = np.zeros(0, dtype=np.int16)
        self._samples = 0

    def push(self, mono: np.ndarray, last: bool = False) -> Iterator[Frame]:
        """Add float32 mono samples in [-1, 1]; yield every whole frame now available."""
        if self._resampler is not None:
            mono = self._resampler.resample_chunk(mono.astype(np.float32), last=last)
        pcm = to_int16(mono)
        self._pending = np.concatenate([self._pending, pcm]) if self._pending.size else pcm
        while self._pending.size >= FRAME_SAMPLES:
            chunk, self._pending = self._pending[:FRAME_SAMPLES], self._pending[FRAME_SAMPLES:]
            yield Frame(chunk.tobytes(), self._samples / SAMPLE_RATE)
            self._samples += FRAME_SAMPLES
        if last and self._pending.size:
            padded = np.zeros(FRAME_SAMPLES, dtype=np.int16)
            padded[: self._pending.size] = self._pending
            self._pending = np.zeros(0, dtype=np.int16)
            yield Frame(padded.tobytes(), self._samples / SAMPLE_RATE)
            self._samples += FRAME_SAMPLES


def to_int16(samples: np.ndarray) -> np.ndarray:
    """Float samples in [-1, 1] to int16, clipped; 16-bit input comes back unchanged."""
    return np.clip(np.round(samples * 32768.0), -32768, 32767).astype(np.int16)


def frames_from_array(pcm16k: np.ndarray, t0: float = 0.0) -> Iterator[Frame]:
    """Frames from an int16 array already at 16 kHz mono (the last frame zero-padded)."""
    pcm16k = np.asarray(pcm16k, dtype=np.int16)
    for i in range(0, len(pcm16k), FRAME_SAMPLES):
        chunk = pcm16k[i : i + FRAME_SAMPLES]
        if chunk.size < FRAME_SAMPLES:
            chunk = np.concatenate([chunk, np.zeros(FRAME_SAMPLES - chunk.size, np.int16)])
        yield Frame(chunk.tobytes(), t0 + i / SAMPLE_RATE)
