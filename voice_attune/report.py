"""The counsellor's export as Markdown: the sessions of a period, each week's figures, who chose
which word, the practices done, the pauses, what was set aside and when it came back, and (only
with both partners' consent) the words kept. Pure: it formats what the history holds."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Mapping, Sequence

from voice_attune import trends
from voice_attune.history import FollowUp, PauseMark, Session

MACHINE_WORDS = ("Any words of yours quoted here were written down by speech recognition on this "
                 "computer: they are machine transcripts and may be wrong. Words chosen from menus "
                 "were said back and confirmed aloud in the session.")
NOT_THERAPY = "voice-attune supports conversations; it is not therapy and not a crisis service."

PAUSED_BY = {
    "word": "the pause word", "key": "a key", "button": "the button", "knock": "a knock on the table",
    "care": "words that suggested danger (a care pause; the words are never kept)",
    "check_in": "a check-in answered no", "microphone": "the microphone was lost",
}

_AUTO_ID = re.compile(r"-\d+$")
"""A step id the script did not name (``say-26``): no help to a reader."""


@dataclass
class Period:
    """What one export covers."""

    since: datetime
    until: datetime | None
    sessions: Sequence[Session]
    """Oldest first."""
    follow_ups: Sequence[FollowUp] = ()
    """Everything set aside in the period, talked about since or not."""
    still_open: Sequence[FollowUp] = ()
    """Everything still open, whenever it was set aside."""
    titles: Mapping[str, str] = field(default_factory=dict)
    """Script name -> its title, where known."""
    words: Mapping[int, list[tuple[float, str, str]]] = field(default_factory=dict)
    """Session id -> (t, partner, text): only the words both partners agreed to keep."""
    feelings_menu: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


def markdown(period: Period, chart: str | None = None, now: datetime | None = None) -> str:
    """The whole export; ``chart``: the picture's file name, beside the Markdown file."""
    sessions = period.sessions
    menu = period.feelings_menu
    end = f" to {period.until:%d %B %Y}" if period.until else ""
    lines = [f"# voice-attune: sessions from {period.since:%d %B %Y}{end}", "",
             f"{len(sessions)} session(s) on {len({s.started.date() for s in sessions})} day(s).", "",
             f"_{MACHINE_WORDS}_", ""]
    if chart:
        lines += [f"![Per week: sessions, each partner's share of speaking time, pauses, feelings chosen]({chart})", ""]
    if sessions:
        lines += _sessions(sessions)
        lines += _weeks(trends.weekly(sessions, period.since.date(), last_day(period, now), menu))
        lines += _choices(sessions, menu)
        lines += _practices(sessions, period.titles)
        lines += _pauses(sessions)
    lines += _set_aside(period.follow_ups, period.still_open, period.titles)
    lines += _words(sessions, period.words)
    lines += [NOT_THERAPY, ""]
    return "\n".join(lines)


def last_day(period: Period, now: datetime | None = None) -> date:
    """The last day the period covers (``until`` is not included)."""
    if period.until is not None:
        return (period.until - timedelta(microseconds=1)).date()
    return (now or max((s.started for s in period.sessions), default=period.since)).date()


def _sessions(sessions: Sequence[Session]) -> list[str]:
    lines = ["## Sessions", "", "| date | practice | minutes | ended | pauses | speaking time | share |",
             "|---|---|---|---|---|---|---|"]
    for s in sessions:
        spoke = ", ".join(f"{p.get('name', k)} {trends.minutes(p.get('speech_s', 0.0))} ({_turns(p.get('turns', 0))})"
                          for k, p in sorted(s.partners.items()))
        share = ", ".join(f"{n} {p}%" for n, p in trends.shares(trends.spoken_by(s)).items()) or "-"
        lines.append(f"| {s.started:%a %d %b %H:%M} | {_cell(s.script)} | {s.duration_s / 60:.1f} | {s.ended} "
                     f"| {s.pauses} | {_cell(spoke)} | {_cell(share)} |")
    return lines + [""]


def _weeks(weeks: list[trends.Week]) -> list[str]:
    names = list(dict.fromkeys(n for w in weeks for n in w.speech_s))
    lines = ["## Per week", "",
             "| week of | sessions | speaking time | " + " | ".join(f"{_cell(n)}'s share" for n in names)
             + " | pauses | feelings chosen |",
             "|---|---|---|" + "---|" * len(names) + "---|---|"]
    for w in weeks:
        if not w.sessions:
            lines.append(f"| {w.start:%d %b %Y} | 0 | - | " + "- | " * len(names) + "- | - |")
            continue
        share = w.shares
        parts = " | ".join(f"{share[n]}%" if share else "-" for n in names)
        feelings = ", ".join(f"{v} ({k})" for v, k in w.feelings.most_common()) or "-"
        lines.append(f"| {w.start:%d %b %Y} | {w.sessions} | {trends.minutes(sum(w.speech_s.values()))} | {parts} "
                     f"| {w.pauses} | {_cell(feelings)} |")
    return lines + [""]


def _choices(sessions: Sequence[Session], menu: Mapping[str, Mapping[str, str]]) -> list[str]:
    rows = []
    for s in sessions:
        for step, who, value in sorted(s.choices, key=lambda c: (c[0], c[1])):
            kind = trends.choice_kind(step, value, menu)
            need = trends.need_of(value, menu) if kind == "feeling" else None
            what = kind if kind != "other" else f"a word ({step})"
            if need:
                what += f"; the need it goes with: {need}"
            rows.append(f"| {s.started:%a %d %b %H:%M} | {_cell(s.script)} | {_cell(_name(s, who))} "
                        f"| {_cell(value)} | {_cell(what)} |")
    if not rows:
        return ["## Who chose which word", "", "No words were chosen from menus in this period.", ""]
    lines = ["## Who chose which word", "", "| date | practice | who | chose | what it is |", "|---|---|---|---|---|"]
    lines += rows + [""]
    for kind, heading in (("feeling", "Feelings named most"), ("need", "Needs named most"),
                          ("goal", "Goals chosen most"), ("other", "Other words chosen most")):
        most = trends.most_chosen(sessions, kind, menu, n=8)
        if most:
            lines.append(f"{heading}: " + ", ".join(f"{v} ({n})" for v, n in most) + ".")
    return lines + [""]


def _practices(sessions: Sequence[Session], titles: Mapping[str, str]) -> list[str]:
    done: dict[str, list[Session]] = defaultdict(list)
    for s in sessions:
        done[s.script].append(s)
    lines = ["## Exercises done between appointments", ""]
    for script, runs in sorted(done.items(), key=lambda item: (-len(item[1]), item[0])):
        finished = sum(1 for s in runs if s.ended == "finished")
        days = ", ".join(f"{s.started:%d %b}" for s in runs)
        times = "1 time" if len(runs) == 1 else f"{len(runs)} times"
        lines.append(f"- {_practice(script, titles)}: {times}, {finished} of them to the end; on {days}.")
    return lines + [""]


def _pauses(sessions: Sequence[Session]) -> list[str]:
    paused = [s for s in sessions if s.pauses or s.pause_log]
    lines = ["## Pauses", ""]
    if not paused:
        return lines + ["No pauses in this period.", ""]
    for s in paused:
        head = f"- {s.started:%a %d %b %H:%M}, {s.script}"
        if not s.pause_log:
            lines.append(f"{head}: {s.pauses} pause(s); when, and what asked for them, were not recorded then.")
        for p in s.pause_log:
            lines.append(f"{head}, {_clock(p.t)} in: {_pause(s, p)}.")
    return lines + [""]


def _pause(session: Session, pause: PauseMark) -> str:
    said = PAUSED_BY.get(pause.by or "", "something not recorded")
    where = []
    if pause.partner:
        where.append(f"during {_name(session, pause.partner)}'s turn")
    if pause.step and not _AUTO_ID.search(pause.step):
        where.append(f"at the step '{pause.step}'")
    after = "the session went on after it" if pause.went_on else "the session did not go on after it"
    return f"by {said}" + (f", {' '.join(where)}" if where else "") + f"; {after}"


def _set_aside(follow_ups: Sequence[FollowUp], still_open: Sequence[FollowUp], titles: Mapping[str, str]) -> list[str]:
    earlier = [f for f in still_open if f.id not in {g.id for g in follow_ups}]
    if not follow_ups and not earlier:
        return ["## Set aside, and when it came back", "", "Nothing was set aside.", ""]
    lines = ["## Set aside, and when it came back", ""]
    for f in list(follow_ups) + earlier:
        back = f"came back to on {f.closed:%a %d %b %Y}" if f.closed else "still open"
        lines.append(f"- Set aside on {f.created:%a %d %b %Y}, in {_practice(f.script, titles)}: "
                     f"{_cell(f.topic)}; {back}.")
    return lines + [""]


def _words(sessions: Sequence[Session], words: Mapping[int, list[tuple[float, str, str]]]) -> list[str]:
    lines: list[str] = []
    for s in sessions:
        said = words.get(s.id)
        if said:
            lines += [f"## {s.started:%a %d %b %H:%M}, {s.script}: your words (machine transcript, may be wrong)", ""]
            lines += [f"- {_name(s, who) if who else 'Either of you'}: {text}" for _, who, text in said]
            lines.append("")
    return lines


def _name(session: Session, who: str) -> str:
    if who == "both":
        return "both of you"
    return session.partners.get(who, {}).get("name") or who


def _practice(script: str, titles: Mapping[str, str]) -> str:
    title = titles.get(script)
    return f"{title} (`{script}`)" if title and title != script else f"`{script}`"


def _turns(n: int) -> str:
    return f"{n} turn" if n == 1 else f"{n} turns"


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")
