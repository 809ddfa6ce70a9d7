"""Sayings of a keyword with its vowels and stress moved, for training models that hear accents."""

from __future__ import annotations

import numpy as np
import pytest

from voice_attune.keywords.accents import accent_variants
from voice_attune.keywords.neighbours import espeak_phonemes
from voice_attune.synthetic.speech import synthesize


def test_variants_move_vowels_but_keep_the_consonants_that_tell_the_word_apart():
    sayings = accent_variants("pineapple", np.random.default_rng(1), 12)
    assert len(sayings) == 12 and len(set(sayings)) == 12
    plain = "[[" + "".join(espeak_phonemes("pineapple")[0]) + "]]"
    assert plain not in sayings
    for saying in sayings:
        assert saying.startswith("[[") and saying.endswith("]]")
        inner = saying.strip("[]").replace("'", "")
        # p, n, p in order, whatever the vowels became
        assert inner.startswith("p") and inner.count("p") == 2 and "n" in inner, saying


def test_variants_are_seeded():
    a = accent_variants("time out", np.random.default_rng(7), 5)
    b = accent_variants("time out", np.random.default_rng(7), 5)
    c = accent_variants("time out", np.random.default_rng(8), 5)
    assert a == b and a != c
    assert all(s.count(" ") == 1 for s in a), "two words stay two words"


@pytest.mark.parametrize("word", ["zorblat", "mango", "x"])
def test_any_word_espeak_can_say_gets_sayings_espeak_can_speak(word):
    sayings = accent_variants(word, np.random.default_rng(2), 3)
    assert sayings
    for saying in sayings:
        assert np.abs(synthesize(saying, "en-us", 160).astype(np.int32)).max() > 1000
