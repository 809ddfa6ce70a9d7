"""Train the knock model (voice_attune/data/knock.npz): the small network that tells a knock on
the table over someone talking from the sounds of their speech (asr/knock_model.py).

Everything is made in code and seeded, so the same command gives the same file:
- six-second scenes: quiet hiss; speech of one or two talkers at 300-6000 RMS: espeak-ng voices
  of the trained accents only (the British, Scottish, Caribbean and West Midlands accents and
  four variants are kept back for benchmarks), Piper at three speeds and three of Flite's
  voices (never awb, nor Festival's: the benchmarks' voices of other synthesizers), whose
  voiced sounds start far more abruptly than espeak-ng's; knocks of the wide family
  (``roomsounds.varied_knock``), single and double, at 5000-28000 peak; kitchen sounds, claps
  inside speech, noise, reverberation;
- every sharp start the detector judges becomes an example: a knock if it lies from 8 ms before
  a knock's start, ignored within the knock's own ring, not a knock elsewhere;
- the network (asr/kws_model.fit) learns on the training scenes; its threshold is the lowest
  score at which the validation scenes (other voices, other seed) hold at most
  ``--false-per-hour`` knock-like sharp starts per hour that are not knocks. Two of those must
  then fall 0.15-0.6 s apart to pause a session.

    python scripts/train_knock.py            # about 5 minutes here; writes the package's model
    python scripts/train_knock.py --scenes 40 --out /tmp/knock.npz   # a quick look

It prints JSON: examples, validation recall of single knocks over speech by level, threshold.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from voice_attune import FRAME_SAMPLES, SAMPLE_RATE  # noqa: E402
from voice_attune.asr.knock import KnockDetector  # noqa: E402
from voice_attune.asr.knock_model import KnockModel, packaged_path  # noqa: E402
from voice_attune.asr.kws_model import fit, network  # noqa: E402
from voice_attune.config import Config  # noqa: E402
from voice_attune.keywords.augment import convolve, noise, room_response, speech_rms  # noqa: E402
from voice_attune.keywords.measure import say  # noqa: E402
from voice_attune.keywords.neighbours import random_sentences  # noqa: E402
from voice_attune.keywords.prompts import library_prompts  # noqa: E402
from voice_attune.keywords.voices import training_voices  # noqa: E402
from voice_attune.synthetic import roomsounds  # noqa: E402

SCENE_S = 6.0
NEAR_S = (-0.008, 0.02)
"""A sharp start this close to a knock's start (before, after) is that knock."""
RING_S = 0.15
"""Sharp starts this long after a knock's start are its own ring: neither knock nor not."""
KITCHEN = [roomsounds.cup, roomsounds.cutlery, roomsounds.chair, roomsounds.door]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def speech_pool(seed: int, count: int) -> list[np.ndarray]:
    """``count`` clips of speech at unit speech RMS, in voices of the trained accents, Piper's
    and Flite's."""
    rng = np.random.default_rng(seed)
    # Never Pico's voice, which joined the word networks' voices after the shipped knock model
    # was made: the talkers are the 21 it learnt from.
    voices = training_voices(rng, 3, (130, 165, 200), hold_out=True, flite=2, pico=False)
    texts = random_sentences(rng, count // 2) + [
        t for t in library_prompts(Config(), "pineapple") if len(t) > 20][: count - count // 2]
    clips = []
    for i, text in enumerate(texts):
        x = say(text, voices[i % len(voices)])
        if x.size > SAMPLE_RATE // 2:
            clips.append(x / (speech_rms(x) or 1.0))
    return clips


def scene(rng: np.random.Generator, speech: list[np.ndarray]) -> tuple[np.ndarray, list[float], float]:
    """Audio, the start of every knock in it, and the level of the speech (0: none)."""
    n = int(SCENE_S * SAMPLE_RATE)
    audio = noise(str(rng.choice(["pink", "brown", "white"])), n, rng) * float(rng.uniform(1, 30))
    level = 0.0
    if rng.random() < 0.8:
        level = float(np.exp(rng.uniform(np.log(300), np.log(6000))))
        for talker in range(1 + int(rng.random() < 0.15)):
            said = np.concatenate([speech[int(rng.integers(len(speech)))] for _ in range(3)]) * level * (0.5 if talker else 1.0)
            if rng.random() < 0.15:
                roomsounds.place(said, roomsounds.claps(rng, int(rng.integers(2, 4)), float(rng.uniform(4000, 12000))),
                                 float(rng.uniform(0, 2.0)))
            roomsounds.place(audio, said, float(rng.uniform(0, 1.0)))
    if rng.random() < 0.2:
        audio += noise(str(rng.choice(["pink", "brown"])), n, rng) * float(rng.uniform(100, 600))
    for _ in range(int(rng.integers(0, 2))):
        roomsounds.place(audio, KITCHEN[int(rng.integers(len(KITCHEN)))](rng), float(rng.uniform(0.3, 5.0)))
    starts: list[float] = []
    if rng.random() < 0.75:
        peak = float(np.exp(rng.uniform(np.log(5000), np.log(28000))))
        at = float(rng.uniform(0.4, 5.0))
        if rng.random() < 0.75:
            pair, second = roomsounds.double_knock(rng, peak=peak, shape=roomsounds.varied_knock)
            roomsounds.place(audio, pair, at)
            starts += [at, at + second]
        else:
            roomsounds.place(audio, roomsounds.varied_knock(rng, peak), at)
            starts.append(at)
    if rng.random() < 0.3:
        audio = convolve(audio, room_response(rng, float(rng.uniform(150, 500))))[:n]
    return audio, starts, level


def examples(args: tuple[int, int, list[np.ndarray]]) -> tuple[list[np.ndarray], list[int], list[float]]:
    """The described sharp starts of ``count`` scenes from ``seed``: numbers, labels (the
    knock's number, or -1 for none) and speech levels."""
    seed, count, speech = args
    rng = np.random.default_rng(seed)
    xs: list[np.ndarray] = []
    ys: list[int] = []
    levels: list[float] = []
    for number in range(count):
        audio, starts, level = scene(rng, speech)
        seen: list[tuple[float, np.ndarray]] = []
        detector = KnockDetector(rules_only=True, observe=lambda t, numbers: seen.append((t, numbers)))
        pcm = np.clip(np.round(audio), -32768, 32767).astype(np.int16)
        for i in range(0, pcm.size - FRAME_SAMPLES + 1, FRAME_SAMPLES):
            detector.feed(pcm[i:i + FRAME_SAMPLES].tobytes(), i / SAMPLE_RATE)
        for t, numbers in seen:
            offsets = [t - s for s in starts]
            near = [k for k, o in enumerate(offsets) if NEAR_S[0] <= o <= NEAR_S[1]]
            if near:
                label = (seed * 1000 + number) * 2 + near[0]
            elif any(-0.02 < o < RING_S for o in offsets):
                continue
            else:
                label = -1
            xs.append(numbers)
            ys.append(label)
            levels.append(level)
    return xs, ys, levels


def gather(seed: int, scenes: int, speech: list[np.ndarray], workers: int, what: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    per = max(scenes // (4 * workers), 1)
    jobs = [(seed * 1000 + k, min(per, scenes - k * per), speech) for k in range((scenes + per - 1) // per)]
    xs, ys, levels = [], [], []
    started = time.time()
    with ProcessPoolExecutor(workers) as pool:
        for done, (x, y, lv) in enumerate(pool.map(examples, jobs), 1):
            xs += x
            ys += y
            levels += lv
            log(f"{what}: {done}/{len(jobs)} batches of scenes ({time.time() - started:.0f} s)")
    return np.asarray(xs, np.float32), np.asarray(ys, np.int64), np.asarray(levels, np.float32)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenes", type=int, default=7200, help="training scenes of 6 s (default 7200)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--false-per-hour", type=float, default=30.0,
                        help="knock-like sharp starts an hour in the validation scenes that are not knocks (default 30)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--hidden", type=int, default=64, help="units in each hidden layer (default 64)")
    parser.add_argument("--talk", type=int, default=160,
                        help="sentences of the training talkers (default 160; validation: 3/8 of it)")
    parser.add_argument("--out", type=Path, default=packaged_path())
    args = parser.parse_args()
    started = time.time()
    log("speech: synthesizing the training and validation talkers")
    train_speech = speech_pool(args.seed, args.talk)
    val_speech = speech_pool(args.seed + 7, max(args.talk * 3 // 8, 4))
    x, knocks, _ = gather(args.seed + 1, args.scenes, train_speech, args.workers, "training scenes")
    vx, vknocks, vlevel = gather(args.seed + 2, max(args.scenes // 4, 10), val_speech, args.workers, "validation scenes")
    y, vy = (knocks >= 0).astype(np.float32), (vknocks >= 0).astype(np.float32)
    weight = np.where(y == 1, (y == 0).sum() / max((y == 1).sum(), 1), 1.0).astype(np.float32)
    log(f"network: {int(y.sum())} starts of knocks and {int((y == 0).sum())} other sharp starts")
    weights = fit(x, y[:, None], weight, seed=args.seed, hidden=args.hidden, epochs=40,
                  progress=lambda share: log(f"network: {share:.0%}") if round(share * 40) % 10 == 0 else None)
    scores = network(weights, vx)[:, 0]
    hours = max(args.scenes // 4, 10) * SCENE_S / 3600
    others = np.sort(scores[vy == 0])[::-1]
    allowed = int(args.false_per_hour * hours)
    threshold = float(min(max(others[allowed] if allowed < others.size else 0.5, 0.5), 0.999))
    heard = scores >= threshold
    by_level = {}
    for name, lo, hi in (("quiet", 0, 1), ("talk 300-1000", 1, 1000), ("talk 1000-2500", 1000, 2500), ("talk 2500-6000", 2500, 6001)):
        pick = (vy == 1) & (vlevel >= lo) & (vlevel < hi)
        knocks_heard = {int(k): False for k in vknocks[pick]}
        for k in vknocks[pick & heard]:
            knocks_heard[int(k)] = True
        by_level[name] = round(sum(knocks_heard.values()) / len(knocks_heard), 3) if knocks_heard else None
    meta = {"seed": args.seed, "scenes": args.scenes, "examples": int(y.size), "knocks": len(set(knocks[knocks >= 0].tolist())),
            "validation_single_knock_recall": by_level,
            "validation_false_per_hour": round(float(heard[vy == 0].sum() / hours), 1)}
    KnockModel(weights, threshold, meta).save(args.out)
    print(json.dumps({**meta, "threshold": round(threshold, 4), "out": str(args.out),
                      "seconds": round(time.time() - started)}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
