"""`check-word`: candidate pause words are spoken through the real listener and judged."""

from __future__ import annotations

import json

import pytest

from voice_attune import cli
from voice_attune.asr.engines import open_engine
from voice_attune.commands.word_trials import DEFAULT_VOICES, EVERYDAY, WordReport, check_word
from voice_attune.config import Config
from voice_attune.synthetic.speech import espeak_available

pytestmark = pytest.mark.skipif(not espeak_available(), reason="espeak-ng is needed to synthesize speech")

QUICK_VOICES = DEFAULT_VOICES[:2]
"""Enough voices to show a warning without paying for the whole check."""


@pytest.fixture(scope="module")
def config() -> Config:
    return Config()


@pytest.fixture(scope="module")
def engine(config):
    return open_engine(config, "pocketsphinx")


@pytest.fixture(scope="module")
def pineapple(config, engine) -> WordReport:
    return check_word("pineapple", config, engine)


def codes(report: WordReport) -> set[str]:
    return {w.code for w in report.warnings}


@pytest.mark.slow
def test_pineapple_is_a_good_pause_word(pineapple):
    assert pineapple.verdict == "good", pineapple.reason
    assert pineapple.tries >= 15
    assert pineapple.hit_rate is not None and pineapple.hit_rate >= 0.8
    assert pineapple.false_spots == ()
    assert pineapple.warnings == ()
    assert pineapple.unknown_words == ()


@pytest.mark.slow
def test_the_word_is_tried_alone_and_at_every_place_in_a_sentence_by_every_voice(pineapple):
    assert {t.place for t in pineapple.trials} == {"alone", "start", "middle", "end"}
    voices = [v.voice for v in pineapple.per_voice]
    assert set(voices) >= {voice for voice, _ in DEFAULT_VOICES}
    assert sum(v.tries for v in pineapple.per_voice) == pineapple.tries
    assert sum(v.heard for v in pineapple.per_voice) == pineapple.heard
    assert len({v.speed for v in pineapple.per_voice}) > 2
    assert pineapple.everyday_tried >= 6


@pytest.mark.slow
def test_a_heard_pause_comes_soon_after_the_word_ends(pineapple):
    assert pineapple.median_delay is not None and pineapple.median_delay < 1.0
    assert all((t.delay is not None) == t.heard for t in pineapple.trials)


def test_a_word_the_recognizer_does_not_know_is_reported_as_unreliable(config, engine):
    report = check_word("zorblax", config, engine)
    assert report.unknown_words == ("zorblax",)
    assert "unknown" in codes(report)
    unknown = next(w for w in report.warnings if w.code == "unknown")
    assert "zorblax" in unknown.message and "cannot spot" in unknown.message
    assert report.verdict == "poor"
    assert report.tries == 0 and "zorblax" in report.skipped  # no phrase spotter would take it


def test_a_phrase_with_one_unknown_word_names_that_word(config, engine):
    report = check_word("purple zorblax", config, engine)
    assert report.unknown_words == ("zorblax",)
    assert report.verdict == "poor"


@pytest.mark.parametrize("word, command", [("stop", "stop"), ("yes", "yes"), ("Okay", "yes")])
def test_a_command_word_is_refused_with_a_warning_about_the_command(config, engine, word, command):
    report = check_word(word, config, engine)
    assert report.verdict == "poor"
    assert "command" in codes(report)
    assert any(c.source == "command" and c.name == command for c in report.confusions)
    assert report.tries == 0  # the settings refuse it, so there is nothing to listen for


def test_a_short_one_syllable_word_is_warned_about(config, engine):
    assert "short" in codes(check_word("yes", config, engine))


def test_a_word_that_begins_with_a_command_warns_that_one_may_trigger_the_other(config, engine):
    report = check_word("stopping", config, engine, voices=QUICK_VOICES[:1], everyday=EVERYDAY[:2])
    assert "command" in codes(report)
    assert any(c.name == "stop" for c in report.confusions)
    assert report.verdict != "good"


def test_a_word_said_all_the_time_in_conversation_is_poor(config, engine):
    report = check_word("really", config, engine, voices=QUICK_VOICES[:1], everyday=EVERYDAY[:2])
    assert "common" in codes(report)
    assert report.verdict == "poor"


def test_everyday_sentences_that_hold_the_word_are_left_out(config, engine):
    holding = [s for s in EVERYDAY if "dinner" in s.lower()]
    report = check_word("dinner", config, engine, voices=QUICK_VOICES[:1], everyday=holding)
    assert holding and report.everyday_tried == 0


@pytest.mark.slow
def test_the_cli_prints_the_report_as_json(capsys):
    assert cli.main(["check-word", "pineapple", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["word"] == "pineapple"
    assert data["verdict"] == "good"
    assert data["heard"] <= data["tries"] and data["tries"] >= 15
    assert 0.8 <= data["hit_rate"] <= 1.0
    assert data["false_spots"] == [] and data["warnings"] == []
    for key in ("engine", "reason", "median_delay", "per_voice", "trials", "everyday_tried",
                "confusions", "unknown_words", "seconds"):
        assert key in data
    assert {"voice", "speed", "heard", "tries"} <= set(data["per_voice"][0])
    assert {"voice", "speed", "place", "text", "heard", "delay", "transcript"} <= set(data["trials"][0])
    # The shipped keyword model of the word, measured on its own.
    k = data["keyword_model"]
    assert k["path"].endswith(".npz") and k["verdict"] in ("good", "usable", "poor")
    families = k["recall_by_family"]
    assert "American" in families and "British, Scottish, Caribbean" in families
    assert sum(f["said"] for f in families.values()) == k["recall"]["said"] == sum(
        r["said"] for r in k["recall_by_room"].values())
    assert k["recall"]["recall"] >= 0.8
    assert k["everyday"]["minutes"] >= 3 and k["confusables"]["sayings"] >= 20
    assert len(k["confusables"]["heard_in"]) <= k["confusables"]["false_pauses"] <= 2


def test_the_cli_prints_a_readable_report_with_warnings_and_verdict(capsys):
    assert cli.main(["check-word", "stop"]) == 0  # a completed check, even with a poor verdict
    out = capsys.readouterr().out
    assert "Verdict: POOR" in out
    assert "command 'stop'" in out
    assert "No keyword model for 'stop' yet" in out and "train-word" in out


@pytest.mark.parametrize("argv", [["check-word", ""], ["check-word", "  ", "--json"], ["check-word", "?!"]])
def test_an_empty_word_is_a_user_error(capsys, argv):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert "empty" in err and "Traceback" not in err


def test_a_bad_voice_speed_is_a_user_error(capsys):
    assert cli.main(["check-word", "pineapple", "--voices", "en-us:fast"]) == 2
    assert "words a minute" in capsys.readouterr().err


def test_check_word_is_never_silent_long_in_a_log():
    import io

    from voice_attune.commands.checkword import _Progress

    log = io.StringIO()
    progress = _Progress(log, "pineapple")
    for done in range(41):
        progress(done, 40, "en-us saying pineapple")
    assert log.getvalue().splitlines() == [
        "Checking 'pineapple' with 40 recordings...", "Checking 'pineapple': 10/40 heard",
        "Checking 'pineapple': 20/40 heard", "Checking 'pineapple': 30/40 heard"]
