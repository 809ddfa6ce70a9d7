"""`voice-attune history`: your recent sessions, how regular they were, and what is still open."""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timedelta

from voice_attune import trends
from voice_attune.config import Config

WEEKS = 8
"""Weeks shown per week, as text and in the chart."""


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "history",
        help="your recent sessions, trends per week, feelings named most, open follow-ups",
        description=(
            "Show what voice-attune remembers of your sessions: when, which practice, how long "
            "each of you spoke, how it ended, the feelings you named, and anything you set aside "
            "to come back to; per week, the sessions, each one's share of speaking time, the "
            "pauses and the feelings chosen. It is kept only on this machine (no audio, ever)."
        ),
        epilog="Also: voice-attune history --json (for other tools); voice-attune history --chart weeks.png",
    )
    p.add_argument("--json", action="store_true", help="print everything as one JSON object")
    p.add_argument("--chart", metavar="FILE.png", help="also draw the weeks into a picture (.png or .svg)")
    p.add_argument("--last", type=int, default=10, metavar="N", help="how many recent sessions to list (10)")
    p.add_argument("--simulated", action="store_true",
                   help="the history of simulated sessions (simulate --history), not yours")
    return p


def run(args: argparse.Namespace, config: Config, now: datetime | None = None) -> int:
    from voice_attune.config import data_dir
    from voice_attune.history import History, simulated_folder

    chart = getattr(args, "chart", None)
    if chart:
        from voice_attune.chart import chart_format

        chart_format(chart)  # a wrong extension is said before anything is read
    now = now or datetime.now()
    history = History.open(simulated_folder() if getattr(args, "simulated", False) else data_dir())
    sessions = history.sessions()
    follow_ups = history.open_follow_ups()
    menu = config.feelings
    week_start = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    days = lambda since: len({s.started.date() for s in sessions if s.started >= since})  # noqa: E731
    weeks = trends.weekly(sessions, (week_start - timedelta(weeks=WEEKS - 1)).date(), now.date(), menu)
    chosen = {kind: trends.most_chosen(sessions, kind, menu) for kind in trends.KINDS}
    report = {
        "sessions": [
            {"started": s.started.isoformat(timespec="minutes"), "script": s.script,
             "duration_s": s.duration_s, "ended": s.ended, "pauses": s.pauses, "partners": s.partners,
             "share_percent": trends.shares(trends.spoken_by(s)),
             "choices": [{"step": st, "partner": who, "value": v, "kind": trends.choice_kind(st, v, menu)}
                         for st, who, v in s.choices],
             "pause_log": [{"t": p.t, "by": p.by, "step": p.step, "partner": p.partner, "went_on": p.went_on}
                           for p in s.pause_log]}
            for s in sessions[: args.last]
        ],
        "days_this_week": days(week_start),
        "days_this_month": days(month_start),
        "feelings_most_named": [{"value": v, "times": n} for v, n in chosen["feeling"]],
        "needs_most_named": [{"value": v, "times": n} for v, n in chosen["need"]],
        "goals_most_named": [{"value": v, "times": n} for v, n in chosen["goal"]],
        "other_words_most_chosen": [{"value": v, "times": n} for v, n in chosen["other"]],
        "sessions_per_week": [w.sessions for w in weeks],
        "weeks": [w.to_dict() for w in weeks],
        "open_follow_ups": [{"created": f.created.isoformat(timespec="minutes"), "script": f.script,
                             "topic": f.topic} for f in follow_ups],
    }
    if chart:
        from voice_attune.chart import draw

        draw(weeks, chart, title=f"voice-attune: the last {WEEKS} weeks, to {now:%d %B %Y}")
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return 0
    if chart:
        print(f"Drew the last {WEEKS} weeks into {chart}.")
    if not sessions:
        print(f"No sessions yet. Sessions you run are remembered here ({history.path}); no audio, ever.")
        return 0
    print(f"Check-ins: {report['days_this_week']} day(s) this week, {report['days_this_month']} this month.")
    print(f"Per week, the last {WEEKS} weeks (oldest first):")
    for line in week_table(weeks, this_week=week_start.date()):
        print(f"  {line}")
    print(f"Recent sessions (newest first, {len(report['sessions'])} of {len(sessions)}):")
    for s in sessions[: args.last]:
        spoke = ", ".join(trends.speaking_line(s))
        paused = f", {s.pauses} pause" + ("s" if s.pauses > 1 else "") if s.pauses else ""
        print(f"  {s.started:%a %d %b %H:%M}  {s.script:<17} {trends.minutes(s.duration_s):>8}  "
              f"{s.ended:<10} {spoke}{paused}")
    for kind, heading in (("feeling", "Feelings named most"), ("need", "Needs named most"),
                          ("goal", "Goals chosen most"), ("other", "Other words chosen most")):
        if chosen[kind]:
            print(f"{heading}: " + ", ".join(f"{v} ({n})" for v, n in chosen[kind]))
    if follow_ups:
        print("To come back to:")
        for f in follow_ups:
            print(f"  {f.created:%d %b}: {f.topic} ({f.script})")
    return 0


def week_table(weeks: list[trends.Week], this_week=None) -> list[str]:
    """The weeks as lines of text: sessions, speaking time and each partner's share, pauses,
    the feelings chosen; a week without sessions is one dot."""
    names = list(dict.fromkeys(n for w in weeks for n in w.speech_s))
    widths = [max(4, len(n)) for n in names]
    head = "  ".join(f"{n:>{wd}}" for n, wd in zip(names, widths))
    lines = [f"{'week of':<10} {'sessions':>8}  {'spoke':>8}  {head}  {'pauses':>6}  feelings chosen".rstrip()]
    for w in weeks:
        label = "this week" if w.start == this_week else f"{w.start:%d %b}"
        if not w.sessions:
            lines.append(f"{label:<10} {'·':>8}")
            continue
        share = w.shares
        parts = "  ".join(f"{(str(share[n]) + '%') if share else '-':>{wd}}" for n, wd in zip(names, widths))
        feelings = ", ".join(f"{v} ({k})" for v, k in w.feelings.most_common())
        lines.append(f"{label:<10} {w.sessions:>8}  {trends.minutes(sum(w.speech_s.values())):>8}  {parts}  "
                     f"{w.pauses:>6}  {feelings}".rstrip())
    return lines
