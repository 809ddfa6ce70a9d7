"""`voice-attune train-word WORD`: train the keyword model that hears your pause word."""

from __future__ import annotations

import argparse
import json
import sys
import time

from voice_attune.asr import kws_store
from voice_attune.commands.progress import StageBar
from voice_attune.config import Config
from voice_attune.errors import UserError


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "train-word",
        help="teach voice-attune to hear your pause word in any voice (about 2 minutes)",
        description=(
            "Train a keyword model for a pause word on this computer, from synthetic speech:\n"
            "every espeak-ng English accent and voice variant and the Piper voice say it, alone\n"
            "and inside sentences, in rooms with noise, babble, echo and reverberation; words\n"
            "that sound alike, the commands, everyday talk and every prompt of the session\n"
            "library are learnt as what it is not. The threshold is chosen on voices kept back.\n"
            "The model is saved in your data folder, keyed by the word; nothing of your own\n"
            "voice is used or kept. The same word and seed give the same model. The first word\n"
            "takes longest (it also makes the everyday sounds later words share)."
        ),
        epilog=("examples:\n  voice-attune train-word marigold\n  voice-attune train-word \"pause please\" --json\n"
                "  voice-attune train-word --menu      # the words of your feelings menu (config.yaml)"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("word", nargs="*", metavar="WORD", help="the pause word or phrase")
    p.add_argument("--menu", action="store_true",
                   help="instead, train the model that hears the words of your feelings menu (a few minutes)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0: reproducible)")
    p.add_argument("--budget", choices=("full", "small"), default="full",
                   help="how much speech to make: full (default) or small (a quick, weaker model)")
    p.add_argument("--json", action="store_true", help="print what was measured as JSON")
    return p


def run(args: argparse.Namespace, config: Config) -> int:
    if args.menu:
        if args.word:
            raise UserError("train-word takes a WORD or --menu, not both")
        result = train_menu_and_save(config, args.seed)
        if args.json:
            print(json.dumps(result, indent=2, ensure_ascii=False))
        else:
            heard = [v["held_out_recall"] for v in result["validation"].values() if v.get("held_out_recall") is not None]
            print(f"Trained the feelings menu ({len(result['words'])} words: {', '.join(result['words'])}) "
                  f"in {result['seconds']:.0f} s. Voices kept back from training heard its words "
                  f"{min(heard):.0%} to {max(heard):.0%} of the time.")
            print(f"Saved to {result['path']}. It is used from the next session on; after you change the "
                  "menu in config.yaml, train it again.")
        return 0
    if not args.word:
        raise UserError("give the pause word to train (e.g. voice-attune train-word marigold), or --menu")
    word = " ".join(args.word).strip()
    commands = [p for phrases in config.spotter.commands.values() for p in phrases]
    text = kws_store.check_word(word, commands)
    result = train_and_save(text, config, args.seed, args.budget)
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        v = result["validation"]
        recall = f"{v['held_out_recall']:.0%}" if v.get("held_out_recall") is not None else "-"
        print(f"Trained '{text}' in {result['seconds']:.0f} s. Voices kept back from training heard it "
              f"{recall} of {v['held_out_clips']} times; {v['negative_fires']} of {v['negative_clips']} "
              f"sayings without it set it off (threshold {v['threshold']:.2f}).")
        print(f"Saved to {result['path']}. It is used from the next session on.")
        print(f"To see how well it hears you: voice-attune check-word \"{text}\"")
    return 0


def train_and_save(word: str, config: Config, seed: int = 0, budget: str = "full") -> dict:
    """Train the pause-word model for ``word`` with a progress line, save it, say what it measured."""
    from voice_attune.keywords.prompts import library_prompts
    from voice_attune.keywords.train import BUDGETS, train_keyword
    from voice_attune.synthetic.speech import espeak_available, flite_available

    if not espeak_available():
        raise UserError("training needs espeak-ng to make its voices (Debian: apt-get install espeak-ng)")
    commands = [p for phrases in config.spotter.commands.values() for p in phrases]
    # Flite's (and, where installed, Pico's) American voices beside espeak-ng's and Piper's: a
    # model that never met a voice built from recordings may not hear it at all.
    bar = StageBar(sys.stderr, f"Training '{word}'")
    start = time.monotonic()
    try:
        model = train_keyword(
            [word], ["pause"], BUDGETS[budget], seed=seed, bank_folder=kws_store.user_folder(),
            also_refuse=commands, prompts=library_prompts(config, word), progress=bar,
            flite_members=1 if flite_available() else 0,
        )
        path = kws_store.user_model_path(word)
        model.meta["word"] = word
        bar("saving", 1.0)
        model.save(path)
    finally:
        bar.finish()
    return {"word": word, "path": str(path), "seconds": round(time.monotonic() - start, 1),
            "validation": model.meta["validation"][word], "meta": model.meta}


def train_menu_and_save(config: Config, seed: int = 0) -> dict:
    """Train the model of the couple's feelings menu with a progress line, save it, say what it measured."""
    from voice_attune.keywords.commands import train_menu
    from voice_attune.keywords.prompts import library_prompts
    from voice_attune.synthetic.speech import espeak_available

    if not espeak_available():
        raise UserError("training needs espeak-ng to make its voices (Debian: apt-get install espeak-ng)")
    words = kws_store.menu_words(config.feelings)
    commands = [p for phrases in config.spotter.commands.values() for p in phrases]
    bar = StageBar(sys.stderr, "Training the feelings menu")
    start = time.monotonic()
    try:
        model = train_menu(words, seed, commands, config.pause_words, library_prompts(config, config.pause_words[0]),
                           kws_store.user_folder(), progress=bar)
        path = kws_store.menu_model_path(config.feelings)
        bar("saving", 1.0)
        model.save(path)
    finally:
        bar.finish()
    return {"words": words, "path": str(path), "seconds": round(time.monotonic() - start, 1),
            "validation": model.meta["validation"], "meta": model.meta}
