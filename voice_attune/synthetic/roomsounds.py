"""Sounds made in code for tests and benchmarks: knocks on a table, and the everyday sounds of a
kitchen that must never be taken for one (a cup put down, cutlery, a chair, a door, claps).

Every function takes a seeded generator and returns float32 samples at 16 kHz on the int16
scale, so that where each sound lies is known exactly (the ground truth).
"""

from __future__ import annotations

import numpy as np

from voice_attune import SAMPLE_RATE


def _band(x: np.ndarray, low: float, high: float) -> np.ndarray:
    spectrum = np.fft.rfft(x)
    f = np.fft.rfftfreq(x.size, 1 / SAMPLE_RATE)
    spectrum[(f < low) | (f > high)] = 0
    return np.fft.irfft(spectrum, x.size)


def _unit(x: np.ndarray) -> np.ndarray:
    peak = float(np.max(np.abs(x))) or 1.0
    return (x / peak).astype(np.float32)


def knock(rng: np.random.Generator, peak: float = 12000.0) -> np.ndarray:
    """One knuckle on a wooden table: a short band-limited burst and the table's low ring."""
    n = int(rng.uniform(0.06, 0.12) * SAMPLE_RATE)
    t = np.arange(n) / SAMPLE_RATE
    low, high = rng.uniform(120, 300), rng.uniform(900, 2200)
    burst = _band(rng.standard_normal(n), low, high) * np.exp(-t / rng.uniform(0.004, 0.012))
    ring = np.sin(2 * np.pi * rng.uniform(150, 450) * t) * np.exp(-t / rng.uniform(0.010, 0.030))
    return _unit(burst / (np.std(burst[:80]) or 1.0) + 0.6 * ring) * peak


def varied_knock(rng: np.random.Generator, peak: float = 12000.0) -> np.ndarray:
    """A knock from a wider family than ``knock`` (the knock model trains on these): softer or
    harder knuckles, dull or bright tables, tables that ring long or not at all, a cloth on
    the table (``thud``)."""
    n = int(rng.uniform(0.05, 0.15) * SAMPLE_RATE)
    t = np.arange(n) / SAMPLE_RATE
    low = rng.uniform(40, 500)
    high = rng.uniform(max(low + 300, 500), 4000)
    burst = _band(rng.standard_normal(n), low, high) * np.exp(-t / rng.uniform(0.002, 0.035))
    ring = sum(np.sin(2 * np.pi * rng.uniform(80, 700) * t + rng.uniform(0, 6)) * np.exp(-t / rng.uniform(0.005, 0.06))
               * rng.uniform(0, 1.2) for _ in range(int(rng.integers(0, 3))))
    return _unit(burst / (np.std(burst[:80]) or 1.0) + ring) * peak


def thud(rng: np.random.Generator, peak: float = 12000.0) -> np.ndarray:
    """A knock on a table with a cloth on it: dull, boomy, slower to die than ``knock``."""
    n = int(0.15 * SAMPLE_RATE)
    t = np.arange(n) / SAMPLE_RATE
    burst = _band(rng.standard_normal(n), 40, rng.uniform(400, 700)) * np.exp(-t / rng.uniform(0.018, 0.03))
    ring = np.sin(2 * np.pi * rng.uniform(80, 140) * t) * np.exp(-t / rng.uniform(0.04, 0.06))
    return _unit(burst / (np.std(burst[:80]) or 1.0) + 0.8 * ring) * peak


def hollow(rng: np.random.Generator, peak: float = 12000.0) -> np.ndarray:
    """A knock on a hollow wooden box or a thin table top: a click, then one resonance that
    rings for a while (a shape the knock model never trained on)."""
    n = int(0.15 * SAMPLE_RATE)
    t = np.arange(n) / SAMPLE_RATE
    click = _band(rng.standard_normal(n), 300, rng.uniform(2500, 4000)) * np.exp(-t / rng.uniform(0.001, 0.002))
    body = np.sin(2 * np.pi * rng.uniform(200, 350) * t) * np.exp(-t / rng.uniform(0.04, 0.06))
    return _unit(click / (np.std(click[:40]) or 1.0) + 1.5 * body) * peak


def double_knock(rng: np.random.Generator, gap_s: float | None = None, peak: float = 12000.0,
                 shape=None) -> tuple[np.ndarray, float]:
    """Two knocks ``gap_s`` apart (0.15-0.6 s, random if None) made by ``shape`` (``knock``
    if None); returns the audio and where the second knock begins (seconds from the start)."""
    shape = shape or knock
    gap = float(rng.uniform(0.18, 0.55)) if gap_s is None else gap_s
    first, second = shape(rng, peak), shape(rng, peak * float(rng.uniform(0.7, 1.3)))
    at = int(gap * SAMPLE_RATE)
    out = np.zeros(max(at + second.size, first.size), np.float32)
    out[:first.size] += first
    out[at:at + second.size] += second
    return out, at / SAMPLE_RATE


def cup(rng: np.random.Generator, peak: float = 9000.0) -> np.ndarray:
    """A mug put down: a dull contact, then the ceramic's high partials ringing."""
    n = int(0.4 * SAMPLE_RATE)
    t = np.arange(n) / SAMPLE_RATE
    base = rng.uniform(1800, 3200)
    ring = sum(np.sin(2 * np.pi * base * k * t + rng.uniform(0, 6)) / k for k in (1.0, 2.3, 3.9))
    contact = _band(rng.standard_normal(n), 200, 3000) * np.exp(-t / 0.004)
    return _unit(ring * np.exp(-t / rng.uniform(0.05, 0.15)) + 2 * contact) * peak


def cutlery(rng: np.random.Generator, peak: float = 8000.0) -> np.ndarray:
    """Knives and forks laid down or stirred: several metallic clinks, unevenly spaced."""
    n = int(rng.uniform(0.8, 1.6) * SAMPLE_RATE)
    out = np.zeros(n, np.float32)
    at = 0
    while True:
        at += int(rng.uniform(0.05, 0.35) * SAMPLE_RATE)
        if at >= n - 2000:
            break
        m = int(0.15 * SAMPLE_RATE)
        t = np.arange(m) / SAMPLE_RATE
        f = rng.uniform(3000, 6500)
        clink = (np.sin(2 * np.pi * f * t) + 0.5 * np.sin(2 * np.pi * f * 1.7 * t)) * np.exp(-t / rng.uniform(0.02, 0.06))
        end = min(n, at + m)
        out[at:end] += clink[:end - at] * rng.uniform(0.4, 1.0)
    return _unit(out) * peak


def chair(rng: np.random.Generator, peak: float = 7000.0) -> np.ndarray:
    """A chair dragged on the floor: a rough, rising and falling scrape."""
    n = int(rng.uniform(0.5, 1.4) * SAMPLE_RATE)
    t = np.arange(n) / SAMPLE_RATE
    scrape = _band(rng.standard_normal(n), 150, 2500) * (1 + 0.8 * np.sin(2 * np.pi * rng.uniform(15, 40) * t))
    return _unit(scrape * np.sin(np.pi * t / t[-1])) * peak


def door(rng: np.random.Generator, peak: float = 16000.0) -> np.ndarray:
    """A door shut: a heavy low thump, a latch's click, and the room ringing after."""
    n = int(0.8 * SAMPLE_RATE)
    t = np.arange(n) / SAMPLE_RATE
    thump = _band(rng.standard_normal(n), 40, 400) * np.exp(-t / 0.04)
    tail = _band(rng.standard_normal(n), 80, 3000) * np.exp(-t / rng.uniform(0.12, 0.3)) * 0.3
    click = np.zeros(n)
    at = int(rng.uniform(0.02, 0.12) * SAMPLE_RATE)
    click[at:at + 200] = _band(rng.standard_normal(200), 1500, 6000) * np.exp(-np.arange(200) / 40)
    return _unit(thump + tail + 0.5 * click) * peak


def clap(rng: np.random.Generator, peak: float = 12000.0) -> np.ndarray:
    """One hand clap: a bright, very short burst."""
    n = int(0.08 * SAMPLE_RATE)
    t = np.arange(n) / SAMPLE_RATE
    return _unit(_band(rng.standard_normal(n), rng.uniform(600, 1000), rng.uniform(4000, 7000))
                 * np.exp(-t / rng.uniform(0.004, 0.009))) * peak


def claps(rng: np.random.Generator, count: int = 2, peak: float = 12000.0) -> np.ndarray:
    """Hand claps 0.25-0.5 s apart (laughing, or keeping a beat while telling a story)."""
    parts = []
    for _ in range(count):
        c = clap(rng, peak * float(rng.uniform(0.8, 1.2)))
        gap = np.zeros(int(rng.uniform(0.25, 0.5) * SAMPLE_RATE) - c.size, np.float32)
        parts += [c, gap]
    return np.concatenate(parts)


KITCHEN = {"single_tap": knock, "cup": cup, "cutlery": cutlery, "chair": chair, "door": door}
"""Everyday sounds that must never pause a session (claps go inside speech, see ``claps``)."""


def place(into: np.ndarray, sound: np.ndarray, at_s: float) -> None:
    """Add ``sound`` into ``into`` starting at ``at_s`` seconds (cut at its end)."""
    at = int(at_s * SAMPLE_RATE)
    piece = sound[: max(into.size - at, 0)]
    into[at:at + piece.size] += piece
