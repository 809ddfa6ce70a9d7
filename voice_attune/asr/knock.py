"""A double knock on the table: a pause without words, heard from the microphone.

A knock is a sharp, short, low-pitched sound: its loudness jumps within a few milliseconds,
stands well above what was sounding just before, falls back within a few tens of
milliseconds, and most of its energy lies below 1.5 kHz (a knuckle on wood). Two of them,
0.15-0.6 s apart, about as loud as each other, with nothing else sharp between or just
before, are a double knock. What is not: speech (its sounds rise slowly, or rise and stay),
hand claps (bright: their energy lies above 2 kHz), a cup or cutlery (bright ringing), a
chair (a scrape with no sharp start), a door (one heavy thump that rings on), a single tap,
a clipped or lost microphone (never a knock).

The detector hears the stream the keyword models hear (the guide's own voice taken out by the
linear echo canceller, which leaves knocks whole), so it works while the guide speaks too.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from voice_attune import SAMPLE_RATE

HOP = 32
"""Samples per envelope step (2 ms)."""
HOP_S = HOP / SAMPLE_RATE
RISE_DB = 9.0
"""A knock's start: this much louder than 4-6 ms before..."""
ABOVE_DB = 12.0
"""...and its peak this much louder than the 20 ms before it (a knock over someone talking
is heard when it is this much louder than their voice)."""
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
CLIPPED, CLIPPED_RUN = 32000, 4
"""Samples this close to full scale, this many around a sharp sound: the microphone clipped."""
REFRACTORY_S = 1.5
_WINDOW = 2 * HOP
_DECIDE_HOPS = 80
"""A sharp start is judged 160 ms after it, when what followed it is known."""


@dataclass(frozen=True)
class Sharp:
    """A sharp start in the sound."""

    t: float
    peak_db: float
    knock: bool
    """True if it is also short and low enough to be a knock."""


class KnockDetector:
    """Feed it frames; it returns the audio times at which a double knock was heard."""

    def __init__(self) -> None:
        self._samples = np.zeros(0, np.float32)
        self._t0 = 0.0
        """Audio time of the first sample in ``_samples``."""
        self._levels: deque[float] = deque(maxlen=500)
        """dBFS per hop, the last second."""
        self._hop_t = 0.0
        """Audio time at the end of the last hop measured."""
        self._pending: list[tuple[int, float, float]] = []
        """(hops left until judged, start time, dBFS) of sharp starts not judged yet."""
        self._sharps: deque[Sharp] = deque(maxlen=16)
        self._raw: deque[tuple[float, np.ndarray]] = deque(maxlen=12)
        """(start time, samples) of recent frames, to look at a knock's spectrum and clipping."""
        self._last_fired = -1e9

    def reset(self) -> None:
        self.__init__()

    def feed(self, pcm: bytes, t: float) -> list[float]:
        """Hear one frame (int16 bytes starting at audio time ``t``); the times of double knocks
        decided in it."""
        x = np.frombuffer(pcm, np.int16).astype(np.float32)
        if not self._samples.size:
            self._t0 = t
        self._raw.append((t, x))
        self._samples = np.concatenate([self._samples, x])
        fired: list[float] = []
        while self._samples.size >= _WINDOW:
            window = self._samples[:_WINDOW]
            self._samples = self._samples[HOP:]
            self._t0 += HOP_S
            self._hop_t = self._t0 + HOP_S
            fired.extend(self._hop(float(np.mean(window * window))))
        return fired

    def _hop(self, power: float) -> list[float]:
        level = 10 * np.log10(power / 32768.0**2) if power > 0 else -120.0
        levels = self._levels
        fired: list[float] = []
        if len(levels) >= 110:
            before = min(levels[-3], levels[-2])
            if level - before >= RISE_DB:
                # Of sharp starts within 60 ms of each other only the loudest is judged.
                near = [p for p in self._pending if self._hop_t - p[1] < 0.06]
                if all(level > p[2] for p in near):
                    self._pending = [p for p in self._pending if p not in near]
                    self._pending.append((_DECIDE_HOPS, self._hop_t, level))
        levels.append(level)
        still = []
        for left, start, loudness in self._pending:
            if left > 1:
                still.append((left - 1, start, loudness))
                continue
            sharp = self._judge(start)
            if sharp is not None:
                fired.extend(self._double(sharp))
                self._sharps.append(sharp)
        self._pending = still
        return fired

    def _judge(self, start: float) -> Sharp | None:
        hops = list(self._levels)
        i = len(hops) - 1 - int(round((self._hop_t - start) / HOP_S))
        if i < 100:
            return None
        peak = max(hops[i:i + 5])
        peak_at = i + int(np.argmax(hops[i:i + 5]))
        # Louder than anything in the 140 ms before it and the 40-140 ms after its peak: a
        # plosive inside speech ("p", "b", "d") is as sharp and short, but its vowels are louder.
        # (The other knock of a pair lies further away: at least 150 ms.)
        around = hops[i - 70:i - 5] + hops[peak_at + 20:peak_at + 70]
        prominent = peak - max(around) >= PROMINENT_DB
        after = float(np.mean(hops[peak_at + 15:peak_at + 25] or [peak]))
        before = float(np.mean(hops[i - 12:i - 2]))
        # Gone again: fallen well below its peak, or back to what sounded before it (a knock
        # over someone talking falls back to their voice).
        fell = peak - after >= FALL_DB or after <= before + BACK_DB
        clip = self._around(start - 0.01, 0.05)
        if clip.size == 0 or np.count_nonzero(np.abs(clip) >= CLIPPED) >= CLIPPED_RUN:
            return None  # a clipping microphone cannot tell a knock from anything loud
        spectrum = np.abs(np.fft.rfft(clip * np.hanning(clip.size))) ** 2
        f = np.fft.rfftfreq(clip.size, 1 / SAMPLE_RATE)
        low = float(np.sum(spectrum[(f >= 60) & (f < 1500)]))
        share = low / (float(np.sum(spectrum[f >= 60])) or 1.0)
        knock = fell and prominent and peak >= FLOOR_DB and peak - before >= ABOVE_DB and share >= LOW_SHARE
        return Sharp(start, peak, knock)

    def _around(self, start: float, seconds: float) -> np.ndarray:
        if not self._raw:
            return np.zeros(0, np.float32)
        t0 = self._raw[0][0]
        audio = np.concatenate([x for _, x in self._raw])
        a = max(int(round((start - t0) * SAMPLE_RATE)), 0)
        return audio[a:a + int(seconds * SAMPLE_RATE)]

    def _double(self, second: Sharp) -> list[float]:
        if not second.knock or second.t - self._last_fired < REFRACTORY_S:
            return []
        earlier = [s for s in self._sharps if s.t < second.t]
        firsts = [s for s in earlier if s.knock and GAP_S[0] <= second.t - s.t <= GAP_S[1]
                  and abs(s.peak_db - second.peak_db) <= SAME_DB]
        if not firsts:
            return []
        first = firsts[-1]
        loud = min(first.peak_db, second.peak_db) - SERIES_DB
        # A series of knock-like sounds as loud as these (a rattle, someone drumming) is not a
        # double knock; other sharp sounds (speech, a clink) between them do not matter.
        if any(first.t - ALONE_S <= s.t < second.t and s is not first and s.knock and s.peak_db >= loud
               for s in earlier):
            return []
        if self._level_between(first.t + 0.06, second.t - 0.01) > min(first.peak_db, second.peak_db) - GAP_BELOW_DB:
            return []  # no lull between them: a scrape or a rumble, not two knocks
        self._last_fired = second.t
        return [self._hop_t]

    def _level_between(self, start: float, end: float) -> float:
        hops = list(self._levels)
        first = len(hops) - 1 - int(round((self._hop_t - start) / HOP_S))
        last = len(hops) - 1 - int(round((self._hop_t - end) / HOP_S))
        inside = hops[max(first, 0):max(last, 0)]
        return float(np.median(inside)) if inside else -120.0
