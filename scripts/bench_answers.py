#!/usr/bin/env python3
"""Spoken answers to menus and yes/no questions: how often the guide understands them.

Each answer is synthesized here (Piper and espeak-ng voices), said alone or inside a short
sentence, once with pink noise at 20 dB, and heard by the real listener (VAD, PocketSphinx)
exactly as in a session: once as free speech (the transcript alone) and once with the
question's answers expected (the transcript, then the expected-answer recognizer). Non-answers
("I don't know") must match nothing, nor may everyday questions asked back while a yes/no question
is open ("question/expected": any yes or no taken from them is a wrong answer). Prints one JSON object, with the wall time the listener took to end each utterance; progress
goes to stderr.

    python scripts/bench_answers.py                  # about 30 minutes beside another run
    python scripts/bench_answers.py --quick          # two voices, bare words only
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict

import numpy as np

from voice_attune.asr.frames import frames_from_array
from voice_attune.asr.listener import build_listener
from voice_attune.asr.sphinx_engine import SphinxEngine
from voice_attune.config import DEFAULT_FEELINGS, Config
from voice_attune.dialog.answers import (AGAIN_WORDS, ELSE_WORDS, NO_WORDS, YES_WORDS, best_match, yes_no,
                                      yes_no_heard_alone)
from voice_attune.keywords.talk import MORE_EVERYDAY
from voice_attune.synthetic.compose import add_noise, in_a_row, synthesize, trim
from voice_attune.synthetic.speech import piper_available

PHRASINGS = ("{w}", "I feel {w}", "probably {w}", "{w} I think")
LONG = ("I think today I'm mostly {w}, because work was long and the kids were loud all evening",)
"""An answer inside a long sentence: the expected-answer search must not keep the dialog waiting."""
NON_ANSWERS = ("I don't know", "let me think about it", "nothing really", "I can't say")
ASIDES = (("what were they again", "\0again"), ("something else", "\0else"))
"""Not answers, but asking for the menu again or for their own words: understood as that."""
YES_NO = (("yes", "yes"), ("no", "no"), ("yeah I think so", "yes"), ("not really", "no"),
          ("okay", "yes"), ("not yet", "no"))
QUESTIONS = tuple(t for t in MORE_EVERYDAY if t.endswith("?"))
"""A partner asking back instead of answering a yes/no question ("Did you book your eye test
yet?"): no answer, yet a "yes" the commands model hears in its last word was once taken as one.
The everyday questions no training reads (keywords/talk.py), heard with yes and no expected."""
VOICES = (("piper", 160), ("en-us", 160), ("en-us+f3", 140), ("en-us+f5", 150), ("en-us+klatt", 175))


def menus() -> list[tuple[str, ...]]:
    """The default feelings menu as it is asked: the groups, then each group's words."""
    return [tuple(DEFAULT_FEELINGS)] + [tuple(words) for words in DEFAULT_FEELINGS.values()]


def hear(engine, clips: list[np.ndarray], expected: list[tuple[str, ...]],
         ending: list[float] | None = None) -> list[tuple[str, str | None]]:
    """Each clip heard by one listener in a row (as in a session: 1.5 s apart), its question's
    answers expected from its start; returns (transcript, expected-answer hearing) per clip.
    ``ending`` gets the wall seconds the listener took over each frame that ended an utterance
    (flushing the recognizers: the dialog hears nothing meanwhile)."""
    audio, starts = in_a_row(clips, 1.5)
    listener = build_listener(Config(), engine)
    heard: list[list] = [[] for _ in clips]
    current = -1
    for frame in frames_from_array(audio):
        while current + 1 < len(clips) and frame.t >= starts[current + 1] - 0.6:
            current += 1
            listener.expect(expected[current])
        began = time.perf_counter()
        events = listener.feed(frame)
        if ending is not None and any(e.type == "final" for e in events):
            ending.append(time.perf_counter() - began)
        for event in events:
            if event.type == "final":
                heard[current].append(event)
    for event in listener.close():
        if event.type == "final":
            heard[current].append(event)
    return [(" ".join(f.text for f in fs), " ".join(f.answer for f in fs if f.answer) or None) for fs in heard]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="two voices, answers said alone")
    args = ap.parse_args()
    voices = [v for v in VOICES if v[0] != "piper" or piper_available()]
    phrasings = PHRASINGS[:1] if args.quick else PHRASINGS
    if args.quick:
        voices = voices[:2]
    engine = SphinxEngine()
    tally: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0, 0]))
    wrong: dict[str, list[str]] = defaultdict(list)
    began = time.perf_counter()
    ending: dict[str, list[float]] = {"transcript": [], "expected": []}
    cases = []
    for menu in menus():
        choices = {w: (w,) for w in menu} | {"\0again": AGAIN_WORDS, "\0else": ELSE_WORDS}
        expected = tuple(p for ps in choices.values() for p in ps)
        cases += [("menu", p.format(w=w), w, choices, expected) for w in menu for p in phrasings]
        cases += [("menu", p.format(w=w), w, choices, expected) for w in menu[:1] for p in LONG[: 0 if args.quick else None]]
        cases += [("non_answer", t, None, choices, expected) for t in NON_ANSWERS[: 2 if args.quick else None]]
        cases += [("aside", t, truth, choices, expected) for t, truth in ASIDES]
    cases += [("yes_no", t, a, None, YES_WORDS + NO_WORDS) for t, a in YES_NO]
    cases += [("question", t, None, None, YES_WORDS + NO_WORDS) for t in QUESTIONS[: 8 if args.quick else None]]
    for n, (voice, speed) in enumerate(voices):
        print(f"[{n + 1}/{len(voices)}] {voice}: {len(cases)} answers, clean and in noise", file=sys.stderr)
        clean = [trim(synthesize(text, voice, speed)) for _, text, _, _, _ in cases]
        for noisy in (False, True):
            clips = [add_noise(c, "pink", 20.0, seed=i) for i, c in enumerate(clean)] if noisy else clean
            for mode in ("transcript", "expected"):
                # Questions asked back matter only while a question is open (expected).
                chosen = [i for i, case in enumerate(cases) if mode == "expected" or case[0] != "question"]
                expected = [cases[i][4] if mode == "expected" else () for i in chosen]
                heard = hear(engine, [clips[i] for i in chosen], expected, ending[mode])
                for (kind, text, truth, choices, _), (said, answer) in zip([cases[i] for i in chosen], heard):
                    if kind in ("yes_no", "question"):
                        got = yes_no(said) or (yes_no_heard_alone(answer, said) if answer else None)  # as the dialog reads
                    else:
                        got = best_match(said, choices) or (answer and best_match(answer, choices)) or None
                    row = tally[f"{kind}/{mode}"][voice]
                    row[0] += got == truth
                    row[1] += got is not None and got != truth  # a wrong answer taken
                    row[2] += 1
                    if got is not None and got != truth and len(wrong[f"{kind}/{mode}"]) < 12:
                        wrong[f"{kind}/{mode}"].append(f"{voice}: {text!r} -> {got!r} "
                                                       f"(heard {said!r} / {answer!r})")
    out: dict = {"engine": "pocketsphinx", "wall_s": round(time.perf_counter() - began, 1), "results": {}}
    for key, by_voice in sorted(tally.items()):
        right = sum(r[0] for r in by_voice.values())
        taken = sum(r[1] for r in by_voice.values())
        total = sum(r[2] for r in by_voice.values())
        out["results"][key] = {
            "understood": f"{right}/{total}", "wrong_answer_taken": f"{taken}/{total}",
            "by_voice": {v: f"{r[0]}/{r[2]}" for v, r in by_voice.items()},
            "wrong_examples": wrong[key],
        }
    out["utterance_end_wall_s"] = {
        mode: {"p50": round(float(np.percentile(xs, 50)), 3), "p95": round(float(np.percentile(xs, 95)), 3),
               "max": round(max(xs), 3), "utterances": len(xs)}
        for mode, xs in ending.items() if xs}
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
