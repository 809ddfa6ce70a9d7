"""A level gate (downward expander) before a keyword model's front end.

Under babble or behind a background talker, the quiet stretches around a short command are
full of other voices; the front end's embeddings summarise 0.78 s at a time, so "stop" arrives
mixed with them. The gate follows the background level (a low percentile of the last three
seconds' frame levels) and turns down every 10 ms frame that is not well above it, so the
partner's word, louder than the room, stands out. It is causal; it opens at once for a loud
frame and closes slowly after it (a word's quiet ending is not cut off, nor each syllable
chopped); it never turns anything up. A steady room alone is turned down by up to the floor.
A talker behind has syllables well above its own quiet gaps, which the background alone lets
through; the gate can also hold each frame to the loudest of the last moments
(``peak_below_db``), so that as a word ends the talk behind it is turned down against the word.

A model trained through the gate (keywords/train.py, Budget.gate) must hear through it too: its
file says so (``meta["level_gate"]``) and the detector then gives it a stream of its own
(asr/keywords.py). Measured for the commands model (docs/benchmarks.md); the pause word's models
hear without it.
"""

from __future__ import annotations

from collections import deque
from dataclasses import asdict, dataclass

import numpy as np

from voice_attune import SAMPLE_RATE

FRAME = 160
"""Samples a level is measured over (10 ms)."""
EVERY = 5
"""Frames between two estimates of the background level (50 ms)."""


@dataclass(frozen=True)
class GateSettings:
    above_db: float = 9.0
    """How far above the background a frame must be to pass untouched."""
    ratio: float = 5.0
    """Each decibel below that costs ``ratio - 1`` decibels more."""
    floor_db: float = -30.0
    """The most a frame is turned down."""
    percentile: float = 30.0
    """Which percentile of the recent frame levels counts as the background."""
    history_s: float = 3.0
    """How far back the background is looked for."""
    release: float = 0.95
    """How slowly the gate closes after a loud frame, a frame at a time (about 0.2 s to close
    most of the way); it opens at once."""
    peak_below_db: float = 0.0
    """If not 0, a frame must also be no more than this far below the loudest frame of the last
    ``peak_s`` to pass untouched: as a word ends and just after, a talker behind is turned down
    against the word's own loudness, not only against the room's background."""
    peak_s: float = 0.4

    def as_meta(self) -> dict:
        return asdict(self)

    @classmethod
    def from_meta(cls, meta: object) -> "GateSettings | None":
        """The settings a model's file names, or None for a model heard without the gate."""
        if not isinstance(meta, dict):
            return None
        known = {k: float(v) for k, v in meta.items() if k in cls.__dataclass_fields__}
        return cls(**known)


class LevelGate:
    """The gate as a stream: feed int16 samples in any pieces, get back the gated samples of
    every whole frame so far (at most FRAME - 1 samples wait for the next piece)."""

    def __init__(self, settings: GateSettings):
        self.settings = settings
        self._levels: deque[float] = deque(maxlen=int(settings.history_s * SAMPLE_RATE / FRAME) + 1)
        self._recent: deque[float] = deque(maxlen=round(settings.peak_s * SAMPLE_RATE / FRAME) + 1)
        """This frame's level and those of the last ``peak_s``."""
        self._index = 0
        self._background = 0.0
        self._gain_db = 0.0
        self._rest = np.zeros(0, np.float32)

    def feed(self, pcm: np.ndarray) -> np.ndarray:
        samples = np.concatenate([self._rest, np.asarray(pcm, np.float32)])
        whole = samples.size // FRAME * FRAME
        self._rest = samples[whole:]
        return self._apply(samples[:whole])

    def _apply(self, samples: np.ndarray) -> np.ndarray:
        """Gated int16 copies of whole frames of float32 samples."""
        frames = samples.reshape(-1, FRAME)
        levels = 10 * np.log10(np.mean(frames.astype(np.float64) ** 2, axis=1) + 1.0)
        s = self.settings
        gains = np.empty(levels.size)
        for k, level in enumerate(levels):
            self._levels.append(float(level))
            if self._index % EVERY == 0:
                self._background = float(np.percentile(np.fromiter(self._levels, float), s.percentile))
            self._index += 1
            edge = self._background + s.above_db
            if s.peak_below_db:
                self._recent.append(float(level))
                edge = max(edge, max(self._recent) - s.peak_below_db)
            want = min(0.0, max(s.floor_db, (level - edge) * (s.ratio - 1))) if level < edge else 0.0
            self._gain_db = want if want > self._gain_db else s.release * self._gain_db + (1 - s.release) * want
            gains[k] = self._gain_db
        out = samples.copy()
        out *= np.repeat(10 ** (gains / 20), FRAME)  # in place: float32, as the model was trained
        return _int16(out)

    def reset(self) -> None:
        self.__init__(self.settings)


def gate_clip(pcm: np.ndarray, settings: GateSettings) -> np.ndarray:
    """A whole clip through a fresh gate (int16), its last partial frame passed as it is, as
    training hears each clip."""
    samples = np.asarray(pcm).astype(np.float32)
    whole = samples.size // FRAME * FRAME
    return np.concatenate([LevelGate(settings)._apply(samples[:whole]), _int16(samples[whole:])])


def _int16(samples: np.ndarray) -> np.ndarray:
    return np.clip(np.round(samples), -32768, 32767).astype(np.int16)
