"""The private history: real SQLite files, sessions recorded from real events, read back."""

from __future__ import annotations

import json
import sqlite3
import stat
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from voice_attune.cli import main
from voice_attune.config import data_dir
from voice_attune.events import Answer, Choice, Final, SessionEnd, SessionStart, TurnEnd, TurnStart
from voice_attune.history import FILE, MIGRATIONS, History, remember, simulated_folder
from voice_attune.synthetic.speech import piper_available

NOW = datetime(2026, 11, 26, 19, 30)


def session_events(script="daily-checkin", reason="finished", feeling="tense", follow_up=False):
    summary = {
        "reason": reason, "duration_s": 240.0,
        "partners": {"A": {"name": "Sam", "speech_s": 61.5, "turns": 3},
                     "B": {"name": "Alex", "speech_s": 48.0, "turns": 3}},
        "pauses": 1, "choices": {"feeling": {"A": feeling, "B": "hopeful"}},
        "follow_ups": [{"script": script, "title": "Daily check-in", "step": "speak", "t": 100.0}] if follow_up else [],
    }
    return [SessionStart(0.0, script, {"A": "Sam", "B": "Alex"}, {}),
            Choice(50.0, "feeling", feeling, feeling), SessionEnd(240.0, reason, summary)]


def test_a_session_is_recorded_and_read_back(tmp_path):
    history = History.open(tmp_path / "data")
    sid = history.record(session_events(follow_up=True), NOW)
    [s] = history.sessions()
    assert (s.id, s.script, s.ended, s.pauses, s.duration_s) == (sid, "daily-checkin", "finished", 1, 240.0)
    assert s.partners["A"] == {"name": "Sam", "speech_s": 61.5, "turns": 3}
    assert sorted(s.choices) == [("feeling", "A", "tense"), ("feeling", "B", "hopeful")]
    assert [f.topic for f in history.open_follow_ups()] == ["Daily check-in"]


def test_the_history_is_private_to_the_user(tmp_path):
    history = History.open(tmp_path / "data")
    assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700
    assert stat.S_IMODE(history.path.stat().st_mode) == 0o600


def test_a_session_that_never_ended_is_not_recorded(tmp_path):
    history = History.open(tmp_path)
    assert history.record(session_events()[:2], NOW) is None
    assert history.sessions() == []


def test_forget_removes_the_rows_and_the_bytes(tmp_path):
    history = History.open(tmp_path)
    history.record(session_events(feeling="zanzibarish"), NOW - timedelta(days=40))
    history.record(session_events(feeling="quietly"), NOW)
    assert history.forget(until=NOW - timedelta(days=30)) == 1
    assert [s.choices[0][2] for s in history.sessions()] in (["quietly"], ["hopeful"])
    assert b"zanzibarish" not in history.path.read_bytes()  # compacted, not only unlinked rows
    assert history.forget() == 1 and history.sessions() == []


def test_an_older_history_is_migrated_not_discarded(tmp_path):
    path = tmp_path / FILE
    with sqlite3.connect(path) as db:  # a version 0 file: someone's old data in another table
        db.execute("CREATE TABLE notes (text TEXT)")
        db.execute("INSERT INTO notes VALUES ('keep me')")
    history = History.open(tmp_path)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        assert db.execute("SELECT text FROM notes").fetchall() == [("keep me",)]
    assert history.record(session_events(), NOW) is not None


def test_a_version_1_history_keeps_its_sessions_when_it_gains_transcripts(tmp_path):
    path = tmp_path / FILE
    with sqlite3.connect(path) as db:
        db.executescript(MIGRATIONS[0] + "PRAGMA user_version = 1;")
        db.execute("INSERT INTO sessions (started, script, duration_s, ended, pauses, partners)"
                   " VALUES ('2026-10-01T08:00:00', 'morning', 90, 'finished', 0, '{}')")
    history = History.open(tmp_path)
    assert [s.script for s in history.sessions()] == ["morning"]
    sid = history.record(consented_events("yes", "yes"), NOW)
    assert history.transcript(sid) == [(10.0, "A", "the garden was lovely today")]


def consented_events(a: str, b: str) -> list:
    events = session_events()
    return events[:1] + [
        Answer(2.0, "keep-words-A", a), Answer(4.0, "keep-words-B", b),
        TurnStart(5.0, "A", "speak", 60.0),
        Final(10.0, "the garden was lovely today", 8.0, 9.9),
        Final(12.0, "", 11.0, 11.8, care=True),
        TurnEnd(13.0, "A", "done", 5.0, 8.0),
    ] + events[1:]


def test_words_are_kept_only_when_both_partners_said_yes(tmp_path):
    history = History.open(tmp_path)
    agreed = history.record(consented_events("yes", "yes"), NOW)
    assert history.transcript(agreed) == [(10.0, "A", "the garden was lovely today")]
    assert b"garden was lovely" in history.path.read_bytes()
    history.forget()
    for a, b in (("yes", "no"), ("no", "no"), ("no", "yes")):
        refused = history.record(consented_events(a, b), NOW)
        assert history.transcript(refused) == []
    assert history.record(session_events() + [Final(1.0, "not asked at all", 0.0, 0.9)], NOW)
    assert b"garden" not in history.path.read_bytes() and b"not asked" not in history.path.read_bytes()


def test_a_history_that_cannot_be_written_never_breaks_the_session(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    said = []
    assert remember(session_events(), NOW, blocked / "voice-attune", notice=said.append) is None
    assert len(said) == 1 and "could not be added to the history" in said[0]


WRITER = """
import sys, time
from datetime import datetime
from pathlib import Path
from voice_attune.history import History
from tests.test_history import session_events
h = History.open(Path(sys.argv[1]))
h.record(session_events(), datetime(2026, 11, 1, 8, 0))
import sqlite3
db = sqlite3.connect(h.path)
db.execute("BEGIN")
db.execute("INSERT INTO sessions (started, script, duration_s, ended, pauses, partners) VALUES ('2026-11-02T08:00:00', 'half', 1, 'finished', 0, '{}')")
print("in transaction", flush=True)
time.sleep(60)
"""


def test_killing_a_writer_mid_transaction_leaves_a_readable_history(tmp_path):
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path)], stdout=subprocess.PIPE,
                            cwd=Path(__file__).parent.parent, text=True)
    assert proc.stdout.readline().strip() == "in transaction"
    proc.kill()
    proc.wait()
    history = History.open(tmp_path)
    assert [s.script for s in history.sessions()] == ["daily-checkin"]  # the half-written one is gone


def test_the_history_command_shows_sessions_days_feelings_and_follow_ups(capsys):
    history = History.open(data_dir())
    today = datetime.now().replace(microsecond=0)
    history.record(session_events(feeling="tense", follow_up=True), today)
    history.record(session_events(feeling="tense"), today - timedelta(days=1))
    assert main(["history", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert len(report["sessions"]) == 2
    assert report["feelings_most_named"][0] == {"value": "tense", "times": 2}
    assert report["sessions_per_week"][-1] + report["sessions_per_week"][-2] == 2
    assert [f["topic"] for f in report["open_follow_ups"]] == ["Daily check-in"]
    assert main(["history"]) == 0
    text = capsys.readouterr().out
    assert "Feelings named most: tense (2)" in text and "To come back to:" in text


def test_no_history_yet_says_so_kindly(capsys):
    assert main(["history"]) == 0
    assert "No sessions yet" in capsys.readouterr().out


@pytest.mark.slow
@pytest.mark.skipif(not piper_available(), reason="the simulated partners speak with Piper")
def test_a_simulated_session_lands_in_the_history_and_is_read_back(capsys):
    scenario = Path(__file__).parent / "scenarios" / "feelings-menu.yaml"
    assert main(["simulate", "feelings-menu", "--scenario", str(scenario), "--quiet", "--history"]) == 0
    capsys.readouterr()
    assert main(["history", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["sessions"] == []  # the couple's own history: untouched
    assert main(["history", "--simulated", "--json"]) == 0
    [s] = json.loads(capsys.readouterr().out)["sessions"]
    assert s["script"] == "feelings-menu" and s["ended"] == "finished"
    assert {c["value"] for c in s["choices"]} == {"drained", "hopeful"}


def test_forget_asks_first_and_keeps_everything_on_anything_but_forget(monkeypatch, capsys):
    history = History.open(data_dir())
    history.record(session_events(), datetime(2026, 9, 1, 8, 0))
    history.record(session_events(), datetime(2026, 11, 1, 8, 0))
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    assert main(["forget", "--before", "2026-10-01"]) == 0
    assert "Nothing was deleted." in capsys.readouterr().out and len(history.sessions()) == 2
    monkeypatch.setattr("builtins.input", lambda prompt: "forget")
    assert main(["forget", "--before", "2026-10-01"]) == 0
    assert [s.started.month for s in history.sessions()] == [11]
    assert main(["forget", "--all", "--yes"]) == 0 and history.sessions() == []


def test_forget_with_a_bad_day_says_so_in_one_line(capsys):
    assert main(["forget", "--before", "last tuesday", "--yes"]) == 2
    err = capsys.readouterr().err
    assert "--before needs a day like 2026-11-01" in err and err.count("\n") == 1


SET_ASIDE = """
partners: {A: Sam, B: Alex}
voice: piper
echo: 0.3
replies:
  - [{silence: 0.8}, {say: "I slept badly."}, {silence: 1.5}, {say: "Pineapple."}, {silence: 8}]
  - [{silence: 2.0}, {say: "Not now."}]
"""

COME_BACK = """
partners: {A: Sam, B: Alex}
voice: piper
echo: 0.3
replies:
  - [{silence: 0.8}, {say: "Yes."}]
  - [{silence: 0.8}, {say: "I worry about the mornings."}, {silence: 1.0}, {say: "I'm done."}]
  - [{silence: 0.8}, {say: "Me too."}, {silence: 1.0}, {say: "I'm done."}]
  - [{silence: 0.8}, {say: "I slept well."}, {silence: 1.0}, {say: "I'm done."}]
  - [{silence: 0.8}, {say: "My meeting."}, {silence: 1.0}, {say: "I'm done."}]
  - [{silence: 0.8}, {say: "I'll cook dinner."}, {silence: 1.0}, {say: "I'm done."}]
  - [{silence: 0.8}, {say: "Not so well."}, {silence: 1.0}, {say: "I'm done."}]
  - [{silence: 0.8}, {say: "My sister."}, {silence: 1.0}, {say: "I'm done."}]
  - [{silence: 0.8}, {say: "I'll call you at lunch."}, {silence: 1.0}, {say: "I'm done."}]
"""


@pytest.mark.slow
@pytest.mark.skipif(not piper_available(), reason="the simulated partners speak with Piper")
def test_what_was_set_aside_is_raised_at_the_next_session_and_closed_when_talked_about(tmp_path, capsys):
    first, second = tmp_path / "aside.yaml", tmp_path / "back.yaml"
    first.write_text(SET_ASIDE)
    second.write_text(COME_BACK)
    # With knocks heard, as by default: the simulated partners' full-voice Piper speech ("My
    # meeting.") was heard as two knocks until the knock model trained on Piper's and Flite's
    # speech too (docs/benchmarks.md, "Double knocks").
    assert main(["simulate", "morning", "--scenario", str(first), "--history"]) == 0
    assert "Session ended (not_now)" in capsys.readouterr().out
    history = History.open(simulated_folder())
    [open_one] = history.open_follow_ups()
    assert history.sessions()[0].ended == "not_now"
    assert main(["simulate", "morning", "--scenario", str(second), "--history"]) == 0
    out = capsys.readouterr().out
    assert "Last time, in your morning" in out and "set something aside" in out
    assert history.open_follow_ups() == []  # talked about: closed
    assert [s.ended for s in history.sessions()] == ["finished", "not_now"]


def test_export_says_what_it_contains_then_writes_the_period(tmp_path, capsys):
    history = History.open(data_dir())
    history.record(session_events(feeling="tense", follow_up=True), datetime(2026, 11, 3, 8, 0))
    history.record(session_events(feeling="drained"), datetime(2026, 9, 3, 8, 0))
    out = tmp_path / "november.md"
    assert main(["export", "--since", "2026-11-01", "--until", "2026-12-01", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed.index("contains") < printed.index("Wrote")
    text = out.read_text()
    assert "1 session(s) on 1 day(s)" in text and "tense (1)" in text and "drained" not in text
    assert "Sam 1.0 min (3 turns)" in text and "Daily check-in" in text


def test_export_to_a_folder_that_does_not_exist_is_one_line(tmp_path, capsys):
    assert main(["export", "--out", str(tmp_path / "no" / "such.md")]) == 2
    assert capsys.readouterr().err.count("\n") == 1


KEEP_WORDS = """
partners: {A: Sam, B: Alex}
voice: piper
echo: 0.3
replies:
  - [{silence: 0.8}, {say: "Yes."}]
  - [{silence: 0.8}, {say: "%s"}]
  - [{silence: 0.8}, {say: "I slept well."}, {silence: 1.0}, {say: "I'm done."}]
  - [{silence: 0.8}, {say: "I'm thinking about my meeting."}, {silence: 1.0}, {say: "I'm done."}]
  - [{silence: 0.8}, {say: "Today I'd like to cook dinner."}, {silence: 1.0}, {say: "I'm done."}]
  - [{silence: 0.8}, {say: "Not so well."}, {silence: 1.0}, {say: "I'm done."}]
  - [{silence: 0.8}, {say: "I'm thinking about my sister."}, {silence: 1.0}, {say: "I'm done."}]
  - [{silence: 0.8}, {say: "Today I'd like to call you at lunch."}, {silence: 1.0}, {say: "I'm done."}]
"""


@pytest.mark.slow
@pytest.mark.skipif(not piper_available(), reason="the simulated partners speak with Piper")
@pytest.mark.parametrize("second", ["No.", "Yes."])
def test_the_spoken_consent_step_decides_whether_any_words_reach_the_file(second, tmp_path, capsys):
    """Asked at the start of every session that would keep words; a refusal is checked in the
    database file itself, and the agreeing run shows the check can fail."""
    config, scenario, events = tmp_path / "config.yaml", tmp_path / "s.yaml", tmp_path / "e.jsonl"
    config.write_text("privacy: {transcripts: ask}\n")
    scenario.write_text(KEEP_WORDS % second)
    assert main(["simulate", "morning", "--scenario", str(scenario), "--history", "--config", str(config),
                 "--events", str(events)]) == 0
    out = capsys.readouterr().out
    assert "would you like me to keep a written record" in out
    logged = [json.loads(line) for line in events.read_text().splitlines()]
    answers = {e["id"]: e["value"] for e in logged if e["type"] == "answer"}
    said = [e["text"] for e in logged if e["type"] == "final" and len(e["text"].split()) >= 2]
    assert len(said) >= 4
    data = History.open(simulated_folder()).path.read_bytes()
    if second == "No.":
        assert answers == {"keep-words-A": "yes", "keep-words-B": "no"}
        assert "Nothing you say today will be written down." in out
        assert [text for text in said if text.encode() in data] == []
    else:
        assert answers == {"keep-words-A": "yes", "keep-words-B": "yes"}
        assert [text for text in said if text.encode() not in data] == []


@pytest.mark.parametrize("said, voice, kept", [
    ("Forget it.", "piper", False), ("Forget it.", "en-us", False),
    ("Keep it.", "piper", True), (None, "piper", True),
])
def test_forget_can_be_confirmed_by_voice(said, voice, kept, tmp_path, capsys):
    from voice_attune.asr.audiofile import write_wav
    from voice_attune.synthetic.compose import Composition

    if voice == "piper" and not piper_available():
        pytest.skip("Piper is not installed")
    history = History.open(data_dir())
    history.record(session_events(feeling="zanzibarish"), NOW)
    answer = Composition().silence(1.0)
    if said:
        answer.say(said, voice=voice)
    wav = tmp_path / "answer.wav"
    write_wav(wav, answer.silence(2.0).audio())
    assert main(["forget", "--all", "--spoken", "--audio", str(wav)]) == 0
    out = capsys.readouterr().out
    assert "To delete it, say: forget it." in out
    assert (len(history.sessions()) == 1) == kept
    assert ("Nothing was deleted." in out) == kept
    assert (b"zanzibarish" in history.path.read_bytes()) == kept


def test_export_with_words_adds_only_the_words_you_both_agreed_to_keep(tmp_path, capsys):
    history = History.open(data_dir())
    history.record(consented_events("yes", "yes"), datetime(2026, 11, 3, 8, 0))
    refused = consented_events("yes", "no")
    refused[4] = Final(10.0, "the bakery closed early", 8.0, 9.9)
    history.record(refused, datetime(2026, 11, 4, 8, 0))
    out = tmp_path / "words.md"
    assert main(["export", "--since", "2026-11-01", "--out", str(out), "--with-words"]) == 0
    assert "the words said in sessions where you both agreed" in capsys.readouterr().out
    text = out.read_text()
    assert "- Sam: the garden was lovely today" in text and "bakery" not in text
    assert main(["export", "--since", "2026-11-01", "--out", str(out)]) == 0
    assert "garden" not in out.read_text()
