"""Sound as the voice hands it on: int16 samples at the session's 16 kHz."""

from __future__ import annotations

import io
import wave

import numpy as np
import soxr

from voice_attune import SAMPLE_RATE


def to_16k(pcm: np.ndarray, rate: int) -> np.ndarray:
    """int16 audio at ``rate`` resampled to the session's 16 kHz."""
    if rate == SAMPLE_RATE:
        return pcm.astype(np.int16, copy=False)
    out = soxr.resample(pcm.astype(np.float32) / 32768.0, rate, SAMPLE_RATE, quality="HQ")
    return (np.clip(out, -1, 1) * 32767).astype(np.int16)


def wav_to_16k(data: bytes) -> np.ndarray:
    """A 16-bit mono WAV file's bytes (as a synthesizer writes them to stdout) as int16 at 16 kHz."""
    with wave.open(io.BytesIO(data)) as w:
        rate = w.getframerate()
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
    return to_16k(pcm, rate)


def apply_gain(pcm: np.ndarray, volume: float) -> np.ndarray:
    """Scale int16 audio by ``volume`` (0-1)."""
    if volume >= 1.0:
        return pcm.astype(np.int16, copy=False)
    return np.round(pcm.astype(np.float32) * volume).astype(np.int16)
