"""`voice-attune export`: a Markdown summary of a period, to bring to a counsellor if you wish."""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta
from pathlib import Path

from voice_attune import trends
from voice_attune.config import Config
from voice_attune.errors import UserError
from voice_attune.privatefiles import open_private

CONTAINS = ("the date, practice and length of each session, each partner's speaking time, turns and "
            "share, the figures of each week, pauses (when, and what asked for them), how each session "
            "ended, who chose which word from menus, the practices done, what was set aside and when "
            "you came back to it, and a chart of the weeks beside it. No audio and no transcripts")


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "export",
        help="write a Markdown summary of a period of your history (e.g. for a counsellor)",
        description=f"Write a Markdown summary of your sessions: {CONTAINS}. It says what it "
                    "contains before writing, and writes only the files you name (the chart: the "
                    "same name as the summary, ending in .png).",
        epilog="Example: voice-attune export --since 2026-11-01 --out november.md  (writes november.md and november.png)",
    )
    p.add_argument("--since", metavar="YYYY-MM-DD", help="from this day (default: 30 days ago)")
    p.add_argument("--until", metavar="YYYY-MM-DD", help="up to this day, not included (default: now)")
    p.add_argument("--out", required=True, metavar="FILE.md", help="where to write the summary")
    p.add_argument("--with-words", action="store_true",
                   help="also the words said in sessions where you both agreed to keep them "
                        "(privacy.transcripts: ask)")
    p.add_argument("--no-chart", action="store_true", help="write the summary only, without the chart beside it")
    return p


def chart_path(out: Path) -> Path:
    """The chart beside the summary: november.md -> november.png."""
    beside = out.with_suffix(".png")
    return beside if beside != out else out.with_name(f"{out.stem}-chart.png")


def run(args: argparse.Namespace, config: Config) -> int:
    from voice_attune import chart as charts
    from voice_attune.commands.forget import _day
    from voice_attune.config import data_dir
    from voice_attune.history import History
    from voice_attune.report import Period, last_day, markdown

    now = datetime.now()
    since = _day(args.since, "--since") or (now - timedelta(days=30))
    until = _day(args.until, "--until")
    out = Path(args.out)
    if not out.parent.is_dir():
        raise UserError("cannot write the summary: no such folder", args.out)
    history = History.open(data_dir())
    sessions = sorted(history.sessions(since, until), key=lambda s: s.started)
    picture = None if args.no_chart else chart_path(out)
    contains = CONTAINS
    if picture is None:
        contains = contains.replace(", and a chart of the weeks beside it", "")
    if args.with_words:
        contains = contains.replace("No audio and no transcripts",
                                    "the words said in sessions where you both agreed to keep them "
                                    "(machine transcripts, which may be wrong). No audio")
    print(f"The summary contains {contains}.")
    if picture is not None and not charts.available():
        print(f"The chart is left out: drawing it needs the matplotlib package ({charts.INSTALL_HINT}).")
        picture = None
    set_aside, still_open = history.follow_ups(since, until), history.open_follow_ups()
    scripts = {s.script for s in sessions} | {f.script for f in [*set_aside, *still_open]}
    period = Period(
        since, until, sessions, follow_ups=set_aside, still_open=still_open,
        titles={name: _title(name, config) for name in scripts},
        words={s.id: history.transcript(s.id) for s in sessions} if args.with_words else {},
        feelings_menu=config.feelings)
    if picture is not None:
        weeks = trends.weekly(sessions, since.date(), last_day(period, now), config.feelings)
        end = f" to {until:%d %B %Y}" if until else ""
        charts.draw(weeks, picture, title=f"voice-attune: {since:%d %B %Y}{end}")
    try:
        with open_private(out) as written:
            written.write(markdown(period, chart=picture.name if picture else None, now=now))
    except OSError as exc:
        raise UserError(f"cannot write the summary: {exc.strerror}", args.out) from None
    print(f"Wrote {args.out}: {len(sessions)} session(s)" + (f", and the chart {picture}." if picture else "."))
    return 0


def _title(name: str, config: Config) -> str:
    """A script's title ("Daily check-in"), or its name when it cannot be read."""
    import yaml

    from voice_attune.script.loader import resolve

    try:
        with open(resolve(name, config), encoding="utf-8") as f:
            title = (yaml.safe_load(f) or {}).get("title")
    except (OSError, UserError, yaml.YAMLError, AttributeError):
        return name
    return str(title) if title else name
