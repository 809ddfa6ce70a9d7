"""The history to look at and the counsellor's export, from real sessions: the library's scripts
run with scripted partners (the real dialog engine, its real events), recorded in a real SQLite
history, then read back as text, JSON, a chart (PNG or SVG) and Markdown."""

from __future__ import annotations

import json
import re
import sqlite3
import stat
import struct
import sys
import xml.etree.ElementTree as ElementTree
from datetime import datetime
from pathlib import Path

import pytest

from voice_attune.cli import build_parser, main
from voice_attune.commands import history as history_command
from voice_attune.config import Config, data_dir
from voice_attune.dialog.engine import Engine
from voice_attune.dialog.host import DialogSettings
from voice_attune.events import SessionStart
from voice_attune.history import FILE, MIGRATIONS, History, PauseMark, talked_about
from voice_attune.script.loader import load_script
from voice_attune.session.scenario import load_scenario
from voice_attune.session.scripted import ScriptedRun, from_scenario
from voice_attune.trends import minutes, shares

SCENARIOS = Path(__file__).parent / "scenarios"
NOW = datetime(2026, 11, 26, 19, 30)  # a Thursday; the weeks begin on Mondays 2, 9, 16 and 23 Nov
PNG = b"\x89PNG\r\n\x1a\n"

SET_ASIDE = """
partners: {A: Sam, B: Alex}
replies:
  - [{silence: 0.8}, {say: "I slept badly."}, {silence: 1.5}, {say: "Pineapple."}, {silence: 8}]
  - [{silence: 2.0}, {say: "Not now."}]
"""


def session(scenario: Path, script: str | None = None) -> list:
    """The events of one session: a library script, its partners scripted by a scenario file."""
    config = Config()
    plan = load_scenario(scenario)
    engine = Engine(load_script(script or scenario.stem.removesuffix("-pause"), config),
                    DialogSettings.of(config, plan.partners))
    replies, barge_in = from_scenario(plan, config)
    events = ScriptedRun(engine, replies, barge_in).run().events
    # The runner logs the session's start around the engine's own events (session/runner.py).
    return [SessionStart(0.0, engine.script.name, {"A": engine.name("A"), "B": engine.name("B")},
                         {"recognizer": "scripted"})] + events


@pytest.fixture
def couple(tmp_path) -> dict:
    """Three weeks of sessions in the couple's history; returns their events by name."""
    aside = tmp_path / "aside.yaml"
    aside.write_text(SET_ASIDE)
    plan = {
        "daily-checkin": (session(SCENARIOS / "daily-checkin.yaml"), datetime(2026, 11, 3, 8, 0)),
        "feelings-menu": (session(SCENARIOS / "feelings-menu.yaml"), datetime(2026, 11, 4, 21, 0)),
        "focused-talk": (session(SCENARIOS / "focused-talk.yaml"), datetime(2026, 11, 10, 20, 0)),
        "between-sessions-pause": (session(SCENARIOS / "between-sessions-pause.yaml"), datetime(2026, 11, 11, 20, 0)),
        "set-aside": (session(aside, "morning"), datetime(2026, 11, 17, 7, 30)),
    }
    history = History.open(data_dir())
    for events, started in plan.values():
        assert history.record(events, started) is not None
    [follow_up] = history.open_follow_ups()
    talked_about(follow_up, datetime(2026, 11, 19, 7, 45))  # what the next session does when it comes back to it
    return {name: events for name, (events, _) in plan.items()}


def spoke(events: list) -> dict[str, float]:
    """Seconds each partner spoke, by name, from the session's own summary."""
    end = next(e for e in events if e.type == "session_end")
    return {p["name"]: p["speech_s"] for p in end.summary["partners"].values()}


def run_history(capsys, *extra: str) -> str:
    args = build_parser().parse_args(["history", *extra])
    assert history_command.run(args, Config(), now=NOW) == 0
    return capsys.readouterr().out


def test_minutes_have_one_decimal_and_real_speaking_time_never_reads_zero():
    assert minutes(61.5) == "1.0 min" and minutes(48.0) == "0.8 min" and minutes(95.0) == "1.6 min"
    assert minutes(2.28) == "2.3 s"  # a 2.3 s turn read "0.0 min"
    assert minutes(0.0) == "0 min"
    assert shares({"Sam": 61.5, "Alex": 48.0}) == {"Sam": 56, "Alex": 44}
    assert shares({"Sam": 1.0, "Alex": 1.0, "Kim": 1.0}) == {"Sam": 34, "Alex": 33, "Kim": 33}
    assert shares({"Sam": 0.0, "Alex": 0.0}) == {}


def test_each_pause_is_recorded_with_when_what_asked_and_whether_it_went_on(couple):
    events = couple["between-sessions-pause"]
    [paused] = [e for e in events if e.type == "paused"]
    sessions = {s.script: s for s in History.open(data_dir()).sessions()}
    [mark] = sessions["between-sessions"].pause_log
    assert mark == PauseMark(round(paused.t, 3), "word", "feeling", "B", True)
    [aside] = sessions["morning"].pause_log
    assert (aside.by, aside.partner, aside.went_on) == ("word", "A", False)
    assert sessions["daily-checkin"].pause_log == []


def test_the_terminal_shows_each_week_in_minutes_with_shares_pauses_and_feelings(couple, capsys):
    text = run_history(capsys)
    assert "0.0 min" not in text
    rows = {line.split()[0] + " " + line.split()[1]: line for line in text.splitlines()
            if re.match(r"\s+\d\d \w{3}\s", line)}
    for monday, names in (("02 Nov", ("daily-checkin", "feelings-menu")),
                          ("09 Nov", ("focused-talk", "between-sessions-pause"))):
        week: dict[str, float] = {}
        for name in names:
            for who, seconds in spoke(couple[name]).items():
                week[who] = week.get(who, 0.0) + seconds
        total = sum(week.values())
        sam = round(100 * week["Sam"] / total)
        row = rows[monday]
        assert re.search(rf"\b2\s+{total / 60:.1f} min\s+{sam}%\s+{100 - sam}%\s", row), row
    assert re.search(r"\s0\s+drained \(1\), hopeful \(1\)$", rows["02 Nov"])  # no pauses, two feelings
    assert re.search(r"\s1$", rows["09 Nov"])  # the pause word in between-sessions; no feeling chosen
    aside = spoke(couple["set-aside"])  # Sam spoke 1.5 s before the pause word: that was "0.0 min"
    assert re.search(rf"\b1\s+{re.escape(minutes(sum(aside.values())))}\s+100%\s+0%\s+1$", rows["16 Nov"])
    # Each session: its minutes with one decimal and each partner's share of it.
    checkin = spoke(couple["daily-checkin"])
    sam = round(100 * checkin["Sam"] / sum(checkin.values()))
    line = next(line for line in text.splitlines() if "daily-checkin" in line)
    assert f"Sam {checkin['Sam'] / 60:.1f} min ({sam}%)" in line and f"({100 - sam}%)" in line


def test_feelings_and_goals_are_kept_apart(couple, capsys):
    text = run_history(capsys)
    feelings = next(line for line in text.splitlines() if line.startswith("Feelings named most:"))
    goals = next(line for line in text.splitlines() if line.startswith("Goals chosen most:"))
    assert "drained (1)" in feelings and "hopeful (1)" in feelings
    assert "one small step" not in feelings and "one small step (1)" in goals
    report = json.loads(run_history(capsys, "--json"))
    assert {f["value"] for f in report["feelings_most_named"]} == {"drained", "hopeful"}
    assert {g["value"] for g in report["goals_most_named"]} == {"one small step", "some quiet time"}


def test_the_json_keeps_its_fields_and_gains_the_weeks(couple, capsys):
    report = json.loads(run_history(capsys, "--json"))
    assert {"sessions", "days_this_week", "days_this_month", "feelings_most_named", "sessions_per_week",
            "open_follow_ups"} <= set(report)
    assert report["sessions_per_week"] == [0, 0, 0, 0, 2, 2, 1, 0] == [w["sessions"] for w in report["weeks"]]
    week = next(w for w in report["weeks"] if w["week_of"] == "2026-11-09")
    assert week["pauses"] == 1
    assert sum(week["share_percent"].values()) == 100
    assert week["speech_s"]["Alex"] == round(spoke(couple["focused-talk"])["Alex"]
                                             + spoke(couple["between-sessions-pause"])["Alex"], 1)
    assert report["open_follow_ups"] == []  # it came back


def test_the_chart_is_a_real_png_readable_by_you_only(couple, tmp_path, capsys):
    out = tmp_path / "weeks.png"
    assert main(["history", "--chart", str(out)]) == 0
    assert f"Drew the last 8 weeks into {out}" in capsys.readouterr().out
    data = out.read_bytes()
    assert data[:8] == PNG and len(data) > 20_000
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk
    assert (width, height) == (900, 1000)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_the_chart_as_svg_names_the_partners_the_pauses_and_the_feelings(couple, tmp_path, capsys):
    out = tmp_path / "weeks.svg"
    assert main(["history", "--json", "--chart", str(out)]) == 0
    json.loads(capsys.readouterr().out)  # --json still prints only JSON
    root = ElementTree.parse(out).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    text = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    for shown in ("sessions", "share of speaking", "pauses", "feelings chosen", "Sam", "Alex", "drained", "hopeful"):
        assert shown in text, shown
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


@pytest.mark.parametrize("name", ["weeks.jpg", "weeks", "weeks.png.txt"])
def test_a_chart_that_is_not_png_or_svg_is_one_line_and_no_file(name, tmp_path, capsys):
    assert main(["history", "--chart", str(tmp_path / name)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and ".png or .svg" in err
    assert list(tmp_path.iterdir()) == []


def test_without_matplotlib_the_chart_is_one_line_saying_how_to_install_it(couple, tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now fails
    assert main(["history", "--chart", str(tmp_path / "weeks.png")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "matplotlib" in err and "pip install" in err
    assert not (tmp_path / "weeks.png").exists()


def export(tmp_path, *extra: str) -> tuple[str, Path]:
    out = tmp_path / "november.md"
    assert main(["export", "--since", "2026-11-01", "--until", "2026-12-01", "--out", str(out), *extra]) == 0
    return out.read_text(), out


def test_the_export_says_who_chose_what_exercises_pauses_and_what_came_back(couple, tmp_path, capsys):
    text, out = export(tmp_path)
    printed = capsys.readouterr().out
    assert printed.index("contains") < printed.index("Wrote")
    assert "5 session(s) on 5 day(s)" in text
    # Who chose which word, by name, each with what it is.
    assert re.search(r"\| Sam \| drained \| feeling; the need it goes with: quiet company \|", text)
    assert re.search(r"\| Alex \| hopeful \| feeling; the need it goes with: time together \|", text)
    assert re.search(r"\| (Sam|Alex) \| one small step \| goal \|", text)
    # The practices done, by title and name.
    assert "- Between sessions (`between-sessions`): 1 time, 1 of them to the end; on 11 Nov." in text
    assert "- Morning (`morning`): 1 time, 0 of them to the end; on 17 Nov." in text
    # Pauses: when, by what, during whose turn, and what came after.
    [paused] = [e for e in couple["between-sessions-pause"] if e.type == "paused"]
    clock = f"{int(paused.t) // 60}:{int(paused.t) % 60:02d}"
    assert (f"- Wed 11 Nov 20:00, between-sessions, {clock} in: by the pause word, during Alex's turn "
            "at the step 'feeling'; the session went on after it.") in text
    assert "- Tue 17 Nov 07:30, morning, " in text and "the session did not go on after it." in text
    # What was set aside, and when it came back.
    assert "- Set aside on Tue 17 Nov 2026, in Morning (`morning`): Morning; came back to on Thu 19 Nov 2026." in text
    assert "machine transcripts and may be wrong" in text
    # Each week's figures, and the chart beside it.
    assert "| 09 Nov 2026 | 2 |" in text
    assert "![Per week" in text and "(november.png)" in text
    chart = tmp_path / "november.png"
    assert chart.read_bytes()[:8] == PNG
    for written in (out, chart):
        assert stat.S_IMODE(written.stat().st_mode) == 0o600


def test_the_export_without_matplotlib_or_with_no_chart_writes_the_summary_alone(couple, tmp_path, capsys, monkeypatch):
    text, _ = export(tmp_path, "--no-chart")
    assert "![" not in text and not (tmp_path / "november.png").exists()
    assert "a chart" not in capsys.readouterr().out
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    text, _ = export(tmp_path)
    assert "The chart is left out: drawing it needs the matplotlib package" in capsys.readouterr().out
    assert "![" not in text and not (tmp_path / "november.png").exists()


def test_an_older_history_gains_the_pauses_and_exports_its_old_ones_as_a_count(tmp_path, capsys):
    path = data_dir() / FILE
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with sqlite3.connect(path) as db:  # version 2: pauses were counted, not kept one by one
        db.executescript(MIGRATIONS[0] + MIGRATIONS[1] + "PRAGMA user_version = 2;")
        db.execute("INSERT INTO sessions (started, script, duration_s, ended, pauses, partners)"
                   " VALUES ('2026-11-03T08:00:00', 'morning', 90, 'finished', 2, '{}')")
    [old] = History.open(data_dir()).sessions()
    assert (old.pauses, old.pause_log) == (2, [])
    text, _ = export(tmp_path, "--no-chart")
    assert "- Tue 03 Nov 08:00, morning: 2 pause(s); when, and what asked for them, were not recorded then." in text
