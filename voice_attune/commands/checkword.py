"""`voice-attune check-word WORD`: how well a candidate pause word will be heard."""

from __future__ import annotations

import argparse
import json
import sys
from typing import IO

from voice_attune.asr.engines import open_engine
from voice_attune.commands.word_trials import DEFAULT_VOICES, PIPER_SPEED, WordReport, check_word
from voice_attune.config import Config
from voice_attune.errors import UserError
from voice_attune.synthetic.speech import PIPER_VOICE
from voice_attune.text import normalize

_DEFAULT_SPEED = 160


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "check-word",
        help="how good a choice a pause word is: heard reliably, never by mistake",
        description=(
            "Check a candidate pause word or phrase: several synthesized voices say it, alone "
            "and inside sentences, through the real listening pipeline; everyday sentences "
            "without it show whether it is heard by mistake; and it is compared with the "
            "commands and common words. Ends with a verdict: good, usable or poor. "
            "When the word has a keyword model (shipped, or made by train-word; --train makes "
            "one first), that model is measured too: recall by voice family and noise, false "
            "pauses in everyday talk and on generated sound-alikes, and its own verdict. "
            "Takes about a minute."
        ),
    )
    p.add_argument("word", nargs="+", metavar="WORD", help="the word or phrase to check")
    p.add_argument("--engine", choices=("auto", "vosk", "pocketsphinx"), help="recognizer (default: config)")
    p.add_argument(
        "--voices",
        metavar="LIST",
        help="comma-separated voices to try, each an espeak-ng voice or 'piper', optionally "
        "with words a minute (e.g. en-us,en-us+f3:140); default: five espeak-ng voices, and "
        "Piper when installed",
    )
    p.add_argument("--train", action="store_true",
                   help="train the word's keyword model first if it has none (about 3 minutes)")
    p.add_argument("--json", action="store_true", help="print the report as JSON instead")
    return p


def run(args: argparse.Namespace, config: Config) -> int:
    word = " ".join(args.word).strip()
    if not normalize(word):
        raise UserError("the word to check is empty; give a word or phrase, e.g. pineapple")
    voices = parse_voices(args.voices) if args.voices else None
    engine = open_engine(config, args.engine, notice=lambda m: print(m, file=sys.stderr))
    progress = _Progress(sys.stderr, word)
    try:
        report = check_word(word, config, engine, voices=voices, progress=progress)
    finally:
        progress.finish()
    keyword = keyword_figures(report.word, config, args.train)
    if args.json:
        print(json.dumps(report.to_dict() | {"keyword_model": keyword}, indent=2, ensure_ascii=False))
    else:
        print(describe(report))
        print()
        print(describe_keyword(report.word, keyword))
    return 0


def keyword_figures(word: str, config: Config, train: bool) -> dict | None:
    """The word's keyword model measured (training it first if asked and it has none), or None."""
    import numpy as np

    from voice_attune.asr import kws_store
    from voice_attune.asr.kws_model import KeywordModel
    from voice_attune.keywords.measure import CONFUSABLES, check_model
    from voice_attune.keywords.neighbours import neighbours
    from voice_attune.synthetic.speech import piper_available

    path = kws_store.find_model(word)
    if path is None and train:
        from voice_attune.commands.train_word import train_and_save

        commands = [p for phrases in config.spotter.commands.values() for p in phrases]
        train_and_save(kws_store.check_word(word, commands), config)
        path = kws_store.find_model(word)
    if path is None:
        return None
    model = KeywordModel.load(path)

    alike = list(CONFUSABLES.get(word, ())) or neighbours(word, np.random.default_rng(7), 24)
    progress = _Progress(sys.stderr, word, f"Measuring the keyword model of '{word}'")
    try:
        figures = check_model(model, word, piper_available(), [a for a in alike if not a.startswith("[[")],
                              progress=progress)
    finally:
        progress.finish()
    return {"path": str(path), "threshold": round(model.thresholds[0], 3),
            "trained": model.meta.get("trained"), **figures}


def describe_keyword(word: str, k: dict | None) -> str:
    """The keyword model's figures as readable lines."""
    if k is None:
        return (f"No keyword model for '{word}' yet: only the recognizer listens for it. Train one "
                f"(about 3 minutes): voice-attune train-word \"{word}\", or check again with --train.")
    r = k["recall"]
    lines = [f"Keyword model ({k['path']}):",
             f"  heard {r['heard']} of {r['said']} sayings ({r['recall']:.0%}), "
             f"median {k['latency_s_median'] or 0:.2f} s after the word"]
    for name, part in (("voices", k["recall_by_family"]), ("rooms", k["recall_by_room"])):
        lines.append(f"  by {name}: " + "; ".join(
            f"{key} {v['heard']}/{v['said']}" for key, v in part.items()))
    e, c = k["everyday"], k["confusables"]
    lines.append(f"  set off by mistake {e['false_pauses']} time(s) in {e['minutes']:.0f} minutes of everyday talk, "
                 f"{c['false_pauses']} time(s) in {c['sayings']} sayings that sound like it")
    lines.extend(f"    by: \"{t}\"" for t in (e["heard_in"] + c["heard_in"])[:6])
    lines.append(f"  Keyword model verdict: {k['verdict'].upper()} (synthetic voices; rooms: clean, "
                 "pink noise 15 dB, four talkers 10 dB)")
    return "\n".join(lines)


def parse_voices(text: str) -> list[tuple[str, int]]:
    """"en-us,en-us+f3:140,piper" -> [(voice, words a minute), ...]."""
    known = dict(DEFAULT_VOICES) | {PIPER_VOICE: PIPER_SPEED}
    voices = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        name, _, speed = item.partition(":")
        if not speed:
            voices.append((name, known.get(name, _DEFAULT_SPEED)))
            continue
        if not speed.isdigit() or not 80 <= int(speed) <= 450:
            raise UserError(f"--voices: speed '{speed}' of '{name}' must be 80 to 450 words a minute")
        voices.append((name, int(speed)))
    if not voices:
        raise UserError("--voices: name at least one voice, e.g. en-us,en-us+f3")
    return voices


class _Progress:
    """One line on the terminal that says what is being heard (a single line when not a terminal)."""

    def __init__(self, stream: IO[str], word: str, label: str | None = None):
        self._stream = stream
        self._label = label or f"Checking '{word}'"
        self._live = stream.isatty()
        self._shown = False
        self._quarter = 0

    def __call__(self, done: int, total: int, what: str) -> None:
        if self._live:
            line = f"{self._label}: {done}/{total} {what}"
            self._stream.write("\r" + line[:100].ljust(100))
            self._stream.flush()
        else:  # a log, not a terminal: a line at the start and at each quarter, never silent long
            quarter = 4 * done // max(total, 1)
            if not self._shown:
                print(f"{self._label} with {total} recordings...", file=self._stream, flush=True)
            elif quarter > self._quarter and done < total:
                print(f"{self._label}: {done}/{total} heard", file=self._stream, flush=True)
            self._quarter = max(self._quarter, quarter)
        self._shown = True

    def finish(self) -> None:
        if self._live and self._shown:
            self._stream.write("\r" + " " * 100 + "\r")
            self._stream.flush()


def describe(report: WordReport) -> str:
    """The report as readable lines."""
    lines = [f"Pause word '{report.word}' ({report.engine}, checked in {report.seconds:.0f} s)", ""]
    if report.tries:
        rate = f"{report.hit_rate:.0%}" if report.hit_rate is not None else "-"
        delay = (f"; the pause came {report.median_delay:.2f} s after the word (median)"
                 if report.median_delay is not None else "")
        lines.append(f"Heard {report.heard} of {report.tries} times ({rate}){delay}.")
        for v in report.per_voice:
            lines.append(f"  {v.voice:<14} {v.speed:>3} words/min   {v.heard} of {v.tries}")
        for t in report.trials:
            if not t.heard:
                heard = f"\"{t.transcript}\"" if t.transcript else "nothing"
                lines.append(f"  missed: {t.voice} saying \"{t.text}\" (the recognizer heard {heard})")
        if report.false_spots:
            lines.append(f"Heard by mistake {len(report.false_spots)} time(s):")
            for f in report.false_spots:
                lines.append(f"  \"{f.heard}\" in \"{f.text}\" ({f.voice})")
        else:
            lines.append(f"Never heard by mistake in {report.everyday_tried} everyday sentences "
                         "or the sentences around the word.")
    else:
        lines.append(f"Not listened for: {report.skipped or 'no voices'}.")
    if report.confusions:
        lines.append("Could be confused with:")
        for c in report.confusions:
            what = {"command": f"the command '{c.name}':", "common": "the everyday word",
                    "audio": f"heard as the command '{c.name}':"}.get(c.source, c.source)
            lines.append(f"  {what} \"{c.phrase}\" (similarity {c.similarity:.0f})")
    if report.warnings:
        lines.append("Warnings:")
        lines.extend(f"  - {w.message}" for w in report.warnings)
    lines += ["", f"Verdict: {report.verdict.upper()}: {report.reason}."]
    if report.tries:
        lines.append(f"Synthetic voices are only a first test; try it with your own: "
                     f"voice-attune listen --pause-word \"{report.word}\"")
    return "\n".join(lines)
