"""Earcons: short soft tones made in code (nothing is downloaded), 16 kHz mono int16.

A rising two-note chime opens a turn, the same notes falling close it, and a low hum marks a
pause. Every tone fades in and out smoothly, so it starts and ends on silence: no clicks.
"""

from __future__ import annotations

import functools

import numpy as np

from voice_attune import SAMPLE_RATE

TURN_START = "turn_start"
TURN_END = "turn_end"
PAUSE = "pause"
NAMES = (TURN_START, TURN_END, PAUSE)

LEVEL = 0.2
"""Peak level as a fraction of full scale (about -14 dBFS): under speech, never startling."""

_E5, _A5, _A3 = 659.26, 880.0, 220.0


def earcon(name: str, volume: float = 1.0) -> np.ndarray:
    """The earcon called ``name`` (one of NAMES), scaled by ``volume`` (0-1); read-only."""
    if name not in NAMES:
        raise ValueError(f"unknown earcon '{name}'; earcons are: {', '.join(NAMES)}")
    return _render(name, round(float(volume), 4))


def turn_start(volume: float = 1.0) -> np.ndarray:
    """A gentle rising chime: your turn to speak."""
    return earcon(TURN_START, volume)


def turn_end(volume: float = 1.0) -> np.ndarray:
    """The same chime falling: the turn is over."""
    return earcon(TURN_END, volume)


def pause_tone(volume: float = 1.0) -> np.ndarray:
    """A low, soft tone: everything has paused."""
    return earcon(PAUSE, volume)


@functools.lru_cache(maxsize=32)
def _render(name: str, volume: float) -> np.ndarray:
    if name == PAUSE:
        # Slow attack and release: a hum that arrives and leaves rather than a beep.
        wave = _note(_A3, 0.40, attack=0.08, release=0.18, decay=2.0)
    else:
        low, high = (_E5, _A5) if name == TURN_START else (_A5, _E5)
        first = _note(low, 0.20, attack=0.012, release=0.06, decay=9.0)
        second = _note(high, 0.24, attack=0.012, release=0.08, decay=7.0)
        offset = int(0.11 * SAMPLE_RATE)  # the notes overlap, like a struck chime
        wave = np.zeros(offset + second.size)
        wave[: first.size] += first
        wave[offset:] += second
    wave *= LEVEL * volume / np.abs(wave).max()
    pcm = np.round(wave * 32767).astype(np.int16)
    pcm.flags.writeable = False
    return pcm


def _note(freq: float, seconds: float, attack: float, release: float, decay: float) -> np.ndarray:
    """One soft note: fundamental plus a faint octave, under an envelope that is 0 at both ends."""
    n = int(seconds * SAMPLE_RATE)
    t = np.arange(n) / SAMPLE_RATE
    tone = np.sin(2 * np.pi * freq * t) + 0.2 * np.sin(2 * np.pi * 2 * freq * t)
    env = np.exp(-decay * t)
    # Raised-cosine ramps: their slope is zero at the ends too, which is what keeps them silent.
    a, r = int(attack * SAMPLE_RATE), int(release * SAMPLE_RATE)
    env[:a] *= 0.5 - 0.5 * np.cos(np.pi * np.arange(a) / a)
    env[n - r:] *= 0.5 + 0.5 * np.cos(np.pi * np.arange(1, r + 1) / r)
    return tone * env
