#!/usr/bin/env python3
"""Build the keyword models shipped inside the package, from synthetic speech only.

    python scripts/build_keyword_models.py            # the default pause word and the commands
    python scripts/build_keyword_models.py --only pause --word pineapple --seed 0
    python scripts/build_keyword_models.py --only pause --out DIR   # about 40 minutes on 2 cores beside other work
    python scripts/build_keyword_models.py --only pause --plain --per-hour 0 --one-phase   # the recipe until 2026-12-06
    python scripts/build_keyword_models.py --only commands   # about 7 minutes a network on 2 cores alone, 27 in all

The model of the default pause word is trained as `voice-attune train-word` trains a couple's
word (every espeak-ng English accent and variant, Piper, rooms of every kind, the commands and
the session library as negatives), with four networks that also learn voices built from
recordings (Flite's and Pico's American ones: ttspico must be installed), each beside a twin
that sees changes, each seed's speech made twice (its sayings also moved between two embeddings),
its threshold held to one false pause an hour of talk kept back from all
training (kept_talk.py), with a fixed seed, so the same versions of espeak-ng, Flite, Pico, Piper and the front end give the same file. The commands model (stop, yes, no,
I'm done, not quite, more time, skip, repeat, help, say it again, something else) is trained the
same way with an output for each phrase, each clip heard through a level gate that turns down
what is not well above the room's background (asr/level_gate.py), as the detector then hears
for that model. Both are written to voice_attune/data/keywords/, where
the package looks after the couple's own data folder.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from voice_attune.asr import kws_store  # noqa: E402
from voice_attune.commands.progress import StageBar  # noqa: E402
from voice_attune.config import DEFAULT_COMMANDS, Config  # noqa: E402
from voice_attune.keywords.commands import COMMANDS_GATE, train_commands  # noqa: E402
from voice_attune.keywords.prompts import library_prompts  # noqa: E402
from voice_attune.keywords.train import BUDGETS, train_keyword  # noqa: E402
from voice_attune.synthetic.flite import flite_available  # noqa: E402
from voice_attune.synthetic.pico import pico_available  # noqa: E402


PAUSE_MEMBERS = 4
"""Four seeds' networks for the default pause word, the median of their scores counting: over the
benchmark's streams they heard more in babble and behind a talker than any one of them, at about
one network's false pauses (docs/benchmarks.md)."""

PAUSE_FLITE_MEMBERS = 4
"""How many of those also learn from voices built from recordings: Flite's rms, slt and kal16 and
Pico's American woman (never Flite's Scottish man nor Pico's British woman, whom the benchmarks
hear as voices from outside all training). All four: the networks of espeak-ng and Piper alone
heard Pico's American woman say the word 0 times in 48 and Flite's 5 times; these four hear her
48 times, with fewer everyday false pauses on the benchmark's streams (docs/benchmarks.md)."""

PAUSE_TWINS = True
"""Each of those seeds' speech teaches twins, a plain network and one that sees changes (eight in
the median): on every draw measured they heard as much or more at the same false pauses an hour;
the shipped model so made hears the trained accents under babble 0.98 of the time at 1.4 false
pauses an hour, where the four plain networks did at 5.4 (docs/benchmarks.md)."""

PAUSE_PHASES = True
"""Each seed's speech is made twice, its sayings (of the word and of every negative) as they come
and each moved to a random place between two 80 ms embeddings (train.Budget.phase), and teaches
twins of both: 16 networks in the median. Made so, the model never met in training four accents
heard them through the whole listener under babble 35 times in 44 (32 before) and behind a talker
40 (38), and the shipped one paused on 2 of 400 sound-alike sayings through the whole listener
where it had on 8, for 3.0% of one core instead of 2.1% scored network by network (since
scored together: 0.31 ms an 80 ms step, kws_model._Stacked; docs/benchmarks.md)."""

PAUSE_PER_HOUR = 1.0
"""The pause word's threshold: none lower than where about six hours of everyday talk kept back
from all training (kept_talk.py) pause once an hour. The issue's target is at most one false pause
an hour; training's own rule let 5.4 an hour of the benchmark's talk through (docs/benchmarks.md)."""

COMMAND_MEMBERS = 4
"""The commands model is made the same way: four seeds' networks, the median counting."""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--word", default="pineapple")
    parser.add_argument("--only", choices=("pause", "commands"), help="build one model (default: both)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--budget", default="full", choices=sorted(BUDGETS))
    parser.add_argument("--changes", action="store_true",
                        help="the pause word's networks see changes (train.Budget.changes: measured, not yet the recipe)")
    parser.add_argument("--twins", action="store_true",
                        help="the commands too are trained as twins: each seed's speech also teaches a network "
                             "that sees changes, both in the median (the pause word's always are, unless --plain)")
    parser.add_argument("--no-gate", action="store_true",
                        help="the commands model learns and hears without a level gate (commands.COMMANDS_GATE; "
                             "the recipe until 2026-12-07)")
    parser.add_argument("--one-phase", action="store_true",
                        help="the pause word's seeds teach networks of their sayings as they come only, not also "
                             "of them moved between two embeddings (train.Budget.phase; the recipe until 2026-12-07)")
    parser.add_argument("--plain", action="store_true",
                        help="the pause word's model without twins: one plain network a seed (the recipe until "
                             "2026-12-06)")
    parser.add_argument("--per-hour", type=float, default=PAUSE_PER_HOUR,
                        help="the pause word's threshold: none lower than where about six hours of everyday talk "
                             "kept back from all training fire this often an hour (default %(default)s; 0: "
                             "training's own rule alone)")
    parser.add_argument("--members", type=int, default=PAUSE_MEMBERS,
                        help=f"networks of the pause word's model, each trained on the speech of one seed "
                             f"(seed, seed+1, ...), the median of their scores counting (default {PAUSE_MEMBERS})")
    parser.add_argument("--flite-members", type=int, default=PAUSE_FLITE_MEMBERS,
                        help="how many of the pause word's networks (the last ones) also learn from Flite's "
                             "voices rms, slt and kal16 and, where ttspico is installed, Pico's American woman "
                             f"(default {PAUSE_FLITE_MEMBERS}; needs the Debian package flite)")
    parser.add_argument("--command-members", type=int, default=COMMAND_MEMBERS,
                        help=f"networks of the commands model, made the same way (default {COMMAND_MEMBERS})")
    parser.add_argument("--out", type=Path, default=kws_store.bundled_folder())
    args = parser.parse_args()
    if args.members < 1 or args.command_members < 1:
        parser.error("--members and --command-members: at least 1")
    if not 0 <= args.flite_members <= args.members:
        parser.error("--flite-members: from 0 to --members")
    if args.flite_members and args.only != "commands" and not flite_available():
        parser.error("--flite-members needs Flite (Debian: apt-get install flite)")
    if args.flite_members and args.only != "commands" and not pico_available():
        parser.error("--flite-members needs SVOX Pico too (pip install ttspico; or --flite-members 0)")
    report = []
    if args.only in (None, "pause"):
        report.append(build(f"Building '{args.word}'", args.out / f"{kws_store.slug(args.word)}.npz", lambda bar: (
            train_keyword([args.word], ["pause"], dataclasses.replace(BUDGETS[args.budget],
                                                                    changes=args.changes),
                          seed=args.seed, bank_folder=None,
                          also_refuse=[p for ps in DEFAULT_COMMANDS.values() for p in ps],
                          prompts=library_prompts(Config(), args.word), progress=bar, members=args.members,
                          flite_members=args.flite_members, twins=PAUSE_TWINS and not args.plain,
                          per_hour=args.per_hour or None, phases=PAUSE_PHASES and not args.one_phase)),
            word=args.word))
    if args.only in (None, "commands"):
        report.append(build("Building the commands", args.out / kws_store.COMMANDS_FILE, lambda bar: (
            train_commands(BUDGETS[args.budget], args.seed, [args.word], library_prompts(Config(), args.word),
                           progress=bar, members=args.command_members, twins=args.twins,
                           gate=None if args.no_gate else COMMANDS_GATE))))
    print(json.dumps(report, indent=1))
    return 0


def build(title: str, path: Path, train, **meta) -> dict:
    bar = StageBar(sys.stderr, title)
    start = time.monotonic()
    try:
        model = train(bar)
    finally:
        bar.finish()
    model.meta.update(meta)
    model.save(path)
    path.chmod(0o644)  # package data: readable by everyone who installs it
    return {"path": str(path), "seconds": round(time.monotonic() - start, 1), "meta": model.meta}


if __name__ == "__main__":
    raise SystemExit(main())
