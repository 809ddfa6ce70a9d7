"""Operating points: what a keyword model hears at the threshold that lets a given number of
false pauses through.

A model measured at its own threshold gives one point of a trade-off between hearing the word
and pausing on everyday talk. Two models (two recipes, or two seeds of one) measured each at
its own threshold usually differ in both, and which hears better cannot be read off: a model
that hears more may only be one whose threshold fell. Measured at the same false pauses an
hour, they can be compared. The scores of a stream are worked out once; each threshold then
applies the streaming detector's own rule to them (``confirm`` steps in a row at or above the
threshold, then nothing for REFRACTORY_S), which is quick enough to try a few dozen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from voice_attune import SAMPLE_RATE
from voice_attune.asr.keywords import REFRACTORY_S
from voice_attune.asr.kws_features import FIRST_END, STEP_SAMPLES, FrontEnd
from voice_attune.asr.kws_model import KeywordModel
from voice_attune.keywords.train import windows_of

THRESHOLDS = tuple(float(t) for t in np.round(np.r_[np.arange(0.5, 0.99, 0.01), 0.99, 0.993, 0.995, 0.997, 0.998,
                                                    0.999, 0.9995], 4))
"""Thresholds tried, finer near 1, where a pause word's scores crowd."""


@dataclass(frozen=True)
class Trace:
    """A model's score for one output at every 80 ms step of a stream."""

    t: np.ndarray
    """Seconds from the stream's start at which each score is known."""
    scores: np.ndarray


def trace(model: KeywordModel, pcm: np.ndarray, front: FrontEnd, output: int = 0) -> Trace:
    """The scores of ``output`` over a whole stream (16 kHz int16), as the detector scores it."""
    emb = front.embed_clip(pcm)
    w = model.window
    if emb.shape[0] < w:
        return Trace(np.zeros(0), np.zeros(0))
    scores = model.scores(windows_of(emb, w, range(w - 1, emb.shape[0])))[:, output]
    t = (FIRST_END + np.arange(w - 1, emb.shape[0]) * STEP_SAMPLES) / SAMPLE_RATE
    return Trace(t, scores)


def fires(tr: Trace, threshold: float, confirm: int) -> list[float]:
    """When the detector would fire on ``tr`` at ``threshold``."""
    out: list[float] = []
    streak, last = 0, -1e9
    for score, t in zip(tr.scores, tr.t):
        streak = streak + 1 if score >= threshold else 0
        if streak >= confirm and t - last >= REFRACTORY_S:
            out.append(float(t))
            last = float(t)
    return out


def lowest_threshold(false_per_hour: Callable[[float], float], budget: float,
                     thresholds: Sequence[float] = THRESHOLDS) -> float | None:
    """The lowest threshold at which ``false_per_hour`` is at most ``budget`` (None: none is)."""
    for threshold in thresholds:
        if false_per_hour(threshold) <= budget:
            return threshold
    return None
