"""Care phrases in recognized text, and the crisis line the guide gives (no audio)."""

from __future__ import annotations

import pytest

from voice_attune.asr.carewords import CareWords
from voice_attune.config.care import DEFAULT_WORDS, CareSettings

CARE = CareWords(CareSettings().words)


@pytest.mark.parametrize("phrase", DEFAULT_WORDS)
def test_each_default_phrase_is_heard_inside_a_sentence(phrase):
    sentence = f"honestly lately {phrase.replace('...', 'all of my')} and that is how it is"
    words = CareSettings(words=(phrase,)).words  # "..." is a gap of a few words
    assert CareWords(words).find(sentence) == words[0]
    assert CARE.find(sentence) is not None


@pytest.mark.parametrize("said, phrase", [
    ("sometimes I think everyone would be better off without me", "better off without me"),
    ("I want to hurt myself", "hurt myself"),
    ("he hit me last week", "hit me"),
    ("I don't feel safe at home, I'm not safe", "not safe"),
    ("I have been thinking about Suicide.", "suicide"),
    ("I just want to die", "want to die"),
    ("I can't go on like this", "can't go on like this"),
    ("I’ve been cutting myself again", "cutting myself"),  # a typographic apostrophe
])
def test_a_distressed_sentence_names_its_phrase(said, phrase):
    assert CARE.find(said) == phrase


@pytest.mark.parametrize("said", [
    "you hurt me when you forgot",
    "I felt hurt when you didn't call",
    "my back hurts after the gym",
    "this week is killing me",
    "I'm dying to see the film",
    "the lasagna was to die for",
    "I want us to feel safe together",
    "drive safe on the way home",
    "it's safe to say we were both tired",
    "I can't go out tonight",
    "I'm not sure what to say",
    "I'm afraid I forgot to buy milk",
    "pass me the knife please",
    "can you cut the bread for me",
    "we should kill some time before dinner",
    "I hit the wall at work this afternoon",
    "",
])
def test_ordinary_check_in_talk_does_not_pause(said):
    assert CARE.find(said) is None


@pytest.mark.parametrize("said", [
    "the kids were scared of the thunder",  # "scared of the" ~ "scared of her"
    "our son is afraid of the dark",        # "afraid of the" ~ "afraid of her"
    "I want to drive to the coast",         # "want to drive" ~ "want to die"
    "yes we can go on",                     # "can go on" ~ "can't go on": the answer to the care question
])
def test_a_phrase_one_short_word_away_does_not_pause(said):
    assert CARE.find(said) is None


def test_kill_my_self_spaced_apart_is_kill_myself():
    assert CARE.find("sometimes I want to kill my self") == "kill myself"
    assert CARE.find("I keep hurting my self") == "hurting myself"


def test_a_phrase_must_be_whole_words():
    care = CareWords(CareSettings(words=("abuse",)).words)
    assert care.find("they abuse me") == "abuse"
    assert care.find("she was disabused of the idea") is None


def test_the_uk_line_is_the_samaritans():
    line = CareSettings(country="UK").line({})
    assert line.startswith("In the United Kingdom, ")
    assert "Samaritans" in line and "116 123" in line and "999" in line


def test_auto_country_follows_an_australian_locale():
    line = CareSettings().line({"LANG": "en_AU.UTF-8"})
    assert line.startswith("In Australia, ")
    assert "Lifeline" in line and "13 11 14" in line


def test_lc_all_wins_over_lang():
    assert "1737" in CareSettings().line({"LC_ALL": "en_NZ.UTF-8", "LANG": "en_US.UTF-8"})


@pytest.mark.parametrize("environ", [{"LANG": "pt_BR.UTF-8"}, {"LANG": "C.UTF-8"}, {}])
def test_an_unknown_locale_gives_the_general_sentence(environ):
    assert CareSettings().line(environ) == ("If you need support right now, please call your local "
                                            "emergency number, or a crisis line where you live.")


def test_crisis_line_overrides_the_country():
    settings = CareSettings(country="US", crisis_line="call Ana at the clinic on 555 0100.")
    assert settings.line({"LANG": "en_AU.UTF-8"}) == ("If you need support right now, "
                                                      "call Ana at the clinic on 555 0100.")


def test_a_country_code_is_taken_in_any_case():
    assert CareSettings(country=" gb ").country == "GB"
    assert CareSettings(country="uk").country == "GB"
    assert CareSettings(country="AUTO").country == "auto"


def test_an_unknown_country_is_refused_with_the_known_codes():
    with pytest.raises(ValueError) as refused:
        CareSettings(country="XX")
    message = str(refused.value)
    assert "'XX'" in message
    for code in ("AU", "CA", "DE", "FR", "GB", "IE", "NL", "NZ", "UK", "US", "auto"):
        assert code in message


def test_an_empty_crisis_line_or_word_list_is_refused():
    with pytest.raises(ValueError, match="crisis_line is empty"):
        CareSettings(crisis_line="  ")
    with pytest.raises(ValueError, match="at least one phrase"):
        CareSettings(words=("  ", "!"))


def test_words_replace_the_defaults_and_are_normalized():
    settings = CareSettings(words=("Not SAFE!", "I'm in Danger"))
    assert settings.words == ("not safe", "i'm in danger")
    assert CareWords(settings.words).find("I think I'm in danger here") == "i'm in danger"
    assert CareWords(settings.words).find("I want to die") is None


def test_a_gap_takes_a_few_words_but_not_a_whole_sentence():
    words = CareSettings(words=("giving ... things away",)).words
    assert words == ("giving __ things away",)
    care = CareWords(words)
    assert care.find("i've been giving all my things away") is not None
    assert care.find("giving things away") is not None
    assert care.find("giving the kids a lift and then we sorted the old things and gave them away") is None


@pytest.mark.parametrize("name", ["dev", "held_out"])
def test_statements_written_apart_from_the_list_are_caught_and_near_misses_are_not(name):
    """Tuning sets (tests/data/care): the figure on a set never tuned on is in docs/benchmarks.md."""
    import yaml
    from pathlib import Path

    data = yaml.safe_load((Path(__file__).parent / "data" / "care" / f"{name}.yaml").read_text())
    caught = sum(CARE.find(s) is not None for s in data["danger"])
    alarms = sum(CARE.find(s) is not None for s in data["ordinary"])
    assert len(data["danger"]) >= 40 and len(data["ordinary"]) >= 80
    assert caught >= 0.95 * len(data["danger"]) and alarms <= 0.02 * len(data["ordinary"])
