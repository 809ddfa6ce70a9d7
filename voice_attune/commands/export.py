"""`voice-attune export`: a Markdown summary of a period, to bring to a counsellor if you wish."""

from __future__ import annotations

import argparse
from collections import Counter
from datetime import datetime, timedelta

from voice_attune.config import Config
from voice_attune.errors import UserError
from voice_attune.privatefiles import open_private

CONTAINS = ("the date, practice and length of each session, each partner's speaking time and turns, "
            "pauses, how each session ended, the words chosen from menus, and what is still open. "
            "No audio and no transcripts")


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "export",
        help="write a Markdown summary of a period of your history (e.g. for a counsellor)",
        description=f"Write a Markdown summary of your sessions: {CONTAINS}. It says what it "
                    "contains before writing, and writes only the file you name.",
        epilog="Example: voice-attune export --since 2026-11-01 --out november.md",
    )
    p.add_argument("--since", metavar="YYYY-MM-DD", help="from this day (default: 30 days ago)")
    p.add_argument("--until", metavar="YYYY-MM-DD", help="up to this day, not included (default: now)")
    p.add_argument("--out", required=True, metavar="FILE.md", help="where to write the summary")
    p.add_argument("--with-words", action="store_true",
                   help="also the words said in sessions where you both agreed to keep them "
                        "(privacy.transcripts: ask)")
    return p


def run(args: argparse.Namespace, config: Config) -> int:
    from voice_attune.commands.forget import _day
    from voice_attune.config import data_dir
    from voice_attune.history import History

    since = _day(args.since, "--since") or (datetime.now() - timedelta(days=30))
    until = _day(args.until, "--until")
    history = History.open(data_dir())
    sessions = sorted(history.sessions(since, until), key=lambda s: s.started)
    contains = CONTAINS
    if args.with_words:
        contains = contains.replace("No audio and no transcripts",
                                    "the words said in sessions where you both agreed to keep them. No audio")
    print(f"The summary contains {contains}.")
    lines = [f"# voice-attune: sessions from {since:%d %B %Y}" + (f" to {until:%d %B %Y}" if until else ""), ""]
    lines += [f"{len(sessions)} session(s) on {len({s.started.date() for s in sessions})} day(s).", ""]
    if sessions:
        lines += ["| date | practice | minutes | ended | pauses | speaking time |", "|---|---|---|---|---|---|"]
        for s in sessions:
            spoke = ", ".join(f"{p['name']} {p['speech_s'] / 60:.1f} min ({p['turns']} turns)" for p in s.partners.values())
            lines.append(f"| {s.started:%a %d %b %H:%M} | {s.script} | {s.duration_s / 60:.1f} | {s.ended} | {s.pauses} | {spoke} |")
        chosen = Counter(v for s in sessions for _, _, v in s.choices)
        if chosen:
            lines += ["", "Words chosen most: " + ", ".join(f"{v} ({n})" for v, n in chosen.most_common(8)) + "."]
    if args.with_words:
        for s in sessions:
            said = history.transcript(s.id)
            if said:
                names = {k: p["name"] for k, p in s.partners.items()}
                lines += ["", f"## {s.started:%a %d %b %H:%M}, {s.script}: your words", ""]
                lines += [f"- {names.get(who, 'Either of you')}: {text}" for _, who, text in said]
    open_ones = history.open_follow_ups()
    if open_ones:
        lines += ["", "Still open, to come back to:"] + [f"- {f.created:%d %b}: {f.topic}" for f in open_ones]
    lines += ["", "voice-attune supports conversations; it is not therapy and not a crisis service.", ""]
    try:
        with open_private(args.out) as out:
            out.write("\n".join(lines))
    except OSError as exc:
        raise UserError(f"cannot write the summary: {exc.strerror}", args.out) from None
    print(f"Wrote {args.out}: {len(sessions)} session(s).")
    return 0
