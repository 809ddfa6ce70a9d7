"""The spotter's text matching: fuzzy where it is safe, exact for short words, each saying once."""

from __future__ import annotations

from voice_attune.asr.recognizer import Hypothesis, Word
from voice_attune.asr.spotter import Spotter, phrases_for
from voice_attune.config import DEFAULT_COMMANDS
from voice_attune.text import score


def hyp(text: str, t0: float = 1.0, final: bool = False) -> Hypothesis:
    words = tuple(Word(w, t0 + i * 0.4, t0 + i * 0.4 + 0.35) for i, w in enumerate(text.split()))
    return Hypothesis(text, words, final)


def spotter(pause=("pineapple",)) -> Spotter:
    return Spotter(phrases_for(pause, DEFAULT_COMMANDS), threshold=86)


def names(spots) -> list[str]:
    return [s.phrase.name for s in spots]


def test_pause_word_split_by_the_recognizer_still_counts():
    spots = spotter().match(hyp("i think pine apple now"))
    assert names(spots) == ["pause"]
    assert spots[0].heard == "pine apple"
    assert spots[0].word_end == 1.0 + 3 * 0.4 + 0.35


def test_confusable_phrases_are_not_the_pause_word():
    s = spotter()
    for text in ("apple pie", "pine needles", "happen", "an apple", "pie and pineal", "pinecone"):
        assert "pause" not in names(s.match(hyp(text))), text


def test_short_commands_must_match_exactly():
    assert score("no", "now") == 0
    assert score("yes", "yes") == 100
    assert names(spotter().match(hyp("i know now"))) == []


def test_each_command_phrase_is_found_by_name():
    s = spotter()
    t0 = 0.0
    for name, phrases in DEFAULT_COMMANDS.items():
        for phrase in phrases:
            t0 += 5.0
            assert name in names(s.match(hyp(f"well {phrase}", t0=t0))), phrase


def test_a_growing_partial_reports_the_pause_word_once():
    s = spotter()
    first = s.match(hyp("i need pineapple"))
    again = s.match(hyp("i need pineapple right now"))
    final = s.match(hyp("i need pineapple right now", final=True))
    assert names(first) == ["pause"] and again == [] and final == []


def test_the_pause_word_said_twice_is_reported_twice():
    s = spotter()
    assert names(s.match(hyp("pineapple wait pineapple"))) == ["pause", "pause"]


def test_a_pause_phrase_of_several_words():
    s = spotter(pause=("red balloon",))
    assert names(s.match(hyp("i need a red balloon"))) == ["pause"]
    assert names(s.match(hyp("the red ball is lost", t0=9))) == []


def test_the_pause_phrase_wins_over_a_command_inside_it():
    s = spotter(pause=("stop now",))
    assert names(s.match(hyp("please stop now"))) == ["pause"]
    s = spotter(pause=("hey pineapple",))
    assert "pause" in names(s.match(hyp("okay hey pineapple")))


def test_a_partial_whose_word_times_move_is_still_one_saying():
    s = spotter()
    early = Hypothesis("pineapple", (Word("pineapple", 0.96, 1.02),), False)
    final = Hypothesis("pineapple", (Word("pineapple", 0.96, 2.04),), True)
    assert names(s.match(early)) == ["pause"]
    assert s.match(final) == []


def test_a_pause_phrase_a_keyword_model_hears_matches_only_with_all_its_letters():
    # The transcriber made "pineapples" of "nine apples"; where the keyword model listens for
    # the word, the transcript's copy is its second line and must be the word itself.
    loose = Spotter(phrases_for(("pineapple",), DEFAULT_COMMANDS), threshold=90)
    strict = Spotter(phrases_for(("pineapple",), DEFAULT_COMMANDS), threshold=90, exact=["pineapple"])
    assert names(loose.match(hyp("i bought pineapples"))) == ["pause"]
    assert names(strict.match(hyp("i bought pineapples"))) == []
    assert names(strict.match(hyp("say pine apple now"))) == ["pause"]
    # Commands keep the fuzzy threshold.
    assert "more_time" in names(strict.match(hyp("i need more times", t0=5.0)))
