"""Recordings as an audio source: WAV, FLAC, OGG and the other formats libsndfile reads (through
soundfile), at any common rate, channel count and sample format, converted to 16 kHz mono frames.

A file that cannot be used gets one line naming it and saying why, before anything is loaded.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from voice_attune.asr.frames import Frame, Framer
from voice_attune.errors import UserError, one_line

log = logging.getLogger(__name__)

MIN_RATE, MAX_RATE = 1000, 384_000
"""Sample rates a recording may declare, Hertz."""
_BLOCK_FRAMES = 16000  # read about a second at a time so memory stays flat on long files


@dataclass(frozen=True)
class AudioFormat:
    """What a recording holds."""

    rate: int
    """Sample rate, Hertz."""
    channels: int
    frames: int
    """Samples per channel."""
    kind: str
    """The container and encoding, as libsndfile names them ("WAV, PCM_16")."""

    @property
    def duration(self) -> float:
        """Seconds of audio."""
        return self.frames / self.rate


def read_format(path: str | Path) -> AudioFormat:
    """Read a recording's header; anything unusable gets a one-line UserError naming the file."""
    import soundfile

    name = str(path)
    p = Path(path)
    if p.is_dir():
        raise UserError("is a folder, not a recording", name)
    try:
        if p.stat().st_size == 0:
            raise UserError("the file is empty, not a recording", name)
        info = soundfile.info(name)
    except FileNotFoundError:
        raise UserError("no such file", name) from None
    except PermissionError:
        raise UserError("cannot read: permission denied", name) from None
    except (RuntimeError, soundfile.LibsndfileError) as exc:
        raise UserError(_unreadable(p, exc), name) from None
    if info.channels < 1 or not MIN_RATE <= info.samplerate <= MAX_RATE:
        raise UserError(f"the header is damaged or unusual ({info.channels} channels, {info.samplerate} Hz); "
                        f"a recording has 1 channel or more at {MIN_RATE} to {MAX_RATE} Hz", name)
    if info.frames <= 0:
        raise UserError("the recording holds no audio", name)
    return AudioFormat(info.samplerate, info.channels, info.frames, f"{info.format}, {info.subtype}")


def _unreadable(path: Path, exc: Exception) -> str:
    with open(path, "rb") as f:
        head = f.read(12)
    reason = one_line(exc).rsplit(": ", 1)[-1].strip().rstrip(".")
    if head[:4] in (b"RIFF", b"RF64") and head[8:12] == b"WAVE":
        if len(head) < 12 or path.stat().st_size < 44:
            return "the WAV file is cut short: no audio data found"
        return f"unsupported or damaged WAV file ({reason}); use PCM or float samples"
    return "not a recording that can be read (WAV, FLAC or OGG)"


class AudioFileSource:
    """Frames from a recording, converted to 16 kHz mono int16, as fast as they are asked for."""

    def __init__(self, path: str | Path):
        self.path = str(path)
        self.format = read_format(path)

    def frames(self) -> Iterator[Frame]:
        import soundfile

        framer = Framer(self.format.rate)
        bad = 0
        try:
            with soundfile.SoundFile(self.path) as f:
                left = f.frames
                while left > 0:
                    block = f.read(min(_BLOCK_FRAMES, left), dtype="float32", always_2d=True)
                    if not len(block):
                        break  # the data is cut short: what was there has been played
                    left -= len(block)
                    mono = block.mean(axis=1) if block.shape[1] > 1 else block[:, 0]
                    finite = np.isfinite(mono)
                    if not finite.all():
                        bad += int(np.count_nonzero(~finite))
                        mono = np.where(finite, mono, 0.0).astype(np.float32)
                    yield from framer.push(np.clip(mono, -1.0, 1.0), last=left <= 0)
        except (RuntimeError, soundfile.LibsndfileError) as exc:
            raise UserError(f"cannot read the recording ({one_line(exc)})", self.path) from None
        if bad:
            log.warning("%s: %d samples were not numbers (NaN or infinite) and were taken as silence",
                        self.path, bad)


def write_wav(path: str | Path, pcm: np.ndarray, rate: int = 16000) -> None:
    """Write mono int16 samples as a WAV file."""
    import wave

    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.asarray(pcm, dtype=np.int16).tobytes())
