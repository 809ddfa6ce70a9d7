"""What a knock sounds like, measured: band levels every 2 ms, the numbers that describe one
sharp start, and the small network that tells a knock over someone talking from their speech.

In a quiet room a knock is easy: it stands far above everything around it (asr/knock.py's
rules). Over a partner talking at the same loudness it does not; what still gives it away is
its shape in time and across the spectrum: it starts everywhere at once within 2 ms, fills the
gaps between the voice's harmonics, and dies within tens of milliseconds, where a plosive
("p", "t", "k") comes out of silence and leads into a louder vowel. The network weighs those
numbers; it was trained by ``scripts/train_knock.py`` on knocks, speech and kitchen sounds made
in code (seeded, reproducible) and ships as package data (``data/knock.npz``).
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from voice_attune import SAMPLE_RATE
from voice_attune.asr.kws_model import network
from voice_attune.privatefiles import write_private

HOP = 32
"""Samples per level step (2 ms)."""
WINDOW = 2 * HOP
BANDS_HZ = ((0, 8000), (0, 500), (500, 1000), (1000, 2000), (2000, 4000))
"""The whole sound first (the plain mean square of the 4 ms), then four bands, in dBFS."""
_HANN = np.hanning(WINDOW).astype(np.float32)
_FREQS = np.fft.rfftfreq(WINDOW, 1 / SAMPLE_RATE)
_BAND_MATRIX = np.stack([((_FREQS >= lo) & (_FREQS < hi)) | ((hi >= SAMPLE_RATE / 2) & (_FREQS >= lo))
                         for lo, hi in BANDS_HZ], axis=1).astype(np.float32)
_SCALE = 2.0 / (WINDOW * float(np.sum(_HANN * _HANN)) * 32768.0**2)
FLOOR_LEVEL = -100.0
"""dBFS below which a band counts as silent (digital silence reads this, not minus infinity)."""
MODEL_FILE = "knock.npz"
FORMAT = 1


def band_levels(samples: np.ndarray) -> np.ndarray:
    """dBFS in each band for every full 4 ms window of ``samples`` stepped by 2 ms: (hops, bands)."""
    count = (samples.size - WINDOW) // HOP + 1
    if count <= 0:
        return np.zeros((0, len(BANDS_HZ)), np.float32)
    frames = np.lib.stride_tricks.sliding_window_view(samples, WINDOW)[::HOP][:count]
    power = (np.abs(np.fft.rfft(frames * _HANN, axis=1)) ** 2) @ _BAND_MATRIX * _SCALE
    power[:, 0] = np.mean(frames * frames, axis=1) / 32768.0**2
    return np.maximum(10 * np.log10(np.maximum(power, 1e-12)), FLOOR_LEVEL).astype(np.float32)


BEFORE_HOPS = 100
"""Level steps before a sharp start that the description needs (200 ms)."""
AFTER_HOPS = 75
"""...and after it (150 ms)."""


def describe(levels: np.ndarray, i: int, clip: np.ndarray, pre: np.ndarray) -> np.ndarray:
    """The numbers describing the sharp start at level step ``i`` of ``levels`` (hops, bands),
    which holds at least BEFORE_HOPS steps before it and AFTER_HOPS after; ``clip`` is the
    50 ms of samples from 10 ms before it, ``pre`` the 50 ms before that."""
    out: list[float] = []
    for b in range(levels.shape[1]):
        h = levels[:, b]
        peak_at = i + int(np.argmax(h[i:i + 5]))
        peak = float(h[peak_at])
        pre_levels, post_levels = h[i - 70:i - 5], h[peak_at + 20:peak_at + 70]
        around = np.concatenate([pre_levels, post_levels])
        before = float(np.mean(h[i - 12:i - 2]))
        after = float(np.mean(h[peak_at + 15:peak_at + 25]))
        out += [peak - min(h[i - 3], h[i - 2]), peak - before, peak - float(pre_levels.max()),
                peak - float(post_levels.max()), peak - float(np.percentile(around, 90)),
                peak - float(np.median(around)), peak - after, after - before,
                *(float(h[peak_at + k]) - peak for k in (1, 2, 4, 8, 16)),
                float(np.mean(h[i - 50:i - 30])) - peak, float(np.mean(h[i - 30:i - 12])) - peak]
    out += [max(float(levels[i:i + 5, 0].max()), -70.0), *_spectrum_numbers(clip, pre)]
    return np.clip(np.asarray(out, np.float32), -60.0, 60.0)


def power_spectrum(x: np.ndarray) -> np.ndarray:
    """Power per frequency of ``x`` through a Hann window."""
    return np.abs(np.fft.rfft(x * np.hanning(x.size))) ** 2


def low_share(spectrum: np.ndarray) -> float:
    """Share of a power spectrum's energy above 60 Hz that lies below 1.5 kHz (a knuckle on
    wood is low; claps, cups and cutlery are brighter)."""
    f = np.fft.rfftfreq(2 * (spectrum.size - 1), 1 / SAMPLE_RATE)
    return float(np.sum(spectrum[(f >= 60) & (f < 1500)])) / (float(np.sum(spectrum[f >= 60])) or 1.0)


def _spectrum_numbers(clip: np.ndarray, pre: np.ndarray) -> list[float]:
    """Share below 1.5 kHz of the sound and of what it added to what sounded before, where
    that added energy lies (kHz), how flat it is, and how much was added (dB)."""
    spectrum = power_spectrum(clip)
    before = power_spectrum(pre) if pre.size == clip.size else np.zeros_like(spectrum)
    added = np.maximum(spectrum - before, 0.0)
    f = np.fft.rfftfreq(clip.size, 1 / SAMPLE_RATE)
    heard = (f >= 60) & (f < 4000)
    total = float(np.sum(added[heard])) or 1e-9
    centre = float(np.sum(added[heard] * f[heard]) / total) / 1000.0
    flat = float(np.exp(np.mean(np.log(added[heard] + 1e-3))) / (np.mean(added[heard]) + 1e-3))
    gain = 10 * np.log10((float(np.sum(spectrum[heard])) + 1.0) / (float(np.sum(before[heard])) + 1.0))
    return [low_share(spectrum), low_share(added), centre, flat, gain]


class BadKnockModel(Exception):
    """The knock model file cannot be read."""


@dataclass
class KnockModel:
    """The network that scores a sharp start 0-1 for "a knock, heard over other sound"."""

    weights: dict[str, np.ndarray]
    threshold: float
    meta: dict

    def score(self, numbers: np.ndarray) -> float:
        return float(network(self.weights, numbers[None, :])[0, 0])

    def save(self, path: Path) -> None:
        header = {"format": FORMAT, "threshold": self.threshold, "meta": self.meta}
        arrays = {k: v.astype(np.float32) for k, v in self.weights.items()}
        write_private(path, lambda out: np.savez(
            out, header=np.frombuffer(json.dumps(header).encode(), np.uint8), **arrays))

    @classmethod
    def load(cls, path: Path) -> "KnockModel":
        try:
            with np.load(path, allow_pickle=False) as data:
                header = json.loads(bytes(data["header"]).decode())
                weights = {k: np.asarray(data[k], np.float32) for k in ("mean", "scale", "w1", "b1", "w2", "b2", "w3", "b3")}
            model = cls(weights, float(header["threshold"]), dict(header.get("meta", {})))
            if header.get("format") != FORMAT or not all(np.isfinite(w).all() for w in weights.values()):
                raise ValueError("format or weights")
            model.score(np.zeros(weights["mean"].shape[0], np.float32))
            return model
        except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile, UnicodeDecodeError, EOFError) as exc:
            raise BadKnockModel(f"{path}: damaged knock model ({type(exc).__name__})") from None


def packaged_path() -> Path:
    return Path(str(resources.files("voice_attune") / "data" / MODEL_FILE))


_loaded: list[KnockModel | None] = []


def packaged_model() -> KnockModel | None:
    """The shipped model, read once; None if it is missing or damaged (then only knocks that
    stand clear of everything around them are heard)."""
    if not _loaded:
        try:
            _loaded.append(KnockModel.load(packaged_path()))
        except BadKnockModel:
            _loaded.append(None)
    return _loaded[0]
