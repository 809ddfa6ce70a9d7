#!/usr/bin/env python3
"""Care phrases: how often words suggesting danger are heard, and how often ordinary talk is taken for them.

Sentences a distressed partner might say (each holding a care phrase) and ordinary check-in
sentences (many of them near-misses: hurt feelings, "this week is killing me", "drive safe",
"pass me the knife") are synthesized here (Piper and espeak-ng voices), heard clean and with
pink noise at 20 dB by the real listener (VAD, PocketSphinx) one after another as in a session,
and each clip's final texts are joined and given to ``CareWords(CareSettings().words).find``
(the listener's own care check, which withholds the words, is turned off to keep them).
The same figures on the sentences' own text (no recognizer) are the upper bound. Prints one
JSON object; progress goes to stderr.

    python scripts/bench_care.py                    # about 8 minutes on 2 idle cores
    python scripts/bench_care.py --quick            # Piper and en-us only (about 3 minutes)
    python scripts/bench_care.py --dump heard.json  # also every transcript, to study mishearings
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict

import numpy as np

from voice_attune.asr.caremeaning import care_check
from voice_attune.asr.frames import frames_from_array
from voice_attune.asr.listener import build_listener
from voice_attune.asr.sphinx_engine import SphinxEngine
from voice_attune.config import Config
from voice_attune.config.care import CareSettings
from voice_attune.synthetic.compose import add_noise, in_a_row, synthesize, trim
from voice_attune.synthetic.speech import piper_available

CARE = (
    "sometimes I think everyone would be better off without me",
    "I want to hurt myself",
    "he hit me last week",
    "I don't feel safe at home, I'm not safe",
    "I have been thinking about suicide",
    "I just want to die",
    "I can't go on like this",
    "I've thought about taking my own life",
    "sometimes I feel like I should just kill myself",
    "I wish I was dead",
    "there is nothing to live for anymore",
    "I've been cutting myself again",
    "he pushed me against the wall",
    "I'm scared of him when he drinks",
    "she threatened me with a knife",
    "I thought about taking an overdose",
    "I don't want to be alive anymore",
    "I just want to end it all",
    "I'm afraid for my life",
    "he choked me during the fight",
    "I think I'm being abused",
    "I don't want to wake up tomorrow",
)
"""Said by someone who may need help: each must pause the session."""

ORDINARY = (
    # hurt feelings are what a check-in is for
    "you hurt me when you forgot",
    "I felt hurt when you didn't call",
    "my back hurts after the gym",
    # idioms of killing and dying
    "this week is killing me",
    "I'm dying to see the film",
    "that joke you told killed me",
    "the lasagna was to die for",
    "I'm so tired I could die",
    # safe in other senses
    "I want us to feel safe together",
    "drive safe on the way home",
    "I feel safe with you",
    "it's safe to say we were both tired",
    # can't, afraid, scared, hit, kill
    "I can't go out tonight",
    "I can't go on about it forever",
    "I'm afraid I forgot to buy milk",
    "the kids were scared of the thunder",
    "I hit the wall at work this afternoon",
    "we should kill some time before dinner",
    "I'm not sure what to say",
    "I want to drive to the coast this weekend",
    "our son is afraid of the dark",
    # kitchen and household talk
    "pass me the knife please",
    "can you cut the bread for me",
    "I burned myself on the oven a little",
    # near-misses the default list is expected to catch too (said here as ordinary talk)
    "text me or hit me up when you leave work",
    "you pushed me to apply for that job and I'm grateful",
    "I cut myself chopping onions",
    "we can't go on spending like this",
    # plain check-in talk
    "I felt really heard today",
    "thank you for making dinner last night",
    "can we talk about the weekend plans",
    "I miss you when you're away",
    "I'd like more time together on Sundays",
    "I'm grateful you listened to me",
)
"""Ordinary check-in talk: none should pause, though the last group of near-misses holds
default phrases on purpose, to show what erring towards caution costs."""

VOICES = (("piper", 160), ("en-us", 160), ("en-us+f3", 140), ("en-us+f5", 150), ("en-us+klatt", 175))
GAP = 2.0
"""Seconds of silence between clips, well over the VAD's end of utterance."""


def hear(engine, clips: list[np.ndarray]) -> list[str]:
    """Each clip heard by one listener in a row, as in a session; its final texts joined."""
    audio, starts = in_a_row(clips, GAP)
    listener = build_listener(Config(), engine)
    if hasattr(listener, "care"):
        listener.care = None  # it would withhold the very words this benchmark studies
    heard: list[list[str]] = [[] for _ in clips]
    current = -1
    for frame in frames_from_array(audio):
        while current + 1 < len(clips) and frame.t >= starts[current + 1] - 0.6:
            current += 1
        for event in listener.feed(frame):
            if event.type == "final" and current >= 0:
                heard[current].append(event.text)
    for event in listener.close():
        if event.type == "final" and current >= 0:
            heard[current].append(event.text)
    return [" ".join(t for t in texts if t) for texts in heard]


def rate(hits: int, total: int) -> str:
    return f"{hits}/{total} ({100.0 * hits / total:.0f}%)" if total else "0/0"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="Piper and en-us only")
    ap.add_argument("--voices", metavar="V,V", help="only these voices, comma-separated (to share the run "
                    f"between processes; all: {','.join(v for v, _ in VOICES)})")
    ap.add_argument("--dump", metavar="FILE", help="write every transcript heard to FILE (JSON)")
    ap.add_argument("--set", metavar="NAME_OR_FILE",
                    help="statements from a YAML file with danger: and ordinary: lists (dev, held_out: "
                         "tests/data/care/NAME.yaml) instead of the built-in sentences")
    ap.add_argument("--text-only", action="store_true", help="the text figures only (no speech, seconds)")
    ap.add_argument("--phrases-only", action="store_true",
                    help="the care phrases alone, without the meaning check (care.meaning: off)")
    args = ap.parse_args()
    global CARE, ORDINARY
    if args.set:
        import yaml
        from pathlib import Path

        path = Path(args.set)
        if not path.is_file():
            path = Path(__file__).resolve().parents[1] / "tests" / "data" / "care" / f"{args.set}.yaml"
        data = yaml.safe_load(path.read_text())
        CARE, ORDINARY = tuple(data["danger"]), tuple(data["ordinary"])
    voices = [v for v in VOICES if v[0] != "piper" or piper_available()]
    if args.quick:
        voices = [v for v in voices if v[0] in ("piper", "en-us")]
    if args.voices:
        wanted = args.voices.split(",")
        unknown = sorted(set(wanted) - {v for v, _ in VOICES})
        if unknown:
            ap.error(f"unknown voice {unknown[0]}: choose from {', '.join(v for v, _ in VOICES)}")
        voices = [v for v in voices if v[0] in wanted]
    care = care_check(CareSettings(meaning="off" if args.phrases_only else "auto"))
    cases = [(text, True) for text in CARE] + [(text, False) for text in ORDINARY]
    began = time.perf_counter()

    text_found = {}
    took_ms = []
    for text, _ in cases:
        t0 = time.perf_counter()
        text_found[text] = care.find(text)
        took_ms.append(1000 * (time.perf_counter() - t0))
    text_missed = [t for t in CARE if text_found[t] is None]
    text_alarms = {t: text_found[t] for t in ORDINARY if text_found[t] is not None}

    if args.text_only:
        print(json.dumps({"set": args.set or "built-in", "meaning": care.meaning is not None,
                          "sentences": {"care": len(CARE), "ordinary": len(ORDINARY)},
                          "check_ms": {"p50": round(float(np.percentile(took_ms, 50)), 1),
                                       "p95": round(float(np.percentile(took_ms, 95)), 1)},
                          "text": {"recall": rate(len(CARE) - len(text_missed), len(CARE)),
                                   "false_alarms": rate(len(text_alarms), len(ORDINARY)),
                                   "missed": text_missed, "false_alarms_on": text_alarms}}, indent=2))
        return 0
    engine = SphinxEngine()
    # [found, total] for care sentences, [alarms, total] for ordinary ones; by voice, condition, both
    recall: dict[object, list[int]] = defaultdict(lambda: [0, 0])
    alarms: dict[object, list[int]] = defaultdict(lambda: [0, 0])
    missed: list[dict] = []
    false_alarms: list[dict] = []
    rows: list[dict] = []
    for n, (voice, speed) in enumerate(voices):
        print(f"[{n + 1}/{len(voices)}] {voice}: {len(cases)} sentences, clean and in noise", file=sys.stderr)
        clean = [trim(synthesize(text, voice, speed)) for text, _ in cases]
        for noisy in (False, True):
            clips = [add_noise(c, "pink", 20.0, seed=i) for i, c in enumerate(clean)] if noisy else clean
            condition = "noise20" if noisy else "clean"
            for (text, truth), said in zip(cases, hear(engine, clips)):
                found = care.find(said)
                rows.append({"voice": voice, "condition": condition, "said": text, "care": truth,
                             "heard": said, "found": found})
                tally = recall if truth else alarms
                hit = found is not None
                for key in ("all", voice, condition, (voice, condition)):
                    tally[key][0] += hit
                    tally[key][1] += 1
                if truth and not hit:
                    missed.append({"voice": voice, "condition": condition, "said": text, "heard": said})
                if not truth and hit:
                    false_alarms.append({"voice": voice, "condition": condition, "said": text,
                                         "heard": said, "found": found})
            print(f"    {condition}: recall {rate(*recall[voice, condition])}, "
                  f"false alarms {rate(*alarms[voice, condition])}", file=sys.stderr)

    out = {
        "engine": "pocketsphinx",
        "meaning": care.meaning is not None,
        "voices": [v for v, _ in voices],
        "conditions": ["clean", "pink noise 20 dB"],
        "sentences": {"care": len(CARE), "ordinary": len(ORDINARY)},
        "wall_s": round(time.perf_counter() - began, 1),
        "text_upper_bound": {
            "recall": rate(len(CARE) - len(text_missed), len(CARE)),
            "false_alarms": rate(len(text_alarms), len(ORDINARY)),
            "missed": text_missed,
            "false_alarms_on": text_alarms,
        },
        "asr": {
            "recall": rate(*recall["all"]),
            "recall_by_voice": {v: rate(*recall[v]) for v, _ in voices},
            "recall_by_condition": {c: rate(*recall[c]) for c in ("clean", "noise20")},
            "false_alarms": rate(*alarms["all"]),
            "false_alarms_by_voice": {v: rate(*alarms[v]) for v, _ in voices},
            "false_alarms_by_condition": {c: rate(*alarms[c]) for c in ("clean", "noise20")},
        },
        "missed": missed,
        "false_alarms": false_alarms,
    }
    if args.dump:
        with open(args.dump, "w", encoding="utf-8") as f:
            json.dump(rows, f, indent=1)
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
