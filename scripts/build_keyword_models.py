#!/usr/bin/env python3
"""Build the keyword models shipped inside the package, from synthetic speech only.

    python scripts/build_keyword_models.py            # the default pause word (about 3 minutes)
    python scripts/build_keyword_models.py --word pineapple --seed 0

The model of the default pause word is trained exactly as `voice-attune train-word` trains a
couple's word (every espeak-ng English accent and variant, Piper, rooms of every kind, the
commands and the session library as negatives), with a fixed seed, so the same versions of
espeak-ng, Piper and the front end give the same file. It is written to
voice_attune/data/keywords/, where the package looks after the couple's own data folder.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from voice_attune.asr import kws_store  # noqa: E402
from voice_attune.commands.progress import StageBar  # noqa: E402
from voice_attune.config import DEFAULT_COMMANDS, Config  # noqa: E402
from voice_attune.keywords.prompts import library_prompts  # noqa: E402
from voice_attune.keywords.train import BUDGETS, train_keyword  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--word", default="pineapple")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--budget", default="full", choices=sorted(BUDGETS))
    parser.add_argument("--out", type=Path, default=kws_store.bundled_folder())
    args = parser.parse_args()
    commands = [p for phrases in DEFAULT_COMMANDS.values() for p in phrases]
    bar = StageBar(sys.stderr, f"Building '{args.word}'")
    start = time.monotonic()
    try:
        model = train_keyword([args.word], ["pause"], BUDGETS[args.budget], seed=args.seed, bank_folder=None,
                              also_refuse=commands, prompts=library_prompts(Config(), args.word), progress=bar)
    finally:
        bar.finish()
    model.meta["word"] = args.word
    path = args.out / f"{kws_store.slug(args.word)}.npz"
    model.save(path)
    path.chmod(0o644)  # package data: readable by everyone who installs it
    print(json.dumps({"path": str(path), "seconds": round(time.monotonic() - start, 1), "meta": model.meta}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
