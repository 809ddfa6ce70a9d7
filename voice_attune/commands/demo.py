"""`voice-attune demo`: hear a synthesized example conversation through the real pipeline.

Until the guided sessions exist this runs `listen` over an example recording that it
synthesizes once (espeak-ng, and Piper when installed) into the user's cache folder.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from voice_attune.config import Config

EXAMPLE = [
    # (seconds of silence before, text, voice)
    (0.8, "I feel tired today, but I am glad we are doing this.", "en-us+f3"),
    (1.2, "I heard that you are tired, and glad we are doing this.", "piper"),
    (1.5, "{pause}. I need a minute.", "en-us"),
    (2.0, "Okay, I am ready. Let's continue.", "piper"),
    (1.0, "I'm done.", "piper"),
]


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "demo",
        help="a complete simulated example on the bundled engines (no microphone needed)",
        description="Synthesize an example recording of two partners and run the listening "
        "pipeline over it: speech, words, the pause word and commands, with audio times.",
    )
    p.add_argument("--wav", metavar="OUT.wav", help="also keep the example recording here")
    return p


def example_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "voice-attune" / "demo-example.wav"


def make_example(path: Path, pause_word: str = "pineapple") -> Path:
    """Synthesize the example conversation to ``path`` (Piper lines fall back to espeak-ng)."""
    from voice_attune.asr.wav import write_wav
    from voice_attune.testing import Composition
    from voice_attune.tts import piper_available

    piper = piper_available()
    comp = Composition()
    for pause, text, voice in EXAMPLE:
        line = text.format(pause=pause_word.capitalize())
        comp.silence(pause).say(line, voice if (voice != "piper" or piper) else "en-us+m3")
    comp.silence(1.0)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_wav(path, comp.audio())
    return path


def run(args: argparse.Namespace, config: Config) -> int:
    from voice_attune.commands import listen

    path = Path(args.wav) if args.wav else example_path()
    print(f"Synthesizing an example conversation to {path} ...")
    make_example(path, config.pause_words[0])
    print(f"Listening to it (pause word: '{config.pause_words[0]}'):\n")
    listen_args = argparse.Namespace(
        audio=str(path), events=None, engine=None, pause_word=None, partials=False, quiet=False
    )
    return listen.run(listen_args, config)
