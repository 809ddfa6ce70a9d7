"""`voice-attune forget`: delete the history, all of it or a period, for real."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime

from voice_attune.config import Config
from voice_attune.errors import UserError


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "forget",
        help="delete your session history (all of it, or a period), for real",
        description=(
            "Delete recorded sessions and what was set aside in them. The history file is then "
            "compacted, so the deleted rows are gone from the disk too, not only hidden. You are "
            "asked to type 'forget' first, unless you add --yes."
        ),
        epilog="Examples: voice-attune forget --all;  voice-attune forget --before 2026-10-01;  "
               "voice-attune forget --since 2026-11-20 --until 2026-11-23",
    )
    p.add_argument("--all", action="store_true", help="everything")
    p.add_argument("--since", metavar="YYYY-MM-DD", help="sessions on or after this day")
    p.add_argument("--until", "--before", dest="until", metavar="YYYY-MM-DD", help="sessions before this day")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    return p


def run(args: argparse.Namespace, config: Config) -> int:
    from voice_attune.config import data_dir
    from voice_attune.history import History

    if not (args.all or args.since or args.until):
        raise UserError("say what to forget: --all, or a period with --since and/or --before")
    since, until = _day(args.since, "--since"), _day(args.until, "--before")
    history = History.open(data_dir())
    doomed = history.sessions(since, until)
    period = "all your history" if args.all and not (since or until) else (
        f"the sessions {'from ' + args.since if since else ''}{' ' if since and until else ''}"
        f"{'before ' + args.until if until else ''}")
    if not doomed and not args.all:
        print(f"Nothing to forget: no sessions in {period}.")
        return 0
    print(f"This deletes {period}: {len(doomed)} session(s) and what was set aside in them, for good.")
    if not args.yes:
        try:
            answer = input("Type forget to confirm: ").strip().lower()
        except EOFError:
            answer = ""
        if answer != "forget":
            print("Nothing was deleted.")
            return 0
    gone = history.forget(since, until)
    print(f"Forgotten: {gone} session(s). The history file was compacted.", file=sys.stdout)
    return 0


def _day(text: str | None, flag: str) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        raise UserError(f"{flag} needs a day like 2026-11-01, not '{text}'") from None
