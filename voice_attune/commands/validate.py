"""`voice-attune validate FILE...`: check session scripts and say what is wrong, line by line."""

from __future__ import annotations

import argparse
import sys
from typing import IO

from voice_attune.config import Config
from voice_attune.errors import UserError
from voice_attune.script.loader import read_script, resolve


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "validate",
        help="check session scripts (names or paths) and list every mistake with its line",
        description=(
            "Check session scripts as every session does before it starts: keys, types, ids, "
            "jumps, unreachable steps, placeholders, numbers, pause words in prompts, and prompts "
            "that the care check would take for danger if it heard them back. "
            "Prints one line per file that is fine and one 'file:line: message' per mistake. "
            "Exit status 0 when all are fine, 2 otherwise."
        ),
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="a script file, or a library name like daily-checkin")
    return p


def run(args: argparse.Namespace, config: Config, out: IO[str] | None = None, err: IO[str] | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    status = 0
    for item in args.files:
        try:
            path = resolve(item, config)
            script, problems = read_script(path, config, by_meaning=True)
        except UserError as exc:
            script, problems = None, [exc]
        if script is not None:
            count = sum(1 for _ in script.all_steps())
            print(f"ok: {item} ({script.title}, {count} steps, about {script.minutes_text} minutes)", file=out)
            continue
        status = 2
        for problem in problems:
            print(problem, file=err)
    return status
