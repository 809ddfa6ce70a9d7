"""Rooms made in code: steady noise, babble, reverberation, the guide's echo, gain and clipping.

Everything works on float32 arrays on the int16 scale (-32768..32767) at 16 kHz, and every
random draw comes from the generator passed in, so a seed gives the same room every time.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from voice_attune import SAMPLE_RATE

NOISE_KINDS = ("white", "pink", "brown")


def noise(kind: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """White, pink or brown noise, unit RMS, as float32."""
    white = rng.standard_normal(n).astype(np.float32)
    if kind == "white" or n < 2:
        shaped = white
    else:
        spectrum = np.fft.rfft(white)
        freqs = np.fft.rfftfreq(n, 1.0 / SAMPLE_RATE)
        freqs[0] = freqs[1]
        power = 1.0 if kind == "pink" else 2.0
        shaped = np.fft.irfft(spectrum / freqs ** (power / 2.0), n).astype(np.float32)
    rms = float(np.sqrt(np.mean(shaped**2))) or 1.0
    return shaped / rms


def speech_rms(x: np.ndarray) -> float:
    """RMS over the voiced parts (samples above a quiet floor), so pauses do not count."""
    voiced = x[np.abs(x) > 200]
    return float(np.sqrt(np.mean(voiced.astype(np.float64) ** 2))) if voiced.size else 1000.0


def mix(signal: np.ndarray, background: np.ndarray, snr_db: float) -> np.ndarray:
    """``background`` under ``signal`` at a signal-to-noise ratio over the voiced parts."""
    bg = _fit(background, signal.size)
    bg_rms = float(np.sqrt(np.mean(bg.astype(np.float64) ** 2))) or 1.0
    target = speech_rms(signal) / (10 ** (snr_db / 20.0))
    return signal + bg * (target / bg_rms)


def babble(clips: Sequence[np.ndarray], n: int, rng: np.random.Generator) -> np.ndarray:
    """Several talkers at once: each clip looped from a random point, at a random level."""
    out = np.zeros(n, np.float32)
    for clip in clips:
        if clip.size == 0:
            continue
        start = int(rng.integers(0, clip.size))
        track = np.roll(_fit(clip.astype(np.float32), max(n, clip.size)), -start)[:n]
        out += track * float(rng.uniform(0.6, 1.0)) / (speech_rms(clip) or 1.0)
    return out


def room_response(rng: np.random.Generator, reverb_ms: float, delay_ms: float = 0.0) -> np.ndarray:
    """An impulse response: a direct path after ``delay_ms``, then a decaying diffuse tail
    whose level falls 60 dB in ``reverb_ms`` (RT60)."""
    delay = int(delay_ms * SAMPLE_RATE / 1000)
    length = max(1, int(reverb_ms * SAMPLE_RATE / 1000))
    t = np.arange(length) / SAMPLE_RATE
    tail = rng.standard_normal(length) * np.exp(-6.9 * t / max(reverb_ms / 1000, 1e-3))
    tail *= 0.25 / (np.sqrt(np.sum(tail**2)) or 1.0) * np.sqrt(reverb_ms / 300.0)
    h = np.zeros(delay + length, np.float32)
    h[delay] = 1.0
    h[delay + 1 :] += tail[1:].astype(np.float32)
    return h


def convolve(x: np.ndarray, h: np.ndarray) -> np.ndarray:
    """``x`` through the response ``h``, same length as ``x``."""
    n = x.size + h.size - 1
    size = 1 << (n - 1).bit_length()
    y = np.fft.irfft(np.fft.rfft(x, size) * np.fft.rfft(h, size), size)[: x.size]
    return y.astype(np.float32)


def clip(x: np.ndarray) -> np.ndarray:
    """Limit to the int16 range, as a microphone's converter does."""
    return np.clip(x, -32768.0, 32767.0)


def to_int16(x: np.ndarray) -> np.ndarray:
    return clip(np.round(x)).astype(np.int16)


def _fit(x: np.ndarray, n: int) -> np.ndarray:
    """Loop or cut ``x`` to ``n`` samples."""
    if x.size == 0:
        return np.zeros(n, np.float32)
    if x.size >= n:
        return x[:n].astype(np.float32)
    return np.tile(x, n // x.size + 1)[:n].astype(np.float32)
