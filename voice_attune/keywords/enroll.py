"""Enrolment: each partner says the pause word a few times, and its model adapts to their voices.

Only speech embeddings are kept (features of 80 ms steps, from which no audio can be played
back), never the recordings. The adapted model goes on from the trained one with a few gentle
passes over the partners' sayings, synthetic sayings (so other voices are not forgotten) and the
everyday-sound bank (so nothing else starts to sound like the word).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from voice_attune import SAMPLE_RATE
from voice_attune.asr.frames import frames_from_array
from voice_attune.asr.kws_model import KeywordModel, fit
from voice_attune.asr.vad import SpeechGate
from voice_attune.config import VadSettings
from voice_attune.keywords.rooms import Sources, apply_room
from voice_attune.keywords.texts import EVERYDAY
from voice_attune.asr.kws_model import held_peaks
from voice_attune.keywords.train import (CONTEXT_S, FULL, Budget, Clip, Dataset, _speak, build_data,
                                         clip_windows, embed_all, windows_of)
from voice_attune.keywords.voices import Voice
from voice_attune.privatefiles import write_private

Progress = Callable[[str, float], None]
ROOMS_PER_SAYING = 6
PIECE_ROOMS = 2
PIECE_CUT = 0.45
"""Where a saying is cut into its start and its end, as a share of its length."""
PIECE_WEIGHT = 6.0
"""Weight of each piece's windows (a saying's own windows weigh 2). Measured with
`scripts/bench_keywords.py --enroll` at 0, 2, 4 and 6: 6 let the fewest sound-alikes through."""
ENROLLED_GATE = 0.7
"""The adapted model answers only where the trained one scores at least this: the partners'
voices pull the boundary towards them, and sound-alikes said in those voices ("fine apple")
would come along; the trained model still refuses those. Measured with `scripts/bench_keywords.py
--enroll` (docs/benchmarks.md, "Speakers of other languages"): at 0.5, 34 of 440 confusable
sayings of the enrolled voices paused (9 before enrolling); at 0.7, 23; at 0.8, 18; of their
264 sayings of the word, 0.7 heard 4 fewer than 0.5 and 0.8 heard 7 fewer (3 and 6 of them
Flite's voice's)."""


@dataclass
class Enrolment:
    """The partners' sayings as positive windows (n, window, 96), and whose each is; and pieces
    of their sayings (the start alone, the end alone) as windows that are not the word."""

    windows: np.ndarray
    partners: list[str]
    sayings: dict[str, int]
    pieces: np.ndarray | None = None

    def save(self, path: Path) -> None:
        pieces = self.pieces if self.pieces is not None else np.zeros((0,) + self.windows.shape[1:], np.float32)
        write_private(path, lambda out: np.savez(
            out, windows=self.windows.astype(np.float16), pieces=pieces.astype(np.float16),
            partners=np.frombuffer(json.dumps(self.partners).encode(), np.uint8),
            sayings=np.frombuffer(json.dumps(self.sayings).encode(), np.uint8)))

    @classmethod
    def load(cls, path: Path) -> "Enrolment | None":
        try:
            with np.load(path, allow_pickle=False) as data:
                return cls(data["windows"].astype(np.float32), json.loads(bytes(data["partners"]).decode()),
                           json.loads(bytes(data["sayings"]).decode()),
                           data["pieces"].astype(np.float32) if "pieces" in data.files else None)
        except (OSError, ValueError, KeyError, EOFError, UnicodeDecodeError):
            return None

    def merged(self, other: "Enrolment") -> "Enrolment":
        sayings = dict(self.sayings)
        for who, n in other.sayings.items():
            sayings[who] = sayings.get(who, 0) + n
        pieces = [p for p in (self.pieces, other.pieces) if p is not None]
        return Enrolment(np.concatenate([self.windows, other.windows]), self.partners + other.partners, sayings,
                         np.concatenate(pieces) if pieces else None)


def find_sayings(pcm: np.ndarray, vad: VadSettings) -> list[tuple[int, int]]:
    """(start, end) samples of each stretch of speech in a recording (the voice-activity gate)."""
    gate = SpeechGate(vad)
    found, now = [], 0.0
    for frame in frames_from_array(pcm):
        change = gate.update(frame)
        now = frame.end
        if change is not None and not change.started:
            found.append((change.onset, change.offset or now))
    change = gate.close(now)
    if change is not None:
        found.append((change.onset, change.offset or now))
    return [(int(a * SAMPLE_RATE), int(b * SAMPLE_RATE)) for a, b in found if b - a >= 0.2]


def talkers(rng: np.random.Generator) -> Sources:
    voices = ["en-us+f2", "en-gb+m3", "en-029+f4", "en-us-nyc"]
    return Sources([np.concatenate([_speak(EVERYDAY[(5 * i + k) % len(EVERYDAY)], Voice(v, 160)) for k in range(3)])
                    for i, v in enumerate(voices)], [])


def enrol(sayings: list[tuple[str, np.ndarray, int, int]], window: int, seed: int = 0) -> Enrolment:
    """Positive windows from (partner, recording, start, end) sayings, each also heard in a few
    random rooms."""
    rng = np.random.default_rng(seed)
    sources = talkers(rng)
    clips, owners, pieces = [], [], []
    for who, pcm, start, end in sayings:
        base = _saying_clip(pcm, start, end)
        for k in range(ROOMS_PER_SAYING + 1):
            heard = base.audio if k == 0 else apply_room(base.audio, rng, sources)
            clips.append(Clip(heard, 0, None, base.phrase_start, base.phrase_end))
            owners.append(who)
        for piece in _pieces(base):
            for k in range(PIECE_ROOMS + 1):
                pieces.append(piece if k == 0 else apply_room(piece, rng, sources))
    windows, partners = [], []
    for clip, who in zip(clips, owners):
        positive = _positive_windows(clip, window)
        windows.append(positive)
        partners += [who] * positive.shape[0]
    counts: dict[str, int] = {}
    for who, *_ in sayings:
        counts[who] = counts.get(who, 0) + 1
    refused = [windows_of(e, window, range(e.shape[0])) for e in embed_all(pieces, lambda f: None, workers=1)]
    return Enrolment(np.concatenate(windows), partners, counts, np.concatenate(refused))


def _pieces(saying: Clip) -> list[np.ndarray]:
    """The saying's start alone and its end alone ("pine", "apple"), silence in place of the rest:
    the partner's own voice saying part of the word, which is not the word."""
    a, b = saying.phrase_start, saying.phrase_end
    cut = a + int(PIECE_CUT * (b - a))
    head, tail = saying.audio.copy(), saying.audio.copy()
    head[cut:] = 0.0
    tail[a:cut] = 0.0
    return [head, tail]


def _saying_clip(pcm: np.ndarray, start: int, end: int) -> Clip:
    """One saying cut from a recording, with as much before it as a training clip has."""
    keep_from = max(0, end - int(CONTEXT_S * SAMPLE_RATE))
    piece = pcm[keep_from : end + int(0.5 * SAMPLE_RATE)].astype(np.float32)
    lead = int(CONTEXT_S * SAMPLE_RATE) - (end - keep_from)
    audio = np.concatenate([np.zeros(lead, np.float32), piece])
    return Clip(audio, 0, None, max(0, start - keep_from + lead), end - keep_from + lead)


def _positive_windows(clip: Clip, window: int) -> np.ndarray:
    if clip.embeddings is None:
        clip.embeddings = embed_all([clip.audio], lambda f: None, workers=1)[0]
    data = Dataset()
    clip_windows(clip, window, data, Dataset(), 1, 1)
    x, y, _, _ = data.arrays()
    return x[y[:, 0] > 0]


def heard_share(model: KeywordModel, sayings: list[tuple[str, np.ndarray, int, int]]) -> float:
    """Share of the sayings (as recorded, no room added) the model hears."""
    if not sayings:
        return 0.0
    heard = []
    for _, pcm, start, end in sayings:
        windows = _positive_windows(_saying_clip(pcm, start, end), model.window)
        held = held_peaks(model.scores(windows)[:, 0], np.zeros(len(windows), np.int64), model.confirm)
        heard.append(bool((held >= model.thresholds[0]).any()))
    return float(np.mean(heard))


def adapt(model: KeywordModel, enrolment: Enrolment, word: str, bank_folder: Path | None, seed: int = 0,
          budget: Budget = FULL, progress: Progress | None = None) -> KeywordModel:
    """The model, gently trained further on the partners' sayings."""
    say = progress or (lambda stage, fraction: None)
    small = Budget("enrol", per_accent=2, piper_speeds=(150,), carriers=1, rooms=2, neighbours=20,
                   neighbour_voices=4, bank_sentence_pairs=budget.bank_sentence_pairs,
                   bank_prompts=budget.bank_prompts, bank_noise_s=budget.bank_noise_s,
                   bank_random=budget.bank_random, window=model.window)
    say("saying the word in other voices", 0.0)
    data = build_data([word], small, seed, bank_folder=bank_folder, progress=say, any_bank=True)
    x, y, w, _ = data.train.arrays()
    ex = enrolment.windows
    refuse = enrolment.pieces if enrolment.pieces is not None else np.zeros((0,) + ex.shape[1:], np.float32)
    x = np.concatenate([x, ex, refuse])
    y = np.concatenate([y, np.ones((ex.shape[0], 1), np.float32), np.zeros((refuse.shape[0], 1), np.float32)])
    w = np.concatenate([w, np.full(ex.shape[0], 2.0, np.float32), np.full(refuse.shape[0], PIECE_WEIGHT, np.float32)])
    share = float(y[:, 0].mean())
    w = np.where(y[:, 0] > 0, w * 0.5 / share, w * 0.5 / (1 - share))
    nets = model.networks()
    # Every network of the model adapts (a model built from several seeds holds several).
    adapted_nets = [fit(x, y, w, seed, hidden=net["w1"].shape[1], epochs=4, learning_rate=5e-4, init=net,
                        progress=lambda f, i=i: say("adapting", (i + f) / len(nets)))
                    for i, net in enumerate(nets)]
    adapted = KeywordModel(model.phrases, model.names, list(model.thresholds), model.window, adapted_nets[0],
                           dict(model.meta), model.confirm, gate=model.weights, gate_at=ENROLLED_GATE,
                           members=adapted_nets[1:], gate_members=list(model.members))
    adapted.meta["enrolled"] = enrolment.sayings
    return adapted

