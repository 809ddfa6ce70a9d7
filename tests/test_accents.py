"""Sayings of a keyword with its vowels and stress moved, for training models that hear accents."""

from __future__ import annotations

import numpy as np
import pytest

from voice_attune.keywords import train
from voice_attune.keywords.accents import accent_variants
from voice_attune.keywords.neighbours import espeak_phonemes
from voice_attune.keywords.measure import say
from voice_attune.keywords.voices import (
    FOREIGN_ACCENTS, HELD_OUT_LANGUAGES, HELD_OUT_VARIANTS, Voice, english_phonemes, training_voices,
)
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


def test_voices_of_other_languages_join_training_without_changing_the_english_ones():
    english = training_voices(np.random.default_rng(3), 2, (160,), hold_out=True, piper=False)
    mixed = training_voices(np.random.default_rng(3), 2, (160,), hold_out=True, piper=False, foreign=6)
    foreign = [v for v in mixed if v.foreign]
    assert len(foreign) == 6 and all(v.accent in FOREIGN_ACCENTS for v in foreign)
    assert [v for v in mixed if not v.foreign] == english
    assert not any(v.variant in HELD_OUT_VARIANTS for v in foreign), "held-out variants stay held out"
    assert not any(v.accent in HELD_OUT_LANGUAGES for v in foreign), "held-out languages stay held out"
    every = training_voices(np.random.default_rng(3), 2, (160,), piper=False, foreign=60)
    assert {v.accent for v in every if v.foreign} & set(HELD_OUT_LANGUAGES), "without hold_out they train"


def test_a_voice_of_another_language_says_english_from_its_phonemes():
    german = Voice("de+m3", 160)
    said = train._speak("I need a pause.", german)
    # Read as German text, "I need a pause" would be spoken in German spelling; from its English
    # phonemes it is as long as an English voice's saying, give or take an accent.
    english = train._speak("I need a pause.", Voice("en-us+m3", 160))
    assert 0.7 * english.size < said.size < 1.4 * english.size
    assert english_phonemes("Pineapple, please.") == "[[p'aInap@L pl'i:z]]"
    # The benchmarks' voices of other languages speak the same way as training's.
    spanish = Voice("es+f2", 160)
    assert spanish.words("I need a pause.") == english_phonemes("I need a pause.")
    phonemes = synthesize(english_phonemes("I need a pause."), "es+f2", 160).astype(np.float32)
    loud = np.flatnonzero(np.abs(phonemes) > 200)
    assert np.array_equal(say("I need a pause.", spanish), phonemes[loud[0]:loud[-1] + 1])


def test_a_language_that_drops_the_words_sounds_does_not_say_it_in_training():
    assert train.reads_english("pineapple", "de")
    # Polish espeak-ng stops at the "aI" of "pine", a sound it does not have.
    assert not train.reads_english("pineapple", "pl")
