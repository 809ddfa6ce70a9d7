"""`voice-attune history`: your recent sessions, how regular they were, and what is still open."""

from __future__ import annotations

import argparse
import json
from collections import Counter
from datetime import datetime, timedelta

from voice_attune.config import Config

WEEKS = 8
"""Weeks shown in the chart."""


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "history",
        help="your recent sessions, check-in days, feelings named most, open follow-ups",
        description=(
            "Show what voice-attune remembers of your sessions: when, which practice, how long "
            "each of you spoke, how it ended, the feelings you named, and anything you set aside "
            "to come back to. It is kept only on this machine (no audio, ever)."
        ),
        epilog="Also: voice-attune history --json (for other tools).",
    )
    p.add_argument("--json", action="store_true", help="print everything as one JSON object")
    p.add_argument("--last", type=int, default=10, metavar="N", help="how many recent sessions to list (10)")
    p.add_argument("--simulated", action="store_true",
                   help="the history of simulated sessions (simulate --history), not yours")
    return p


def run(args: argparse.Namespace, config: Config, now: datetime | None = None) -> int:
    from voice_attune.config import data_dir
    from voice_attune.history import History, simulated_folder

    now = now or datetime.now()
    history = History.open(simulated_folder() if getattr(args, "simulated", False) else data_dir())
    sessions = history.sessions()
    follow_ups = history.open_follow_ups()
    week_start = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    days = lambda since: len({s.started.date() for s in sessions if s.started >= since})  # noqa: E731
    feelings = Counter(v for s in sessions for _, _, v in s.choices).most_common(5)
    weeks = [sum(1 for s in sessions if week_start - timedelta(weeks=i) <= s.started < week_start - timedelta(weeks=i - 1))
             for i in range(WEEKS - 1, -1, -1)]
    report = {
        "sessions": [
            {"started": s.started.isoformat(timespec="minutes"), "script": s.script,
             "duration_s": s.duration_s, "ended": s.ended, "pauses": s.pauses, "partners": s.partners,
             "choices": [{"step": st, "partner": who, "value": v} for st, who, v in s.choices]}
            for s in sessions[: args.last]
        ],
        "days_this_week": days(week_start),
        "days_this_month": days(month_start),
        "feelings_most_named": [{"value": v, "times": n} for v, n in feelings],
        "sessions_per_week": weeks,
        "open_follow_ups": [{"created": f.created.isoformat(timespec="minutes"), "script": f.script,
                             "topic": f.topic} for f in follow_ups],
    }
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return 0
    if not sessions:
        print(f"No sessions yet. Sessions you run are remembered here ({history.path}); no audio, ever.")
        return 0
    print(f"Check-ins: {report['days_this_week']} day(s) this week, {report['days_this_month']} this month.")
    print(f"Sessions per week, the last {WEEKS} weeks (oldest first):")
    for i, count in enumerate(weeks):
        label = "this week" if i == WEEKS - 1 else f"{WEEKS - 1 - i} wk ago"
        print(f"  {label:>9}  {'#' * count}{'' if count else '·'} {count or ''}".rstrip())
    print(f"Recent sessions (newest first, {len(report['sessions'])} of {len(sessions)}):")
    for s in sessions[: args.last]:
        spoke = ", ".join(f"{p['name']} {p['speech_s'] / 60:.1f} min" for p in s.partners.values())
        print(f"  {s.started:%a %d %b %H:%M}  {s.script:<17} {s.duration_s / 60:4.1f} min  {s.ended:<10} {spoke}")
    if feelings:
        print("Feelings named most: " + ", ".join(f"{v} ({n})" for v, n in feelings))
    if follow_ups:
        print("To come back to:")
        for f in follow_ups:
            print(f"  {f.created:%d %b}: {f.topic} ({f.script})")
    return 0
