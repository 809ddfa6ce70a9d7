"""Short spoken answers: yes or no, and a word from a menu."""

from __future__ import annotations

import pytest

from voice_attune.dialog.answers import YES_WORDS, best_match, menu_text, yes_no, yes_no_heard_alone


@pytest.mark.parametrize("heard, answer", [
    ("yes", "yes"), ("yeah", "yes"), ("okay", "yes"), ("yes let's go on", "yes"),
    ("well yes i think so", "yes"), ("yes it's no longer", "yes"),  # a misheard "yes, let's go on"
    ("no", "no"), ("not now thank you", "no"), ("not quite", "no"), ("no i would rather stop", "no"),
])
def test_yes_and_no_are_understood(heard, answer):
    assert yes_no(heard) == answer


@pytest.mark.parametrize("heard", [
    "the kids were sweet to each other today",  # "other today" is not "not today"
    "i bought fresh bread today",               # "bread" is not "ready"
    "now",                                      # short words must be heard exactly
])
def test_a_sentence_that_only_sounds_like_an_answer_is_not_one(heard):
    assert yes_no(heard) is None


def test_the_last_menu_word_said_wins():
    choices = {"tired": ("tired",), "tense": ("tense",), "hopeful": ("hopeful",)}
    assert best_match("tired no tense", choices) == "tense"
    assert best_match("i feel hopeful today", choices) == "hopeful"
    assert best_match("i feel hungry", choices) is None


def test_menus_are_said_as_people_say_lists():
    assert menu_text(["tired", "tense", "hopeful"]) == "tired, tense, or hopeful"
    assert menu_text(["yes", "no"]) == "yes or no"


@pytest.mark.parametrize("heard", ["i'm not ready", "not yeah", "not okay", "i'm not sure"])
def test_a_yes_word_after_not_is_a_no(heard):
    assert yes_no(heard) == "no"


@pytest.mark.parametrize("heard, answer", [
    ("okay no", "no"), ("all right no", "no"), ("alright not now", "no"), ("okay so no", "no"),
    ("okay i'm not ready", "no"), ("right not yet", "no"),
    ("okay", "yes"), ("okay yes", "yes"), ("okay let's go on", "yes"), ("okay let's do it", "yes"),
])
def test_an_answer_after_an_opener_is_that_answer(heard, answer):
    """"okay" and "right" are yes words, but "okay, no" is no: the opener was taken for the
    answer before (and the keyword model's "no" was never asked)."""
    assert yes_no(heard) == answer


def test_not_yet_misheard_is_never_taken_for_yes():
    choices = {"yes": YES_WORDS, "not yet": ("not yet",)}
    assert best_match("not yeah", choices) != "yes"
    assert best_match("yeah i'd like that", choices) == "yes"


@pytest.mark.parametrize("answer, words, expected", [
    ("yes", "yes", "yes"), ("yeah i think so", "yeah i think so", "yes"), ("okay yes", "i'm carrying yeah the", "yes"),
    ("no", "cool", "no"), ("not really", "", "no"),
    # a partner asking back: the answer grammar's filler words, the recognizer's many words
    ("just sure that that today today i'm that done i'm", "this term is up to take the bins out tonight", None),
    ("that resume sure", "you see sir you to draw or", None),
    ("yes", "good old and had on him throttling to agree on what limits al", "yes"),  # said alone, babble behind
    ("not now", "you got on and off to an old auto auto and like on as odd", "no"),
])
def test_a_yes_or_no_heard_only_by_the_answer_grammar_or_keywords_counts_in_a_short_utterance(answer, words, expected):
    assert yes_no_heard_alone(answer, words) == expected
