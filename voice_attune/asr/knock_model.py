"""What a knock sounds like, measured: band levels every 2 ms, the numbers that describe one
sharp start, and the small network that tells a knock over someone talking from their speech.

In a quiet room a knock is easy: it stands far above everything around it (asr/knock.py's
rules). Over a partner talking at the same loudness it does not; what still gives it away is
its shape in time and across the spectrum: it starts everywhere at once within 2 ms, fills the
gaps between the voice's harmonics, and dies within tens of milliseconds, where a plosive
("p", "t", "k") comes out of silence and leads into a louder vowel. The network weighs those
numbers, and what the start added above each frequency's lasting level (the median over
the 350 ms around it, heard in 16 ms windows: a voice's harmonics last a syllable, a knock a
few windows); it was trained by ``scripts/train_knock.py`` on knocks, speech and kitchen sounds made
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
FORMAT = 2
"""2: the numbers of what stands above each frequency's lasting level were added."""


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


CONTEXT_S = (0.2, 0.15)
"""Seconds of sound before and after a sharp start that its description reads."""


def describe(levels: np.ndarray, i: int, context: np.ndarray) -> np.ndarray:
    """The numbers describing the sharp start at level step ``i`` of ``levels`` (hops, bands),
    which holds at least BEFORE_HOPS steps before it and AFTER_HOPS after; ``context`` is the
    sound from CONTEXT_S[0] before the start to CONTEXT_S[1] after it."""
    at, ms = int(CONTEXT_S[0] * SAMPLE_RATE), SAMPLE_RATE // 1000
    clip, pre = context[at - 10 * ms:at + 40 * ms], context[at - 60 * ms:at - 10 * ms]
    # Every band at once (a sharp start is judged some twenty times a second over loud talk;
    # band by band, these numbers took most of the detector's time).
    bands = np.arange(levels.shape[1])
    peak_at = i + np.argmax(levels[i:i + 5], axis=0)
    pre_levels = levels[i - 70:i - 5]
    post_levels = levels[peak_at[None, :] + np.arange(20, 70)[:, None], bands]
    around = np.concatenate([pre_levels, post_levels])
    f64 = lambda a: np.asarray(a, np.float64)  # noqa: E731  (levels are float32; the sums below are not)
    peak = f64(levels[peak_at, bands])
    before = f64(_column_means(levels[i - 12:i - 2]))
    after = f64(_column_means(levels[peak_at[None, :] + np.arange(15, 25)[:, None], bands]))
    later = f64(levels[peak_at[None, :] + np.array([1, 2, 4, 8, 16])[:, None], bands]) - peak
    per_band = np.column_stack([
        peak - f64(np.minimum(levels[i - 3], levels[i - 2])), peak - before, peak - f64(pre_levels.max(axis=0)),
        peak - f64(post_levels.max(axis=0)), peak - f64(np.percentile(around, 90, axis=0)),
        peak - f64(_medians(around.T)), peak - after, after - before, later.T,
        f64(_column_means(levels[i - 50:i - 30])) - peak, f64(_column_means(levels[i - 30:i - 12])) - peak,
    ])
    out = [*per_band.ravel().tolist(), max(float(levels[i:i + 5, 0].max()), -70.0),
           *_spectrum_numbers(clip, pre), *_percussive_numbers(context, at)]
    return np.clip(np.asarray(out, np.float32), -60.0, 60.0)


def _column_means(block: np.ndarray) -> np.ndarray:
    """Each column's mean, summed as a column alone would be (the numbers stay those the
    knock model trained on, band by band)."""
    return np.mean(np.ascontiguousarray(block.T), axis=1)


def _medians(block: np.ndarray) -> np.ndarray:
    """Each row's median, as np.median gives it (the middle one, or the mean of the middle two),
    from one sort: np.median's own checks took longer than the sorting."""
    ordered = np.sort(block, axis=1)
    n = ordered.shape[1]
    return ordered[:, n // 2] if n % 2 else (ordered[:, n // 2 - 1] + ordered[:, n // 2]) / 2


def _row_means(block: np.ndarray) -> list[float]:
    """Each row's mean, summed as the row alone would be (as ``_column_means``)."""
    return [np.add.reduce(row) / row.size for row in block]


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


_P_WINDOW, _P_HOP = 256, 64
"""16 ms windows every 4 ms: fine enough in frequency to see a voice's harmonics."""
_P_HANN = np.hanning(_P_WINDOW).astype(np.float32)
_P_FREQS = np.fft.rfftfreq(_P_WINDOW, 1 / SAMPLE_RATE)
_P_BINS = np.flatnonzero((_P_FREQS >= 60) & (_P_FREQS < 4000))
_P_LOW = _P_FREQS[_P_BINS] < 1500
_P_STEPS = (-2, -1, 0, 1, 2, 3, 5, 8)
"""Windows (4 ms steps from the one centred on the start) whose excess is described."""
_P_GROUPS = ((0, 3), (3, 6), (6, 10), (10, 15), (15, 22), (22, 32), (32, 45), (45, 63))
"""The bins of 60 Hz-4 kHz in eight groups, narrower low down..."""
_P_GROUP_STEPS = (-1, 0, 1, 2, 4, 8)
"""...whose median excess is given for these windows."""
_P_COUNT = 6 * len(_P_STEPS) + len(_P_GROUPS) * len(_P_GROUP_STEPS)


def _percussive_numbers(context: np.ndarray, at: int) -> list[float]:
    """What the sharp start added above the lasting sound in each frequency: every bin's level
    in the windows around it against that bin's median over the whole context (a voice's
    harmonics last for a syllable, a knock for a few windows; what rises everywhere at once,
    between the harmonics too, is a knock). Per window: the mean excess, in the low and the
    high half, its 25th and 50th percentile over the bins, and the share of bins 6 dB up;
    then, for fewer windows, the median excess in each of eight groups of bins."""
    if context.size < _P_WINDOW * 4:
        return [0.0] * _P_COUNT
    frames = np.lib.stride_tricks.sliding_window_view(context, _P_WINDOW)[::_P_HOP]
    power = np.abs(np.fft.rfft(frames * _P_HANN, axis=1))[:, _P_BINS] ** 2
    db = 10 * np.log10(power + 1.0)
    excess = db - _medians(db.T)
    centre = int(round((at - _P_WINDOW / 2) / _P_HOP))
    e = excess[np.clip(centre + np.array(_P_STEPS), 0, len(excess) - 1)]
    per_step = np.column_stack([
        e.mean(axis=1), _row_means(e[:, _P_LOW]), _row_means(e[:, ~_P_LOW]),
        np.percentile(e, 25, axis=1),
        _medians(e), 10.0 * np.mean(e >= 6.0, axis=1)])
    g = excess[np.clip(centre + np.array(_P_GROUP_STEPS), 0, len(excess) - 1)]
    per_group = np.column_stack([_medians(g[:, lo:hi]) for lo, hi in _P_GROUPS])
    return [*per_step.ravel().tolist(), *per_group.ravel().tolist()]


NUMBERS = len(BANDS_HZ) * 15 + 1 + 5 + _P_COUNT
"""How many numbers describe one sharp start."""


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
            if (header.get("format") != FORMAT or weights["mean"].shape != (NUMBERS,)
                    or not all(np.isfinite(w).all() for w in weights.values())):
                raise ValueError("format or weights")
            model.score(np.zeros(NUMBERS, np.float32))
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
