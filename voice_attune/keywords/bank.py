"""The everyday-sound bank: speech embeddings of talk, the guide's prompts and noise without any
keyword in them, shared by every keyword trained on this machine.

It is made from synthetic speech only (never the couple's), seeded, and kept in the data folder
so that the second word trains in half the time. Each stretch keeps the words it holds, so a
keyword's training can leave out any stretch that says it.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from voice_attune import SAMPLE_RATE
from voice_attune.asr.kws_features import FrontEnd
from voice_attune.asr.level_gate import GateSettings
from voice_attune.keywords import augment
from voice_attune.keywords.rooms import Sources, apply_room
from voice_attune.keywords.voices import Voice
from voice_attune.privatefiles import write_private
from voice_attune.text import normalize

VERSION = 3

Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class Stretch:
    """Embeddings (n, 96) of one stretch of sound, and the words said in it ("" for noise)."""

    text: str
    embeddings: np.ndarray


def says(stretch: Stretch, phrase: str) -> bool:
    """Whether ``stretch`` says ``phrase`` (normalized) in passing ("no" in "no, I'm fine"; not
    "know"): such a stretch is not talk without the phrase."""
    return re.search(rf"\b{re.escape(phrase)}s?\b", normalize(stretch.text)) is not None


def embedder(gate: GateSettings | None = None) -> Callable[[np.ndarray], np.ndarray]:
    """A function that embeds a clip with a front end of the calling thread's own (``sounds``'
    ``finish``, run on its two threads), through a level gate of ``gate`` if any."""
    local = threading.local()

    def embed(audio: np.ndarray) -> np.ndarray:
        if not hasattr(local, "front"):
            local.front = FrontEnd()
        return local.front.embed_clip(audio, gate)

    return embed


def bank_file(folder: Path, recipe: str, gated: bool = False) -> Path:
    """The bank made by ``recipe`` (what was asked for: sizes, seed), kept under its hash; one
    heard through a level gate under a name of its own, which no other training takes up."""
    return folder / f"{'gated-' if gated else ''}bank-v{VERSION}-{hashlib.sha1(recipe.encode()).hexdigest()[:12]}.npz"


def load(path: Path) -> list[Stretch] | None:
    """The bank in ``path``, or None when it is missing or damaged (it is then made again)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            texts = json.loads(bytes(data["texts"]).decode())
            flat, lengths = data["embeddings"], data["lengths"]
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, UnicodeDecodeError, EOFError):
        return None
    if len(texts) != len(lengths) or int(lengths.sum()) != flat.shape[0]:
        return None
    out, at = [], 0
    for text, n in zip(texts, lengths):
        out.append(Stretch(text, flat[at : at + int(n)].astype(np.float32)))
        at += int(n)
    return out


def save(path: Path, stretches: list[Stretch]) -> None:
    write_private(path, lambda out: np.savez(
        out,
        texts=np.frombuffer(json.dumps([s.text for s in stretches]).encode(), np.uint8),
        lengths=np.array([s.embeddings.shape[0] for s in stretches], np.int64),
        embeddings=np.concatenate([s.embeddings for s in stretches]).astype(np.float16),
    ))


def sounds(
    rng: np.random.Generator,
    voices: list[Voice],
    sentences: list[str],
    prompts: list[str],
    guide_voices: list[Voice],
    sources: Sources,
    speak: Callable[[str, Voice], np.ndarray],
    noise_seconds: float,
    finish: Callable[[np.ndarray], np.ndarray] = lambda audio: audio,
    progress: Callable[[float], None] = lambda fraction: None,
) -> list[tuple[str, np.ndarray]]:
    """The bank's sounds: (text, ``finish(float32 audio)``) pairs. ``finish`` (embedding them)
    runs on the same two threads as the speaking, so Piper's turns overlap the embedding."""
    out: list[tuple[str, np.ndarray]] = []
    order = rng.permutation(len(sentences))
    plans = []  # (texts, voice, gap, room seed, room sources, clean share)
    for k in range(0, len(order) - 1, 2):
        voice = voices[int(rng.integers(len(voices)))]
        gap = int(rng.uniform(0.2, 0.9) * SAMPLE_RATE)
        plans.append(([sentences[order[k]], sentences[order[k + 1]]], voice, gap, int(rng.integers(1 << 31)),
                      sources, 0.25))
    for text in prompts:
        voice = guide_voices[int(rng.integers(len(guide_voices)))]
        plans.append(([text], voice, 4000, int(rng.integers(1 << 31)), Sources(sources.talkers, []), 0.5))

    def make(plan) -> tuple[str, np.ndarray]:
        texts, voice, gap_samples, seed, room_sources, clean_share = plan
        gap = np.zeros(gap_samples, np.float32)
        parts = [gap]
        for text in texts:
            parts += [speak(text, voice), gap]
        room = np.random.default_rng(seed)  # its own, so the threads' order does not matter
        heard = finish(apply_room(np.concatenate(parts), room, room_sources, clean_share=clean_share))
        with lock:
            done[0] += 1
            progress(done[0] / len(plans))
        return " ".join(texts), heard

    done, lock = [0], threading.Lock()
    # Two at once keep both cores busy (espeak-ng runs as its own process; Piper's calls take turns).
    with ThreadPoolExecutor(2) as pool:
        out += pool.map(make, plans)
    left = noise_seconds
    while left > 0:
        n = int(min(left, 6.0) * SAMPLE_RATE)
        kind = rng.choice(["white", "pink", "brown", "babble", "silence"])
        if kind == "babble" and sources.talkers:
            picks = rng.choice(len(sources.talkers), size=min(4, len(sources.talkers)), replace=False)
            sound = augment.babble([sources.talkers[i] for i in picks], n, rng) * 1500.0
        elif kind == "silence":
            sound = augment.noise("pink", n, rng) * float(rng.uniform(2, 30))
        else:
            sound = augment.noise(str(kind), n, rng) * float(rng.uniform(30, 3000))
        out.append(("", finish(augment.clip(sound))))
        left -= n / SAMPLE_RATE
    return out
