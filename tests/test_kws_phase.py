"""Training at every phase (Budget.phase): a saying moved so that it ends anywhere between two
80 ms embeddings, the rest of the clip as it was."""

from __future__ import annotations

import numpy as np

from voice_attune.asr.kws_features import STEP_SAMPLES
from voice_attune.keywords.train import _phase, _positive
from voice_attune.keywords.voices import Voice


def test_a_saying_moved_to_a_phase_starts_up_to_one_step_later():
    for voice, context in ((Voice("en-us", 160), None), (Voice("en-gb-scotland+f3", 140, 60), "Okay, {w} now.")):
        plain = _positive("pineapple", voice, context, np.random.default_rng(4), 0)
        moved = _positive("pineapple", voice, context, np.random.default_rng(4), 0, phase=True)
        shift = moved.phrase_start - plain.phrase_start
        assert 0 <= shift < STEP_SAMPLES
        assert moved.phrase_end - plain.phrase_end == shift
        assert moved.audio.size == plain.audio.size + shift
        assert not moved.audio[:shift].any() and np.array_equal(moved.audio[shift:], plain.audio)
        again = _positive("pineapple", voice, context, np.random.default_rng(4), 0, phase=True)
        assert np.array_equal(again.audio, moved.audio)  # drawn from the saying: reproducible


def test_phases_spread_over_the_whole_step():
    shifts = [_phase(text, Voice(name, speed), None, 16000) for text in ("pineapple", "stop", "yes")
              for name in ("en-us", "en-gb", "en-029") for speed in (130, 160, 190)]
    assert all(0 <= s < STEP_SAMPLES for s in shifts)
    assert len(set(shifts)) > 20 and min(shifts) < STEP_SAMPLES / 4 and max(shifts) > 3 * STEP_SAMPLES / 4
