"""A double knock on the table: a pause without words, heard from the microphone.

A knock is a sharp, short, low-pitched sound: its loudness jumps within a few milliseconds,
stands well above what was sounding just before, falls back within a few tens of
milliseconds, and most of its energy lies below 1.5 kHz (a knuckle on wood). Two of them,
0.15-0.6 s apart, about as loud as each other, with nothing else sharp between or just
before, are a double knock. What is not: speech (its sounds rise slowly, or rise and stay),
hand claps (bright: their energy lies above 2 kHz), a cup or cutlery (bright ringing), a
chair (a scrape with no sharp start), a door (one heavy thump that rings on), a single tap,
a clipped or lost microphone (never a knock).

Over a partner talking at the knock's own loudness a knock no longer stands clear of their
syllables. Then a small network (asr/knock_model.py, trained on knocks, speech and kitchen
sounds made in code) judges each sharp start from its shape in time and across four bands;
two knocks heard so, 0.15-0.6 s apart, also pause. The same network has the last word on a
sound that stands clear by the rules: one it is sure is no knock (a synthesizer's clicking
stop consonant) is not one.

The detector hears the stream the keyword models hear (the guide's own voice taken out by the
linear echo canceller, which leaves knocks whole), so it works while the guide speaks too.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Callable

import numpy as np

from voice_attune import SAMPLE_RATE
from voice_attune.asr.knock_model import (
    AFTER_HOPS, BEFORE_HOPS, CONTEXT_S, HOP, KnockModel, band_levels, describe, low_share, packaged_model, power_spectrum,
)

HOP_S = HOP / SAMPLE_RATE
RISE_DB = 9.0
"""A knock's start: this much louder than 4-6 ms before..."""
START_DB = 9.0
"""A sharp start worth judging: the whole sound or one band this much louder than 4-6 ms
before (over a partner talking a knock may rise less)."""
SAME_EVENT_S = 0.06
"""Knocks this close together are one knock."""
NEAR_START_S = 0.02
"""Of sharp starts this close together only the loudest is judged. Over a partner talking at
full voice a syllable often starts within 60 ms of a knock and is louder than it: judging only
the loudest in 60 ms lost a knock of about eight that way (docs/benchmarks.md, "Double knocks").
The packaged knock model was trained so too (scripts/train_knock.py)."""
ABOVE_DB = 12.0
"""...and its peak this much louder than the 20 ms before it (over someone talking it seldom
is: then the knock model judges it)."""
FALL_DB = 8.0
"""30-50 ms after its peak a knock has fallen at least this much..."""
BACK_DB = 4.0
"""...or back to within this much of the level before it."""
PROMINENT_DB = 6.0
"""A knock's peak stands this much above every moment of the 140 ms before it and of the
40-140 ms after it (over someone talking: above their loudest syllables)."""
FLOOR_DB = -50.0
"""Quieter than this (dBFS at the peak) is not a knock on the table the microphone is on."""
LOW_SHARE = 0.55
"""Share of a knock's energy below 1.5 kHz (claps, cups and cutlery are brighter)."""
GAP_S = (0.15, 0.6)
"""Seconds between the two knocks' starts."""
SAME_DB = 8.0
"""The two knocks are within this many dB of each other."""
SERIES_DB = 6.0
"""Other sharp sounds within this many dB of the quieter knock make a series, not a double knock."""
GAP_BELOW_DB = 10.0
"""Between the two knocks the sound falls at least this far below the quieter one."""
ALONE_S = 0.4
"""Nothing sharp in this long before the first knock (a series of clinks is not a knock)."""
DOUBT = 0.5
"""A sound that stands clear of everything around it is still no knock if the knock model
scores it below this (a stop consonant of a synthesizer that clicks stands just as clear; the
knocks of every shape the benchmarks make scored 0.96 or more, docs/benchmarks.md)."""
CLIPPED, CLIPPED_RUN = 32000, 4
"""Samples this close to full scale, this many around a sharp sound: the microphone clipped."""
REFRACTORY_S = 1.5
_DECIDE_HOPS = 80
"""A sharp start is judged 160 ms after it, when what followed it is known."""


@dataclass(frozen=True)
class Sharp:
    """A sharp start in the sound."""

    t: float
    peak_db: float
    knock: bool
    """True if it is a knock: standing clear of everything around it, short and low, or
    judged one by the knock model."""
    over: bool = False
    """A knock heard over other sound (by the model, not by standing clear of everything)."""


class KnockDetector:
    """Feed it frames; it returns the audio times at which a double knock was heard.

    ``model`` hears knocks over other sound (the packaged one unless given; ``rules_only``
    hears only knocks that stand clear of everything around them). ``observe`` is called with
    the time and numbers of every sharp start judged (for training the model);
    ``near_start_s``: of sharp starts this close together only the loudest is judged."""

    def __init__(self, model: KnockModel | None = None, rules_only: bool = False,
                 observe: Callable[[float, np.ndarray], None] | None = None,
                 near_start_s: float = NEAR_START_S) -> None:
        self._model = None if rules_only else (model or packaged_model())
        self._near_start_s = near_start_s
        self._rules_only = rules_only
        self._observe = observe
        self._samples = np.zeros(0, np.float32)
        self._t0 = 0.0
        """Audio time of the first sample in ``_samples``."""
        self._levels: deque[np.ndarray] = deque(maxlen=500)
        """dBFS per hop and band (knock_model.BANDS_HZ), the last second."""
        self._hop_t = 0.0
        """Audio time at the end of the last hop measured."""
        self._pending: list[tuple[int, float, float]] = []
        """(hops left until judged, start time, dBFS) of sharp starts not judged yet."""
        self._sharps: deque[Sharp] = deque(maxlen=16)
        """The last knocks heard."""
        self._raw: deque[tuple[float, np.ndarray]] = deque(maxlen=20)
        """(start time, samples) of recent frames, to look at a knock's spectrum and clipping."""
        self._last_fired = -1e9

    def reset(self) -> None:
        self.__init__(self._model, self._rules_only, self._observe, self._near_start_s)

    def feed(self, pcm: bytes, t: float) -> list[float]:
        """Hear one frame (int16 bytes starting at audio time ``t``); the times of double knocks
        decided in it."""
        x = np.frombuffer(pcm, np.int16).astype(np.float32)
        if not self._samples.size:
            self._t0 = t
        self._raw.append((t, x))
        self._samples = np.concatenate([self._samples, x])
        fired: list[float] = []
        levels = band_levels(self._samples)
        self._samples = self._samples[len(levels) * HOP:]
        for level in levels:
            self._t0 += HOP_S
            self._hop_t = self._t0 + HOP_S
            fired.extend(self._hop(level))
        return fired

    def _hop(self, level: np.ndarray) -> list[float]:
        levels = self._levels
        fired: list[float] = []
        if len(levels) >= 110:
            # A sharp start in the whole sound or in any band (a knock over a voice may rise
            # only where the voice is weak).
            if np.any(level - np.minimum(levels[-3], levels[-2]) >= START_DB):
                loud = float(level[0])
                near = [p for p in self._pending if self._hop_t - p[1] < self._near_start_s]
                if all(loud > p[2] for p in near):
                    self._pending = [p for p in self._pending if p not in near]
                    self._pending.append((_DECIDE_HOPS, self._hop_t, loud))
        levels.append(level)
        still = []
        for left, start, loud in self._pending:
            if left > 1:
                still.append((left - 1, start, loud))
                continue
            sharp = self._judge(start)
            if sharp is None or not sharp.knock:
                continue
            last = self._sharps[-1] if self._sharps else None
            if last is not None and sharp.t - last.t < SAME_EVENT_S:
                # The same knock heard again a few milliseconds on: one knock, at its start.
                sharp = Sharp(last.t, max(last.peak_db, sharp.peak_db), True, last.over and sharp.over)
                self._sharps[-1] = sharp
            else:
                self._sharps.append(sharp)
            fired.extend(self._double(sharp))
        self._pending = still
        return fired

    def _judge(self, start: float) -> Sharp | None:
        levels = np.array(self._levels)
        i = len(levels) - 1 - int(round((self._hop_t - start) / HOP_S))
        if i < BEFORE_HOPS or len(levels) - i < AFTER_HOPS:
            return None
        clip = self._around(start - 0.01, 0.05)
        if clip.size == 0 or np.count_nonzero(np.abs(clip) >= CLIPPED) >= CLIPPED_RUN:
            return None  # a clipping microphone cannot tell a knock from anything loud
        hops = levels[:, 0]
        peak = float(hops[i:i + 5].max())
        peak_at = i + int(np.argmax(hops[i:i + 5]))
        # Louder than anything in the 140 ms before it and the 40-140 ms after its peak: a
        # plosive inside speech ("p", "b", "d") is as sharp and short, but its vowels are louder.
        # (The other knock of a pair lies further away: at least 150 ms.)
        around = np.concatenate([hops[i - 70:i - 5], hops[peak_at + 20:peak_at + 70]])
        prominent = peak - float(around.max()) >= PROMINENT_DB
        after = float(np.mean(hops[peak_at + 15:peak_at + 25]))
        before = float(np.mean(hops[i - 12:i - 2]))
        # Gone again: fallen well below its peak, or back to what sounded before it.
        fell = peak - after >= FALL_DB or after <= before + BACK_DB
        share = low_share(power_spectrum(clip))
        rose = any(float(hops[k]) - min(float(hops[k - 3]), float(hops[k - 2])) >= RISE_DB for k in range(i, i + 3))
        clear = rose and fell and prominent and peak - before >= ABOVE_DB and share >= LOW_SHARE
        over = doubted = False
        if peak >= FLOOR_DB and (self._observe is not None or self._model is not None):
            numbers = describe(levels, i, self._around(start - CONTEXT_S[0], sum(CONTEXT_S)))
            if self._observe is not None:
                self._observe(start, numbers)
            if self._model is not None:
                score = self._model.score(numbers)
                over, doubted = not clear and score >= self._model.threshold, clear and score < DOUBT
        return Sharp(start, peak, peak >= FLOOR_DB and ((clear and not doubted) or over), over)

    def _around(self, start: float, seconds: float) -> np.ndarray:
        if not self._raw:
            return np.zeros(0, np.float32)
        t0 = self._raw[0][0]
        audio = np.concatenate([x for _, x in self._raw])
        a = int(round((start - t0) * SAMPLE_RATE))
        if a < 0:  # earlier than the stream or the frames kept: silence there
            audio, a = np.concatenate([np.zeros(-a, np.float32), audio]), 0
        return audio[a:a + int(seconds * SAMPLE_RATE)]

    def _double(self, second: Sharp) -> list[float]:
        if not second.knock or second.t - self._last_fired < REFRACTORY_S:
            return []
        earlier = [s for s in self._sharps if s.t < second.t]
        firsts = [s for s in earlier if GAP_S[0] <= second.t - s.t <= GAP_S[1]
                  and abs(s.peak_db - second.peak_db) <= SAME_DB]
        if not firsts:
            return []
        first = firsts[-1]
        loud = min(first.peak_db, second.peak_db) - SERIES_DB
        # A series of knock-like sounds as loud as these (a rattle, someone drumming) is not a
        # double knock; other sharp sounds (speech, a clink) between them do not matter.
        if any(first.t - ALONE_S <= s.t < second.t and s is not first and s.peak_db >= loud
               for s in earlier):
            return []
        if not (first.over or second.over) and (
                self._level_between(first.t + 0.06, second.t - 0.01) > min(first.peak_db, second.peak_db) - GAP_BELOW_DB):
            return []  # no lull between two clear knocks: a scrape or a rumble, not two knocks
        self._last_fired = second.t
        return [self._hop_t]

    def _level_between(self, start: float, end: float) -> float:
        hops = [h[0] for h in self._levels]
        first = len(hops) - 1 - int(round((self._hop_t - start) / HOP_S))
        last = len(hops) - 1 - int(round((self._hop_t - end) / HOP_S))
        inside = hops[max(first, 0):max(last, 0)]
        return float(np.median(inside)) if inside else -120.0
