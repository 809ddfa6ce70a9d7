"""Flite's voices, built from recordings: speech made in memory, and the shipped pause-word model
hearing the word from its Scottish voice (awb), which no model ever trained on (its American
voices are learnt). scripts/bench_keywords.py measures that voice in every room; in noise it is
heard far less often (docs/benchmarks.md)."""

from __future__ import annotations

import numpy as np
import pytest

from voice_attune import SAMPLE_RATE
from tests.conftest import pauses_heard
from voice_attune.asr import kws_store
from voice_attune.asr.kws_model import KeywordModel
from voice_attune.errors import UserError
from voice_attune.keywords.voices import FLITE_TRAINING, PICO_TRAINING
from voice_attune.synthetic.speech import synthesize


def test_flite_speaks_in_memory_at_the_speed_and_pitch_asked_for():
    slow = synthesize("Take a slow breath with me.", "flite:awb", 120, 50)
    fast = synthesize("Take a slow breath with me.", "flite:awb", 200, 50)
    assert slow.dtype == np.int16 and np.abs(slow).max() > 3000
    assert 1.4 < slow.size / fast.size < 1.9  # 200/120 = 1.67
    assert 1.0 < fast.size / SAMPLE_RATE < 2.5

    def pitch_hz(pcm: np.ndarray) -> float:
        # The strongest autocorrelation lag between 60 and 400 Hz, over the loudest half second.
        x = pcm.astype(np.float64)
        k = int(np.argmax(np.convolve(x**2, np.ones(8000), "valid")))
        seg = x[k : k + 8000] - x[k : k + 8000].mean()
        ac = np.correlate(seg, seg, "full")[seg.size - 1 :]
        lo, hi = SAMPLE_RATE // 400, SAMPLE_RATE // 60
        return SAMPLE_RATE / (lo + int(np.argmax(ac[lo:hi])))

    low = synthesize("Oh, hello there.", "flite:slt", 160, 5)
    high = synthesize("Oh, hello there.", "flite:slt", 160, 95)
    assert pitch_hz(high) > 1.2 * pitch_hz(low)


def test_a_text_that_starts_with_a_dash_is_spoken_not_read_as_an_option():
    assert synthesize("-v is not a voice", "flite:rms", 160).size > SAMPLE_RATE // 2


def test_an_unknown_flite_voice_is_one_clear_error():
    with pytest.raises(UserError, match="Flite has no voice 'bob'; known: awb"):
        synthesize("hello", "flite:bob")


@pytest.mark.slow
def test_the_shipped_model_hears_the_word_from_a_voice_of_another_synthesizer():
    # In a quiet room, at speeds and pitches around where it holds today: the shipped model (the
    # median of four networks) scores 0.95-0.99 on four of these sayings against its threshold
    # of 0.94, and just below it on the other two, so a model that hears this voice worse fails
    # here. (The mean of the four networks heard only three: one network sure "no" at speed 180.)
    model = KeywordModel.load(kws_store.find_model("pineapple"))
    assert "flite:awb" not in FLITE_TRAINING + PICO_TRAINING, "no model trains on Flite's Scottish voice"
    settings = ((150, 40), (150, 65), (165, 65), (180, 40), (180, 65), (185, 65))
    heard, strays = pauses_heard(model, "flite:awb", settings)
    assert sum(heard) >= 4, heard
    assert not strays, "a pause on everyday talk"
