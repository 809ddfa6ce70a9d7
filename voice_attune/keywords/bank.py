"""The everyday-sound bank: speech embeddings of talk, the guide's prompts and noise without any
keyword in them, shared by every keyword trained on this machine.

It is made from synthetic speech only (never the couple's), seeded, and kept in the data folder
so that the second word trains in half the time. Each stretch keeps the words it holds, so a
keyword's training can leave out any stretch that says it.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from voice_attune import SAMPLE_RATE
from voice_attune.keywords import augment
from voice_attune.keywords.rooms import Sources, apply_room
from voice_attune.keywords.voices import Voice
from voice_attune.privatefiles import write_private

VERSION = 1

Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class Stretch:
    """Embeddings (n, 96) of one stretch of sound, and the words said in it ("" for noise)."""

    text: str
    embeddings: np.ndarray


def bank_file(folder: Path, recipe: str) -> Path:
    """The bank made by ``recipe`` (what was asked for: sizes, seed), kept under its hash."""
    return folder / f"bank-v{VERSION}-{hashlib.sha1(recipe.encode()).hexdigest()[:12]}.npz"


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
) -> list[tuple[str, np.ndarray]]:
    """The bank's sounds before embedding: (text, float32 audio) pairs."""
    out: list[tuple[str, np.ndarray]] = []
    order = rng.permutation(len(sentences))
    for k in range(0, len(order) - 1, 2):
        voice = voices[int(rng.integers(len(voices)))]
        pair = [sentences[order[k]], sentences[order[k + 1]]]
        gap = np.zeros(int(rng.uniform(0.2, 0.9) * SAMPLE_RATE), np.float32)
        audio = np.concatenate([gap, speak(pair[0], voice), gap, speak(pair[1], voice), gap])
        out.append((" ".join(pair), apply_room(audio, rng, sources)))
    for text in prompts:
        voice = guide_voices[int(rng.integers(len(guide_voices)))]
        audio = np.concatenate([np.zeros(4000, np.float32), speak(text, voice), np.zeros(4000, np.float32)])
        out.append((text, apply_room(audio, rng, Sources(sources.talkers, []), clean_share=0.5)))
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
        out.append(("", augment.clip(sound)))
        left -= n / SAMPLE_RATE
    return out
