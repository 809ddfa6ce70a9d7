"""The whole listening pipeline on synthesized speech: real VAD, real PocketSphinx, real spotter."""

from __future__ import annotations

import pytest

from tests.conftest import VOICES, listen, of_type
from voice_attune.config import DEFAULT_COMMANDS
from voice_attune.synthetic.compose import Composition, word_end_in
from voice_attune.synthetic.speech import piper_available

PLACES = {
    "alone": "pineapple",
    "start": "pineapple, I need a minute",
    "middle": "I think we should say pineapple now",
    "end": "I am really tired pineapple",
}


def pause_spots(events):
    return [e for e in of_type(events, "spotted") if e.kind == "pause"]


@pytest.mark.parametrize("voice, speed", VOICES)
@pytest.mark.parametrize("place", PLACES)
def test_pause_word_is_spotted_wherever_it_is_said(sphinx, voice, speed, place):
    comp = Composition().silence(1.0).say(PLACES[place], voice, speed).silence(1.5)
    events = listen(sphinx, comp)
    spots = pause_spots(events)
    assert len(spots) == 1, [e.to_dict() for e in events]
    truth_end = word_end_in(comp.placed[0], "pineapple", voice, speed)
    spot = spots[0]
    # It fires soon after the word, while the utterance may still be going on.
    assert truth_end - 0.3 <= spot.t <= truth_end + 0.6, (spot.t, truth_end)
    assert spot.word_end is not None and abs(spot.word_end - truth_end) <= 0.3


def test_pause_word_fires_before_the_speaker_falls_silent(sphinx):
    comp = Composition().silence(1.0).say("pineapple, I need a minute to breathe please").silence(1.5)
    events = listen(sphinx, comp)
    spot = pause_spots(events)[0]
    speech_end = of_type(events, "speech_end")[0]
    assert spot.t < speech_end.t  # heard while the partner was still speaking
    assert events.index(spot) < events.index(speech_end)


@pytest.mark.parametrize("voice, speed", VOICES)
def test_confusable_phrases_are_not_spotted(sphinx, voice, speed):
    comp = Composition().silence(0.8)
    # The confusables, each said on its own; longer sentences around them are
    # measured by scripts/bench_listen.py, which reports every false spot it finds.
    for text in ("apple pie", "pine needles", "happen", "pine needles", "apple pie"):
        comp.say(text, voice, speed).silence(1.2)
    events = listen(sphinx, comp)
    assert pause_spots(events) == [], [e.to_dict() for e in pause_spots(events)]


# How people say each command; PocketSphinx misses some lone short words ("help", "skip").
SAYINGS = {
    "resume": "let's continue",
    "repeat": "could you repeat that",
    "next": "next",
    "more_time": "I need more time",
    "done": "I'm done",
    "stop": "stop",
    "yes": "yes",
    "no": "no",
    "help": "what can I say",
}


def test_every_command_has_a_saying():
    assert set(SAYINGS) == set(DEFAULT_COMMANDS)


@pytest.mark.skipif(not piper_available(), reason="Piper voice not installed")
@pytest.mark.parametrize("name", list(SAYINGS))
def test_every_command_is_spotted(sphinx, name):
    phrase = SAYINGS[name]
    comp = (Composition().silence(0.5).say("I was thinking about yesterday evening", "piper")
            .silence(1.5).say(phrase, "piper").silence(1.2))
    events = listen(sphinx, comp)
    after = [e for e in of_type(events, "spotted") if e.t >= comp.placed[1].start]
    assert name in [e.name for e in after], [e.to_dict() for e in events]
    spot = next(e for e in after if e.name == name)
    assert spot.kind == "command"
    assert spot.word_end is not None
    assert comp.placed[1].start <= spot.word_end <= comp.placed[1].end + 0.35
    before = [e.name for e in of_type(events, "spotted") if e.t < comp.placed[1].start]
    assert before == []  # nothing spotted in the sentence before it


def test_several_pause_words_from_config(sphinx):
    from voice_attune.config import Config

    config = Config(pause_words=("pineapple", "red balloon"))
    comp = (Composition().silence(0.8).say("red balloon", "piper" if piper_available() else "en-us")
            .silence(1.5).say("pineapple").silence(1.2))
    spots = pause_spots(listen(sphinx, comp, config))
    assert [s.text for s in spots] == ["red balloon", "pineapple"]


def test_each_keyword_search_knows_only_its_own_words(sphinx):
    # The whole CMU dictionary in each keyword decoder held about 20 MB more per decoder
    # (scripts/bench_memory.py); the search reads only its phrases' words.
    group = sphinx.phrase_spotter(["pineapple"], ["i'm done", "more time"], 0.5, barge=["stop"])
    decoders = [m.decoder for m in group.members]
    assert len(decoders) == 3
    assert decoders[0].lookup_word("pineapple") == "P AY N AE P AH L"
    assert decoders[1].lookup_word("done") and decoders[2].lookup_word("stop")
    assert all(d.lookup_word("table") is None for d in decoders)
    assert sphinx.knows("table") and sphinx.phones("pineapple") == 7


def test_transcripts_and_speech_events_line_up(sphinx):
    comp = (Composition().silence(1.0).say("I feel tired but okay", "piper" if piper_available() else "en-us")
            .silence(2.0).say("thank you for listening").silence(1.0))
    events = listen(sphinx, comp)
    starts, ends, finals = of_type(events, "speech_start"), of_type(events, "speech_end"), of_type(events, "final")
    assert len(starts) == len(ends) == len(finals) == 2
    for start, end, final, placed in zip(starts, ends, finals, comp.placed):
        assert abs(start.t - placed.start) <= 0.15
        assert abs(end.t - placed.end) <= 0.15
        assert end.duration == pytest.approx(end.t - start.t, abs=0.001)
        assert final.text
        assert placed.start - 0.35 <= final.start <= final.end <= placed.end + 0.35


def test_partials_come_before_the_final(sphinx):
    comp = Composition().silence(0.8).say("we could go for a walk after dinner tonight").silence(1.2)
    events = listen(sphinx, comp, partials=True)
    partials, finals = of_type(events, "partial"), of_type(events, "final")
    assert len(partials) >= 2 and len(finals) == 1
    assert all(p.t < finals[0].t for p in partials)


def test_the_recognizers_listen_strictly_for_a_pause_word_the_keyword_model_hears(sphinx, monkeypatch):
    # With the keyword model listening, the recognizers' permissive pause search only added
    # pauses on sound-alikes (scripts/bench_listen.py); without one it is all there is.
    from voice_attune.asr.listener import build_listener
    from voice_attune.config import Config, SpotterSettings

    searches = []
    make = sphinx._keyword_recognizer
    monkeypatch.setattr(sphinx, "_keyword_recognizer", lambda phrases, **kw: searches.append(phrases) or make(phrases, **kw))
    backed = build_listener(Config(), sphinx)
    pause_search = lambda: next(ps for ps in searches if ps[0][0] == "pineapple")  # noqa: E731
    assert backed.keywords is not None and backed.spotter.exact == {"pineapple"}
    strict = pause_search()[0][1]
    searches.clear()
    alone = build_listener(Config(spotter=SpotterSettings(keywords=False)), sphinx)
    assert alone.keywords is None and alone.spotter.exact == frozenset()
    assert pause_search()[0][1] == sphinx.threshold_exponent("pineapple", 0.5) > strict >= 1


def test_a_sound_alike_in_the_transcript_needs_the_keyword_model_to_lean_towards_the_word(sphinx):
    # PocketSphinx's transcriber writes "pineapple" for "fine apple"; the keyword model scores it
    # far below its threshold, and that is not enough for the transcript's copy to pause.
    from voice_attune.config import Config, SpotterSettings

    comp = Composition().silence(2.0)
    for text in ("fine apple", "nine apples", "a pile of apples"):
        comp.say(text, "en-us", 160).silence(1.2)
    assert pause_spots(listen(sphinx, comp)) == []
    # The recognizers alone (no keyword model) do take it for the word: what the fusion removed.
    alone = pause_spots(listen(sphinx, comp, Config(spotter=SpotterSettings(keywords=False))))
    assert alone and all(s.source == "transcript" for s in alone)
