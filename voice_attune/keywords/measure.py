"""Measuring a keyword model as a couple would meet it: the word said in sentences by voices,
in rooms, beside everyday talk and sayings that sound like it.

Used by scripts/bench_keywords.py (the benchmark, on voices and rooms training never met) and
by ``voice-attune check-word`` (a quick measure of the couple's own model). The sentences here
are not the training ones (keywords/texts.py).
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from voice_attune import SAMPLE_RATE
from voice_attune.asr.frames import frames_from_array
from voice_attune.asr.keywords import KeywordDetector, LoadedModel
from voice_attune.asr.kws_features import FrontEnd
from voice_attune.asr.kws_model import KeywordModel
from voice_attune.keywords import augment
from voice_attune.keywords.talk import EVERYDAY, everyday_talk  # noqa: F401 (EVERYDAY: the benchmarks import it from here)
from voice_attune.keywords.voices import Voice, held_out_voices
from voice_attune.synthetic import shoebox
from voice_attune.synthetic.speech import PIPER_VOICE, synthesize

HIT_AFTER_S = 1.0
"""A decision up to this long after a saying's end still belongs to it."""

CARRIERS = (
    ("start", "{w}, I'm getting too upset to keep talking."),
    ("start", "{w}, my chest feels tight right now."),
    ("start", "{w}, give me a minute to breathe."),
    ("middle", "When you bring up my mother, {w}, I shut down."),
    ("middle", "I hear you, but {w}, I need some air."),
    ("middle", "Hold that thought, {w}, I'm about to cry."),
    ("end", "I can feel myself getting defensive, {w}."),
    ("end", "This is bringing back the argument from Sunday, {w}."),
    ("end", "I'm too tired to be fair right now, {w}."),
)
CONFUSABLES = {
    "pineapple": (
        "apple pie", "pine needles", "happen", "pie and apple", "happy", "pinecone", "nine apples",
        "pine table", "spine", "a pile of apples", "fine apple", "pinup", "the apple", "pint of ale",
        "I baked an apple pie for your parents.", "The pine needles clogged the gutter again.",
        "Tell me what happened with your boss.", "I'm happy when we cook together.",
        "The kids brought home a pinecone from the park.", "I bought nine apples at the market.",
        "My spine aches after the long drive.", "Could you pass me a pint of apple juice?",
    ),
}
"""Sayings that sound partly like the pause word (for other words: its own parts)."""

ROOMS = ("clean", "pink15", "brown10", "babble10", "talker15", "reverb_echo", "far")
FAMILY_VOICES = (Voice("en-us", 160), Voice("en-us+f3", 150, 60), Voice("en-us-nyc+m3", 170), Voice(PIPER_VOICE, 150),
                 Voice("en-gb-x-rp+f2", 155, 45), Voice("en-gb-x-gbclan+klatt", 165))
"""Voices of the families training met (with other variants, speeds and pitches)."""

def say(text: str, voice: Voice) -> np.ndarray:
    pcm = synthesize(voice.words(text), voice.name, voice.speed, voice.pitch).astype(np.float32)
    loud = np.flatnonzero(np.abs(pcm) > 200)
    return pcm[loud[0] : loud[-1] + 1] if loud.size else pcm[:0]


@dataclass
class Stream:
    audio: np.ndarray
    words: list[tuple[float, float, str]]
    """(start, end, place) of each pause word."""
    items: list[tuple[float, float, str]]
    """(start, end, text) of each saying."""
    seconds_without: float
    """Audio seconds that hold no pause word."""


def compose(voice: Voice, word: str, items: list[tuple[str, str]], rng: np.random.Generator) -> Stream:
    """Sayings one after another with 1-3 s of quiet between; items are (place, text) where a
    "{w}" in the text is the pause word, said as its own piece so its times are exact."""
    parts: list[np.ndarray] = []
    words = []
    at = 0

    def add(x: np.ndarray) -> None:
        nonlocal at
        parts.append(x)
        at += x.size

    add(np.zeros(int(1.0 * SAMPLE_RATE), np.float32))
    spans = []
    for place, text in items:
        item_start = at
        pieces = text.split("{w}")
        for k, piece in enumerate(pieces):
            if piece.strip(" ,."):
                add(say(piece.strip(" ,"), voice))
            if k < len(pieces) - 1:
                if piece.strip(" ,."):
                    add(np.zeros(int(rng.uniform(0.0, 0.12) * SAMPLE_RATE), np.float32))
                start = at
                add(say(word, voice))
                words.append((start / SAMPLE_RATE, at / SAMPLE_RATE, place))
                if pieces[k + 1].strip(" ,."):
                    add(np.zeros(int(rng.uniform(0.0, 0.12) * SAMPLE_RATE), np.float32))
        spans.append((item_start / SAMPLE_RATE, at / SAMPLE_RATE, text.replace("{w}", word)))
        add(np.zeros(int(rng.uniform(1.0, 3.0) * SAMPLE_RATE), np.float32))
    audio = np.concatenate(parts)
    spoken = sum(e - s for s, e, _ in words)
    return Stream(audio, words, spans, audio.size / SAMPLE_RATE - spoken)


class Room:
    """The rooms of the benchmark, made from its own sentences in held-out and family voices."""

    def __init__(self, rng: np.random.Generator, guide: Voice):
        others = held_out_voices()[::2] + list(FAMILY_VOICES[:3])
        self.talkers = [np.concatenate([say(EVERYDAY[(7 * i + k) % len(EVERYDAY)], others[i % len(others)])
                                        for k in range(4)]) for i in range(8)]
        self.guide = np.concatenate([say(t, guide) for t in (
            "Sam, the floor is yours again, with about a minute left.",
            "Take a slow breath in, and let it go.",
            "Alex, what did you hear Sam say?")])

    def apply(self, audio: np.ndarray, room: str, rng: np.random.Generator) -> np.ndarray:
        if room == "clean":
            return audio
        if room == "pink15":
            return augment.clip(augment.mix(audio, augment.noise("pink", audio.size, rng), 15))
        if room == "brown10":
            return augment.clip(augment.mix(audio, augment.noise("brown", audio.size, rng), 10))
        if room == "babble10":
            picks = rng.choice(len(self.talkers), 4, replace=False)
            return augment.clip(augment.mix(audio, augment.babble([self.talkers[i] for i in picks], audio.size, rng), 10))
        if room == "talker15":
            one = self.talkers[int(rng.integers(len(self.talkers)))]
            return augment.clip(augment.mix(audio, augment.babble([one], audio.size, rng), 15))
        if room == "reverb_echo":
            wet = augment.convolve(audio, augment.room_response(rng, 500.0))
            echo = augment.convolve(augment.babble([self.guide], audio.size, rng),
                                    augment.room_response(rng, 300.0, 30.0))
            return augment.clip(augment.mix(wet, echo, 6))
        if room == "far":
            return augment.clip(shoebox.through(audio, rng))
        raise ValueError(room)


_local = threading.local()


def detect(model: KeywordModel, audio: np.ndarray) -> tuple[list[tuple[float, float]], float]:
    """(decision time, estimated word end) of every pause heard, and the CPU seconds it took."""
    if not hasattr(_local, "front"):
        _local.front = FrontEnd()
    detector = KeywordDetector([LoadedModel(model, "pause")], _local.front)
    pcm = augment.to_int16(audio)
    start = time.thread_time()
    hits = []
    for frame in frames_from_array(pcm):
        hits += [(h.t, h.word_end) for h in detector.feed(frame)]
    return hits, time.thread_time() - start


def score_stream(stream: Stream, hits: list[tuple[float, float]]) -> tuple[list[dict], list[str]]:
    """Per pause word: heard or not and the latency; and what was being said at each hit
    that matches no word."""
    used = set()
    out = []
    for start, end, place in stream.words:
        found = [i for i, (t, _) in enumerate(hits) if start <= t <= end + HIT_AFTER_S and i not in used]
        if found:
            used.add(found[0])
        out.append({"place": place, "heard": bool(found),
                    "latency_s": round(hits[found[0]][0] - end, 3) if found else None})
    stray = []
    for i, (t, _) in enumerate(hits):
        if i not in used:
            during = [text for s, e, text in stream.items if s <= t <= e + HIT_AFTER_S]
            stray.append(during[-1] if during else "(quiet)")
    return out, stray




CHECK_FAMILIES: dict[str, tuple[Voice, ...]] = {
    "American": (Voice("en-us+f2", 155, 55), Voice("en-us-nyc+m4", 170, 45)),
    "British, Scottish, Caribbean": (Voice("en-gb-scotland+f1", 150, 50), Voice("en-029+m2", 160, 40),
                                     Voice("en-gb-x-rp+m5", 145, 55), Voice("en-gb-x-gbcwmd+f3", 150, 60)),
    "Piper": (Voice(PIPER_VOICE, 150),),
}
"""The voice families check-word measures a model with (Piper only where installed)."""
CHECK_ROOMS = ("clean", "pink15", "babble10")


def check_model(model: KeywordModel, word: str, piper: bool, confusables: list[str],
                progress=None, seed: int = 101, workers: int = 2) -> dict:
    """A quick measure of ``model`` for ``word``: recall by voice family and by room, false pauses
    in everyday talk and on ``confusables``, the latency, and a verdict. ``progress(done, total,
    what)`` hears each stream."""
    rng = np.random.default_rng(seed)
    families = {f: vs for f, vs in CHECK_FAMILIES.items() if piper or f != "Piper"}
    room = Room(rng, Voice(PIPER_VOICE, 160) if piper else Voice("en-us", 165))
    jobs = []
    for family, voices in families.items():
        for v in voices:
            items = [("alone", "{w}")] + [CARRIERS[int(i)] for i in rng.choice(len(CARRIERS), 2, replace=False)]
            stream = compose(v, word, items, rng)
            jobs += [("pause", family, r, stream, int(rng.integers(1 << 30))) for r in CHECK_ROOMS]
            texts = [EVERYDAY[int(i)] for i in rng.choice(len(EVERYDAY), 5, replace=False)]
            stream = compose(v, word, [("everyday", t) for t in texts], rng)
            jobs += [("everyday", family, r, stream, int(rng.integers(1 << 30))) for r in ("clean", "babble10")]
    speakers = [vs[0] for vs in families.values()][:2]
    for v in speakers:
        stream = compose(v, word, [("confusable", c) for c in confusables], rng)
        jobs.append(("confusable", "", "clean", stream, int(rng.integers(1 << 30))))
    done = [0]
    lock = threading.Lock()

    def run(job):
        kind, family, r, stream, room_seed = job
        hits, _ = detect(model, room.apply(stream.audio, r, np.random.default_rng(room_seed)))
        words, stray = score_stream(stream, hits)
        with lock:
            done[0] += 1
            if progress is not None:
                progress(done[0], len(jobs), f"{kind} ({family or 'sounds alike'}, {r})")
        return kind, family, r, stream, words, stray

    with ThreadPoolExecutor(max(1, workers)) as pool:
        results = list(pool.map(run, jobs))
    return _check_report(results, families)


def _check_report(results: list[tuple], families: dict) -> dict:
    def recall(rows) -> dict:
        words = [w for *_, ws, _ in rows for w in ws]
        heard = sum(w["heard"] for w in words)
        return {"recall": round(heard / len(words), 3) if words else None, "heard": heard, "said": len(words)}

    pause = [r for r in results if r[0] == "pause"]
    everyday = [r for r in results if r[0] == "everyday"]
    confusable = [r for r in results if r[0] == "confusable"]
    minutes = sum(r[3].audio.size for r in everyday) / SAMPLE_RATE / 60
    false_everyday = sum(len(r[5]) for r in everyday)
    false_confusable = sum(len(r[5]) for r in confusable)
    overall = recall(pause)
    latencies = [w["latency_s"] for *_, ws, _ in pause for w in ws if w["heard"]]
    rate = overall["recall"] or 0.0
    if rate < 0.7 or false_everyday >= 2 or false_confusable >= 3:
        verdict = "poor"
    elif rate >= 0.9 and false_everyday == 0 and false_confusable == 0:
        verdict = "good"
    else:
        verdict = "usable"
    return {
        "recall": overall,
        "recall_by_family": {f: recall([r for r in pause if r[1] == f]) for f in families},
        "recall_by_room": {room: recall([r for r in pause if r[2] == room]) for room in CHECK_ROOMS},
        "latency_s_median": round(float(np.median(latencies)), 3) if latencies else None,
        "everyday": {"minutes": round(minutes, 1), "false_pauses": false_everyday,
                     "per_hour": round(false_everyday / max(minutes / 60, 1e-9), 1),
                     "heard_in": sorted({t for r in everyday for t in r[5]})},
        "confusables": {"sayings": sum(len(r[3].items) for r in confusable), "false_pauses": false_confusable,
                        "heard_in": sorted({t for r in confusable for t in r[5]})},
        "verdict": verdict,
    }
