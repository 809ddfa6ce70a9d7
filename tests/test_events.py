"""The one event schema: every type of DESIGN.md serializes to JSON lines and reads back."""

from __future__ import annotations

import io
import json

from voice_attune import events as ev

SAMPLES = [
    ev.SpeechStart(1.0),
    ev.SpeechEnd(2.5, 1.5),
    ev.Partial(1.2, "i feel"),
    ev.Final(3.1, "i feel tired", 1.02, 2.4),
    ev.Spotted(1.9, "pause", "pause", "pineapple", 100.0, 1.81),
    ev.SessionStart(0.0, "daily-checkin", {"A": "Sam", "B": "Alex"}, {"recognizer": "pocketsphinx"}),
    ev.StepStarted(0.0, "welcome", "say"),
    ev.SayStart(0.0, "Hello Sam and Alex."),
    ev.SayEnd(2.2, False),
    ev.TurnStart(3.0, "A", "speak", 60.0),
    ev.TurnWarning(43.0, "A", 20.0),
    ev.TurnEnd(50.0, "A", "done", 31.25, 47.0),
    ev.Paused(51.0, "word"),
    ev.Resumed(70.0),
    ev.Choice(80.0, "feeling", "drained", "i feel drained"),
    ev.Answer(90.0, "again", "yes"),
    ev.SessionEnd(100.0, "finished", {"A": {"speech_s": 31.25, "turns": 1}}),
]


def test_every_contract_type_has_a_class():
    names = {e.type for e in SAMPLES}
    assert names == {
        "speech_start", "speech_end", "partial", "final", "spotted", "session_start", "step",
        "say_start", "say_end", "turn_start", "turn_warning", "turn_end", "paused", "resumed",
        "choice", "answer", "session_end",
    }


def test_events_round_trip_through_json_lines():
    stream = io.StringIO()
    ev.EventLog(stream).write(SAMPLES)
    lines = stream.getvalue().splitlines()
    assert len(lines) == len(SAMPLES)
    assert all(set(json.loads(line)) >= {"t", "type"} for line in lines)
    stream.seek(0)
    assert ev.read_jsonl(stream) == SAMPLES


def test_times_are_rounded_to_milliseconds():
    body = ev.SpeechEnd(1.23456, 0.98765).to_dict()
    assert body == {"t": 1.235, "type": "speech_end", "duration": 0.988}
