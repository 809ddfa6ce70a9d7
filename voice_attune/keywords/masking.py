"""Mel bands masked in training: a voice the model never met, roughly.

An accent moves a word's energy between frequencies (a vowel's formants, a fricative's hiss);
noise and babble cover some frequencies and leave others. A clip heard with one or two narrow
bands of its mel spectrogram flattened to their mean teaches the network not to lean on any one
band. Measured on held-out voices (docs/benchmarks.md) on two sets of training seeds, masking
half the training sayings only moved along the same trade between recall and everyday false
pauses, with no clear gain at an equal threshold; so the shipped models are trained without it
(``Budget.masked`` is 0 in FULL). The option stays for ``scripts/bench_keywords.py --masked``
and for a better recipe later. Only the front end's mel frames change; the embedding network
sees them as it sees any others.
"""

from __future__ import annotations

import numpy as np

MEL_BANDS = 32
BANDS_MASKED = (1, 2)
"""How many bands a masked clip loses (drawn between these, both included)."""
BAND_WIDTH = (2, 5)
"""Width of each, in mel bands (drawn between these, both included)."""

Mask = tuple[tuple[int, int], ...]
"""(first band, width) of each band flattened."""


def draw(rng: np.random.Generator, share: float) -> Mask:
    """The bands to flatten in one clip: none for a clip left as it was (1 - ``share`` of them)."""
    if share <= 0 or rng.random() >= share:
        return ()
    count = int(rng.integers(BANDS_MASKED[0], BANDS_MASKED[1] + 1))
    bands = []
    for _ in range(count):
        width = int(rng.integers(BAND_WIDTH[0], BAND_WIDTH[1] + 1))
        bands.append((int(rng.integers(0, MEL_BANDS - width + 1)), width))
    return tuple(bands)


def apply(mels: np.ndarray, mask: Mask) -> np.ndarray:
    """``mels`` (frames, 32) with each masked band flattened to its own mean over the clip."""
    if not mask or mels.shape[0] == 0:
        return mels
    out = mels.copy()
    for first, width in mask:
        out[:, first : first + width] = mels[:, first : first + width].mean(axis=0)
    return out
