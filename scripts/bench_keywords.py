#!/usr/bin/env python3
"""Keyword detector benchmark: the pause word on voices and rooms it never trained on.

A model is trained here with the benchmark's held-out accents and variants left out (British,
Scottish, Caribbean and West Midlands espeak-ng voices, variants f4, m6, Steph, Denis), or
loaded with --model. It then hears, through the real streaming detector (KeywordDetector):
- the pause word alone and inside sentences (this file's own sentences, not the training ones)
  from held-out voices and from training-family voices, in seven rooms: clean, pink noise 15 dB,
  brown noise 10 dB, babble of four talkers 10 dB, one background talker 15 dB, a reverberant
  room with the guide's echo, and across a furnished room ("far": synthetic/shoebox.py, the
  talker 1-2.5 m away, a kind of room no training makes);
- confusable sayings ("apple pie", "nine apples", ...), clean and in pink noise;
- everyday conversation without the word, at least an hour of it with the default sizes;
- where the Debian package flite is installed, all of the above from a voice of another
  synthesizer that no model trains on (Flite's awb, built from recordings of a Scottish man),
  reported apart as "another_synthesizer";
- where the PyPI package ttspico is installed, the same from SVOX Pico's British and American
  women (a fourth synthesizer, built from recordings), reported apart as "pico": no model trains
  on the British one; networks that learn Flite's voices (--flite-members) also learn the
  American one ("trained_on");
- all of the above from espeak-ng voices of four other languages (Hindi, Spanish, Russian,
  Vietnamese) reading the English phonemes: English as someone whose first language it is not
  might say it. A model trained here never meets those languages (training's voices of other
  languages are the rest); reported apart as "other_languages".
One JSON object goes to stdout, progress to stderr. Figures are per voice, voice family and room.

    python scripts/bench_keywords.py                   # train (about 5 min here) and measure (about 6 min)
    python scripts/bench_keywords.py --quick           # a smoke run
    python scripts/bench_keywords.py --model FILE.npz  # measure a saved model
    python scripts/bench_keywords.py --enroll          # also: couples of held-out voices enrol
    python scripts/bench_keywords.py --curve           # also: recall at 1, 2, 4 and 8 false pauses an hour
    python scripts/bench_keywords.py --members 4       # four networks, as the shipped model is made
    python scripts/bench_keywords.py --members 4 --flite-members 4   # as the shipped model is made: every
                                                                     # network also learns Flite's and Pico's
                                                                     # American voices
    python scripts/bench_keywords.py --members 4 --flite-members 4 --twins   # and a twin that sees changes
                                                                             # for each of the four

With --curve, the model is also measured along its whole trade-off: for each number of false
pauses an hour of everyday talk (1, 2, 4, 8), the lowest threshold that lets no more through,
and what it hears there. Two models measured each at its own threshold usually differ in both
recall and false pauses; at the same false pauses an hour they can be compared. The same
trade-off is also reported for the confirming steps one fewer and one more than the model's own
(`other_confirms`: a saying must keep the score up that many 80 ms steps in a row), from the
same scores.

With --enroll, held-out voices are paired into couples; each partner says the word four times
(at other speeds and pitches than the benchmark's own sayings), the sayings go through
`enroll`'s own steps (voice-activity gate, features, adaptation), and the adapted model hears
the partners' streams, their confusables and their everyday talk again. Flite's voice enrols
beside a held-out espeak-ng voice, and two speakers of other languages (Hindi and Spanish) make a
couple of their own; both are reported apart.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import resource
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from voice_attune import SAMPLE_RATE  # noqa: E402
from voice_attune.asr.kws_features import FrontEnd  # noqa: E402
from voice_attune.asr.kws_model import KeywordModel  # noqa: E402
from voice_attune.config import DEFAULT_COMMANDS, Config  # noqa: E402
from voice_attune.keywords import augment, operating  # noqa: E402
from voice_attune.keywords.measure import (  # noqa: E402
    CARRIERS,
    CONFUSABLES,
    FAMILY_VOICES,
    ROOMS,
    Room,
    compose,
    detect,
    everyday_talk,
    say,
    score_stream,
)
from voice_attune.keywords.prompts import library_prompts  # noqa: E402
from voice_attune.keywords.train import BUDGETS, train_keyword  # noqa: E402
from voice_attune.keywords.voices import (  # noqa: E402
    HELD_OUT_FLITE, HELD_OUT_LANGUAGES, PICO_TRAINING, Voice, held_out_voices,
)
from voice_attune.synthetic.flite import flite_available  # noqa: E402
from voice_attune.synthetic.pico import pico_available  # noqa: E402
from voice_attune.synthetic.speech import PIPER_VOICE, piper_available  # noqa: E402


PICO_VOICES = ("pico:en-GB", "pico:en-US")
"""SVOX Pico's British and American women: a fourth synthesizer; no model learns the British one,
networks that learn recorded voices learn the American one (PICO_TRAINING)."""
OTHER_GROUPS = ("flite_held_out", "pico_held_out", "languages_held_out")
"""Voices of other synthesizers and languages, reported apart from the espeak-ng and Piper totals."""
LANGUAGE_VOICES = (("hi", 150, 45), ("es+f2", 165, 60), ("ru+m3", 140, 40), ("vi+f5", 155, 55))
"""Voices of HELD_OUT_LANGUAGES saying English: (espeak-ng voice, speed, pitch)."""


EVERYDAY_PER_VOICE = 80
"""Everyday sentences each espeak-ng and Piper voice says: 18 voices, each sentence of
measure.everyday_talk's 300 said by about five of them, heard clean and under babble. Until
2026-12-05 each voice said the same 40 (1.75 hours), and a model's false pauses at the strictest
points turned on one or two of those sentences."""
OTHER_EVERYDAY_PER_VOICE = 40
"""...and each voice of another synthesizer or language (reported apart)."""


def percentile(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 3) if values else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--word", default="pineapple")
    parser.add_argument("--model", type=Path, help="a saved model to measure (default: train one here)")
    parser.add_argument("--budget", default="full", choices=sorted(BUDGETS))
    parser.add_argument("--seed", type=int, default=11, help="seed of the streams (and of training, unless --train-seed)")
    parser.add_argument("--train-seed", type=int,
                        help="seed of the training alone: the same streams heard by models of other seeds")
    parser.add_argument("--quick", action="store_true", help="fewer voices, rooms and sentences")
    parser.add_argument("--save-model", type=Path, help="keep the trained model here")
    parser.add_argument("--members", type=int, default=1,
                        help="networks trained on the speech of seeds train-seed, train-seed+1, ..., the median "
                             "of their scores counting, as the shipped models are made (default 1)")
    parser.add_argument("--flite-members", type=int, default=0,
                        help="how many of those networks also learn from Flite's voices rms, slt and kal16 "
                             "and, where ttspico is installed, Pico's American woman (never Flite's awb nor "
                             "Pico's British woman, voices of other synthesizers the benchmark hears)")
    parser.add_argument("--masked", type=float,
                        help="share of the training sayings heard with mel bands flattened (default: the "
                             "budget's; 0 trains as before masking)")
    parser.add_argument("--bank-random", type=int,
                        help="sentences of random dictionary words in the everyday-sound bank (default: the "
                             "budget's)")
    parser.add_argument("--foreign", type=int,
                        help="voices of other languages saying English from its phonemes (default: the budget's)")
    parser.add_argument("--talkers", type=int,
                        help="background talkers that training's rooms draw babble from (default: the budget's)")
    parser.add_argument("--accented", type=int,
                        help="sayings with moved vowels per espeak-ng voice in training (default: the budget's)")
    parser.add_argument("--rooms", type=int, help="random rooms each saying of the word is heard in, in training "
                        "(default: the budget's)")
    parser.add_argument("--hidden", type=int, help="the network's hidden units (default: the budget's)")
    parser.add_argument("--epochs", type=int, help="passes over the training data (default: the budget's)")
    parser.add_argument("--bank-noise", type=float, dest="bank_noise_s",
                        help="seconds of noise, babble and silence without speech in front in the everyday-sound "
                             "bank (default: the budget's, 180 for full)")
    parser.add_argument("--changes", action="store_const", const=True,
                        help="networks that see their window as changes between embeddings (train.Budget.changes)")
    parser.add_argument("--twins", action="store_true",
                        help="each seed's speech also teaches a network that sees changes, both in the median "
                             "(train_keyword's twins: twice the networks, one set of speech)")
    parser.add_argument("--phases", action="store_true",
                        help="each seed's networks also learn sayings that end anywhere between two embeddings "
                             "(train_keyword's phases: how build_keyword_models.py makes the default word's model)")
    parser.add_argument("--per-hour", type=float,
                        help="no threshold lower than where about six hours of everyday talk kept back from all "
                             "training fire this often an hour (train_keyword's per_hour; the shipped recipe: 1)")
    parser.add_argument("--window", type=int, help="80 ms embeddings the network looks at, at the least (a long "
                                                   "phrase gets more: train.window_for; default: the budget's, 8 for full)")
    parser.add_argument("--threshold", type=float,
                        help="hear with this threshold instead of the one training chose (to compare two models "
                             "at the same one)")
    parser.add_argument("--everyday", type=int, default=EVERYDAY_PER_VOICE,
                        help=f"everyday sentences each voice says (default {EVERYDAY_PER_VOICE}: about 3.7 hours of "
                             "talk over the espeak-ng and Piper voices, clean and under babble)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--curve", action="store_true",
                        help="also report recall at the thresholds that let 1, 2, 4 and 8 false pauses an hour "
                             "of everyday talk through (to compare models at the same false pauses)")
    parser.add_argument("--enroll", action="store_true",
                        help="also measure held-out couples after each partner enrols four sayings")
    args = parser.parse_args()
    if not 0 <= args.flite_members <= args.members:
        parser.error("--flite-members: from 0 to --members")
    if args.masked is not None and not 0 <= args.masked <= 1:
        parser.error("--masked: a share from 0 to 1")
    if args.flite_members and not flite_available():
        parser.error("--flite-members needs Flite (Debian: apt-get install flite)")
    t0 = time.time()
    if args.train_seed is None:
        args.train_seed = args.seed

    def progress(msg: str) -> None:
        print(f"[{time.time() - t0:6.1f}s] {msg}", file=sys.stderr, flush=True)

    train_s = None
    if args.model:
        model = KeywordModel.load(args.model)
    else:
        progress(f"training '{args.word}' without the held-out voices ({args.budget} budget)")
        cmds = [p for ps in DEFAULT_COMMANDS.values() for p in ps]
        start = time.time()
        # Trained as train-word trains (the session library's prompts as negatives and as echo),
        # only without the held-out voices.
        budget = BUDGETS[args.budget]
        knobs = ("masked", "bank_random", "talkers", "accented", "foreign", "rooms", "hidden", "epochs", "window", "bank_noise_s",
                 "changes")
        overrides = {name: getattr(args, name) for name in knobs if getattr(args, name) is not None}
        budget = dataclasses.replace(budget, **overrides)
        model = train_keyword([args.word], ["pause"], budget, seed=args.train_seed, hold_out=True,
                              also_refuse=cmds, bank_folder=None, prompts=library_prompts(Config(), args.word),
                              members=args.members, flite_members=args.flite_members, twins=args.twins,
                              per_hour=args.per_hour, phases=args.phases)
        train_s = round(time.time() - start, 1)
        if args.save_model:
            model.save(args.save_model)
    if args.threshold is not None:
        model.thresholds = [args.threshold] * len(model.thresholds)
    jobs, room = plan_jobs(args)
    progress(f"{len(jobs)} streams to hear")
    done = [0]

    def run(job):
        done[0] += 1
        if done[0] % 20 == 0:
            progress(f"{done[0]}/{len(jobs)} streams")
        return hear(model, room, job, curve=args.curve)

    with ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(run, jobs))

    report = summarize(results, model, args, train_s)
    if args.curve:
        report["operating_points"] = operating_points(results, model, model.confirm)
        report["other_confirms"] = {str(c): operating_points(results, model, c)
                                    for c in (model.confirm - 1, model.confirm + 1) if c >= 1}
    if args.enroll:
        report["enrolled"] = enrolled_figures(model, jobs, room, results, args, progress)
    report["wall_s"] = round(time.time() - t0, 1)
    print(json.dumps(report, indent=1))
    return 0


def hear(model: KeywordModel, room: "Room", job: tuple, curve: bool = False) -> dict:
    """One stream in its room through the streaming detector, scored (with ``curve``, also its
    scores at every step, for operating_points)."""
    kind, group, voice, r, stream, seed = job
    audio = room.apply(stream.audio, r, np.random.default_rng(seed))
    hits, cpu = detect(model, audio)
    words, stray = score_stream(stream, hits)
    result = {"kind": kind, "group": group, "voice": voice.name, "room": r, "words": words,
              "stray": len(stray), "stray_during": stray,
              "seconds": stream.audio.size / SAMPLE_RATE, "cpu_s": cpu}
    if curve:
        if not hasattr(_fronts, "front"):
            _fronts.front = FrontEnd()
        result.update(trace=operating.trace(model, augment.to_int16(audio), _fronts.front), stream=stream)
    return result


_fronts = threading.local()
CURVE_BUDGETS = (1.0, 2.0, 4.0, 8.0)
"""False pauses an hour of everyday talk at which --curve reports what a model hears."""


def operating_points(results: list[dict], model: KeywordModel, confirm: int) -> dict:
    """What the model hears at the lowest threshold letting each of CURVE_BUDGETS false pauses
    an hour of everyday talk through (espeak-ng and Piper voices' talk, as "everyday"), and at
    its own threshold, a saying counting when it keeps the score up ``confirm`` steps in a row."""
    cache: dict[float, list[dict]] = {}

    def at(threshold: float) -> list[dict]:
        if threshold not in cache:
            cache[threshold] = [_rescored(r, threshold, confirm) for r in results]
        return cache[threshold]

    def everyday(rows: list[dict]) -> list[dict]:
        return [r for r in rows if r["kind"] == "everyday" and r["group"] not in OTHER_GROUPS]

    hours = sum(r["seconds"] for r in everyday(results)) / 3600

    def per_hour(threshold: float) -> float:
        return sum(r["stray"] for r in everyday(at(threshold))) / max(hours, 1e-9)

    points = []
    for budget in CURVE_BUDGETS:
        threshold = operating.lowest_threshold(per_hour, budget)
        points.append({"everyday_per_hour_at_most": budget, "threshold": threshold,
                       **(_point(at(threshold)) if threshold is not None else {})})
    own = float(model.thresholds[0])
    # With little talk (--quick) even no false pause says little: the thresholds found are low.
    return {"everyday_hours": round(hours, 2), "too_little_talk": hours < 1.0, "confirm": confirm, "points": points,
            "own_threshold": {"threshold": round(own, 4), **_point(at(own))}}


def _rescored(row: dict, threshold: float, confirm: int) -> dict:
    hits = [(t, t) for t in operating.fires(row["trace"], threshold, confirm)]
    words, stray = score_stream(row["stream"], hits)
    return {"kind": row["kind"], "group": row["group"], "room": row["room"], "seconds": row["seconds"],
            "words": words, "stray": len(stray)}


def _point(rows: list[dict]) -> dict:
    def recall(chosen: list[dict]) -> float | None:
        words = [w for r in chosen for w in r["words"]]
        return round(sum(w["heard"] for w in words) / len(words), 3) if words else None

    pause = [r for r in rows if r["kind"] == "pause"]
    rooms = sorted({r["room"] for r in pause})
    own = [r for r in rows if r["group"] not in OTHER_GROUPS]
    other = [r for r in rows if r["group"] in OTHER_GROUPS]
    return {
        "held_out": {room: recall([r for r in pause if r["group"] == "held_out" and r["room"] == room]) for room in rooms},
        "family": recall([r for r in pause if r["group"] == "family"]),
        "everyday_false_pauses": sum(r["stray"] for r in own if r["kind"] == "everyday"),
        "confusable_false_pauses": sum(r["stray"] for r in own if r["kind"] == "confusable"),
        "other_voices": {room: recall([r for r in pause if r["group"] in OTHER_GROUPS and r["room"] == room])
                         for room in rooms},
        "other_voices_false_pauses": sum(r["stray"] for r in other if r["kind"] != "pause"),
    }


def enrolled_figures(model: KeywordModel, jobs: list[tuple], room: "Room", before: list[dict], args,
                     progress) -> dict:
    """Couples of held-out voices enrol (four sayings each, at the microphone's pace and pitch of
    another day), then their own streams are heard again by the adapted model."""
    import tempfile

    from voice_attune.config import VadSettings
    from voice_attune.keywords.enroll import adapt, enrol, find_sayings

    rng = np.random.default_rng(args.seed + 1)
    partners = held_out_voices()[::2][: 2 if args.quick else 6]
    couples = [partners[i : i + 2] for i in range(0, len(partners), 2)]
    others = sorted({j[2] for j in jobs if j[1] == "flite_held_out"}, key=lambda v: (v.name, v.speed))
    if others:  # the voice of another synthesizer enrols beside a held-out espeak-ng voice
        couples.append([others[0], held_out_voices()[5]])
    speakers = list(dict.fromkeys(j[2] for j in jobs if j[1] == "languages_held_out"))[:2]
    if speakers:  # two speakers of other languages make a couple
        couples.append(speakers)
    after: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="va-bench-enrol-") as bank:
        for couple in couples:
            sayings = []
            for who, v in zip("AB", couple):
                takes = []
                for dv in (-25, -10, 10, 25):
                    other_day = Voice(v.name, v.speed + dv, int(np.clip(v.pitch + rng.integers(-8, 9), 0, 99)))
                    takes += [np.zeros(int(1.5 * SAMPLE_RATE), np.float32), say(args.word, other_day)]
                pcm = np.concatenate(takes + [np.zeros(int(1.5 * SAMPLE_RATE), np.float32)])
                pcm = augment.to_int16(augment.mix(pcm, augment.noise("pink", pcm.size, rng), 35))
                sayings += [(who, pcm, a, b) for a, b in find_sayings(pcm, VadSettings())]
            progress(f"enrolling {' and '.join(v.name for v in couple)} ({len(sayings)} sayings found)")
            adapted = adapt(model, enrol(sayings, model.window, args.seed), args.word, Path(bank), args.seed)
            names = {v.name for v in couple}
            theirs = [j for j in jobs if j[2].name in names]
            with ThreadPoolExecutor(args.jobs) as pool:
                after += list(pool.map(lambda j: hear(adapted, room, j), theirs))
    names = {r["voice"] for r in after}
    synthesizer, speaking = {v.name for v in others}, {v.name for v in speakers}
    other = synthesizer | speaking
    return {"couples": [[v.name for v in c] for c in couples], "sayings_each": 4,
            "before": _figures([r for r in before if r["voice"] in names and r["voice"] not in other], args.word),
            "after": _figures([r for r in after if r["voice"] not in other], args.word),
            "another_synthesizer_before": _figures([r for r in before if r["voice"] in synthesizer], args.word),
            "another_synthesizer_after": _figures([r for r in after if r["voice"] in synthesizer], args.word),
            "other_languages_before": _figures([r for r in before if r["voice"] in speaking], args.word),
            "other_languages_after": _figures([r for r in after if r["voice"] in speaking], args.word)}


def _figures(rows: list[dict], word: str) -> dict:
    """Recall by room, and false pauses on confusables and everyday talk, of some streams."""
    pause = [r for r in rows if r["kind"] == "pause"]
    conf = [r for r in rows if r["kind"] == "confusable"]
    every = [r for r in rows if r["kind"] == "everyday"]
    hours = sum(r["seconds"] for r in every) / 3600
    recall = {}
    for room in sorted({r["room"] for r in pause}):
        words = [w for r in pause if r["room"] == room for w in r["words"]]
        recall[room] = round(sum(w["heard"] for w in words) / len(words), 3) if words else None
    return {"recall_by_room": recall, "confusable_sayings": len(conf) * len(CONFUSABLES.get(word, ())),
            "confusable_false_pauses": sum(r["stray"] for r in conf),
            "confusables_heard": sorted({t for r in conf for t in r["stray_during"]}),
            "everyday_hours": round(hours, 2), "everyday_false_pauses": sum(r["stray"] for r in every),
            "everyday_per_hour": round(sum(r["stray"] for r in every) / max(hours, 1e-9), 2)}


def plan_jobs(args) -> tuple[list[tuple], "Room"]:
    """Every stream to hear: (kind, voice group, voice, room, stream, room seed)."""
    rng = np.random.default_rng(args.seed)
    held = held_out_voices()
    family = [v for v in FAMILY_VOICES if v.name != PIPER_VOICE or piper_available()]
    rooms = ROOMS if not args.quick else ("clean", "babble10")
    if args.quick:
        held, family = held[::4], family[:2]
    room = Room(rng, Voice(PIPER_VOICE, 160) if piper_available() else Voice("en-us", 165))

    jobs = []
    for group, voices in (("held_out", held), ("family", family)):
        for v in voices:
            items = [("alone", "{w}")] + [CARRIERS[int(i)] for i in rng.choice(len(CARRIERS), 3, replace=False)]
            stream = compose(v, args.word, items, rng)
            for r in rooms:
                jobs.append(("pause", group, v, r, stream, int(rng.integers(1 << 30))))
    confusables = CONFUSABLES.get(args.word, ())
    for v in (held[::2] + family[:2]) if not args.quick else held[:1]:
        stream = compose(v, args.word, [("confusable", c) for c in confusables], rng)
        for r in ("clean", "pink15"):
            jobs.append(("confusable", "held_out" if v in held else "family", v, r, stream, int(rng.integers(1 << 30))))
    everyday_voices = held + family if not args.quick else (held + family)[:2]
    for i, v in enumerate(everyday_voices):
        texts = everyday_talk(i, len(everyday_voices), args.everyday if not args.quick else 6)
        stream = compose(v, args.word, [("everyday", t) for t in texts], rng)
        for r in (("clean", "babble10") if not args.quick else ("clean",)):
            jobs.append(("everyday", "held_out" if v in held else "family", v, r, stream, int(rng.integers(1 << 30))))
    if flite_available() and not args.quick:
        # Another synthesizer, from a recording of a Scottish man, never trained on: its own
        # generator, so the streams above are those of a run without it.
        voices = [Voice(name, speed, pitch) for name in HELD_OUT_FLITE for speed, pitch in ((150, 40), (180, 65))]
        jobs += other_synthesizer_jobs("flite_held_out", voices, args, rooms, np.random.default_rng(args.seed + 99))
    if pico_available() and not args.quick:
        # SVOX Pico's British and American women (see PICO_VOICES): a generator of their own too.
        voices = [Voice(name, speed, pitch) for name in PICO_VOICES for speed, pitch in ((150, 35), (180, 60))]
        jobs += other_synthesizer_jobs("pico_held_out", voices, args, rooms, np.random.default_rng(args.seed + 199))
    if not args.quick:
        # Speakers of other languages: a generator of their own too.
        voices = [Voice(name, speed, pitch) for name, speed, pitch in LANGUAGE_VOICES]
        assert all(v.accent in HELD_OUT_LANGUAGES for v in voices)
        jobs += other_synthesizer_jobs("languages_held_out", voices, args, rooms, np.random.default_rng(args.seed + 299))
    return jobs, room


def other_synthesizer_jobs(group: str, voices: list[Voice], args, rooms, own: np.random.Generator) -> list[tuple]:
    """The streams of voices of another synthesizer (or language): the word in every room, the confusables and
    everyday talk, drawn from their own generator ``own``."""
    confusables = CONFUSABLES.get(args.word, ())
    jobs = []
    for i, v in enumerate(voices):
        items = [("alone", "{w}")] + [CARRIERS[int(k)] for k in own.choice(len(CARRIERS), 3, replace=False)]
        stream = compose(v, args.word, items, own)
        for r in rooms:
            jobs.append(("pause", group, v, r, stream, int(own.integers(1 << 30))))
        stream = compose(v, args.word, [("confusable", c) for c in confusables], own)
        for r in ("clean", "pink15"):
            jobs.append(("confusable", group, v, r, stream, int(own.integers(1 << 30))))
        texts = everyday_talk(i, len(voices), OTHER_EVERYDAY_PER_VOICE, offset=150)
        stream = compose(v, args.word, [("everyday", t) for t in texts], own)
        for r in ("clean", "babble10"):
            jobs.append(("everyday", group, v, r, stream, int(own.integers(1 << 30))))
    return jobs


def summarize(results: list[dict], model: KeywordModel, args, train_s) -> dict:
    def recall(rows: list[dict]) -> dict:
        words = [w for r in rows for w in r["words"]]
        heard = sum(w["heard"] for w in words)
        return {"recall": round(heard / len(words), 3) if words else None, "heard": heard, "said": len(words)}

    pause = [r for r in results if r["kind"] == "pause" and r["group"] not in OTHER_GROUPS]
    by_room = {g: {room: recall([r for r in pause if r["group"] == g and r["room"] == room])
                   for room in sorted({r["room"] for r in pause})} for g in ("held_out", "family")}
    by_voice = {v: recall([r for r in pause if r["voice"] == v]) for v in sorted({r["voice"] for r in pause})}
    by_place = {p: recall([{"words": [w for w in r["words"] if w["place"] == p]} for r in pause])
                for p in ("alone", "start", "middle", "end")}
    latencies = [w["latency_s"] for r in pause for w in r["words"] if w["heard"]]
    # The voices of other synthesizers are reported on their own (another_synthesizer, pico), so
    # the totals below stay those of espeak-ng and Piper voices, as in earlier runs.
    conf = [r for r in results if r["kind"] == "confusable" and r["group"] not in OTHER_GROUPS]
    every = [r for r in results if r["kind"] == "everyday" and r["group"] not in OTHER_GROUPS]
    every_s = sum(r["seconds"] for r in every)
    cpu = sum(r["cpu_s"] for r in results)
    audio_s = sum(r["seconds"] for r in results)
    held_rooms = by_room["held_out"]
    targets = {
        "held_out_clean_recall>=0.97": (held_rooms.get("clean", {}).get("recall") or 0) >= 0.97,
        "held_out_noise_recall>=0.95": all((v["recall"] or 0) >= 0.95 for k, v in held_rooms.items() if k != "clean"),
        "confusable_false_pauses==0": sum(r["stray"] for r in conf) == 0,
        "everyday_false_per_hour<=1": sum(r["stray"] for r in every) / max(every_s / 3600, 1e-9) <= 1,
        "latency_p95<=0.35": (percentile(latencies, 95) or 9) <= 0.35,
        "latency_max<=1.0": (max(latencies) if latencies else 9) <= 1.0,
        "cpu_share_of_one_core<=0.10": cpu / audio_s <= 0.10,
    }
    return {
        "benchmark": "keywords", "word": args.word, "seed": args.seed, "train_seed": args.train_seed, "quick": args.quick,
        "masked": args.masked, "bank_random": args.bank_random,
        "model": {"file": str(args.model) if args.model else None, "train_s": train_s,
                  "threshold": model.thresholds, "meta": model.meta},
        "held_out_voices": sorted({r["voice"] for r in pause if r["group"] == "held_out"}),
        "recall_by_room": by_room, "recall_by_voice": by_voice, "recall_by_place": by_place,
        "latency_s": {"p50": percentile(latencies, 50), "p95": percentile(latencies, 95),
                      "max": round(max(latencies), 3) if latencies else None},
        "confusables": {"sayings": sum(len(CONFUSABLES.get(args.word, ())) for _ in conf),
                        "false_pauses": sum(r["stray"] for r in conf),
                        "by_room": {room: sum(r["stray"] for r in conf if r["room"] == room) for room in ("clean", "pink15")},
                        "heard_in": sorted(f"{r['voice']} {r['room']}: {t}" for r in conf for t in r["stray_during"])},
        "everyday": {"hours": round(every_s / 3600, 2), "false_pauses": sum(r["stray"] for r in every),
                     "per_hour": round(sum(r["stray"] for r in every) / max(every_s / 3600, 1e-9), 2),
                     "heard_in": sorted(f"{r['voice']} {r['room']}: {t}" for r in every for t in r["stray_during"])},
        "another_synthesizer": _figures([r for r in results if r["group"] == "flite_held_out"], args.word),
        "pico": {v: {**_figures([r for r in results if r["voice"] == v], args.word),
                     "trained_on": v in PICO_TRAINING and bool(model.meta.get("flite_members"))}
                 for v in PICO_VOICES if any(r["voice"] == v for r in results)},
        "other_languages": {**_figures([r for r in results if r["group"] == "languages_held_out"], args.word),
                            "recall_by_voice": {v: recall([r for r in results if r["kind"] == "pause" and r["voice"] == v])
                                                for v, _, _ in LANGUAGE_VOICES},
                            "held_out_of_training": True if args.model is None else "as the saved model was trained"},
        "misses": sorted(f"{r['voice']} {r['room']} {w['place']}" for r in pause for w in r["words"] if not w["heard"]),
        "cpu_share_of_one_core": round(cpu / audio_s, 4),
        "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "targets": targets, "meets_targets": all(targets.values()),
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(),
                    "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()]},
    }


if __name__ == "__main__":
    raise SystemExit(main())
