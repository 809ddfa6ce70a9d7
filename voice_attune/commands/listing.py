"""`voice-attune list`: the session scripts there are, with their length and one line each."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import IO

from voice_attune.config import Config


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "list",
        help="the session scripts you can run, with their length and what each is for",
        description="List the bundled session scripts and your own (from scripts_dir in config.yaml, "
        "by default ~/.local/share/voice-attune/sessions), each with its expected minutes and one "
        "line. Your own scripts are checked like the bundled ones; a script with a mistake is "
        "listed with the first one, as file:line: message. Run one with: voice-attune run NAME",
    )
    return p


def run(args: argparse.Namespace, config: Config, out: IO[str] | None = None) -> int:
    from voice_attune.script.loader import library_dir, read_script, user_dir

    out = out or sys.stdout
    mine = user_dir(config)
    groups = [("Bundled sessions", library_dir()), (f"Your sessions ({mine})", mine)]
    shown = 0
    for heading, folder in groups:
        files = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
        if not files:
            if folder == mine:
                print(f"\nYour sessions: none yet. Put your own scripts (.yaml) in {mine}.", file=out)
            continue
        print(f"\n{heading}:" if shown else f"{heading}:", file=out)
        width = max(len(p.stem) for p in files) + 2
        for path in files:
            print(_line(path, config, width, read_script), file=out)
            shown += 1
    print("\nStart one with: voice-attune run NAME   (add --low-energy on a heavy day)", file=out)
    return 0


def _line(path: Path, config: Config, width: int, read_script) -> str:
    script, problems = read_script(path, config)
    if script is None:
        return f"  {path.stem:<{width}}(cannot be used yet) {problems[0]}"
    return f"  {path.stem:<{width}}{script.minutes_text + ' min':<11}{script.description}"
