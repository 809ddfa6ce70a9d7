"""Composing test audio with known ground truth: speech and silence laid end to end, plus noise.

Tests, benchmarks and `check-word` build recordings here, so the truth (where each phrase
starts and ends) comes from how the audio was composed, not from a recognizer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from voice_attune import SAMPLE_RATE
from voice_attune.keywords.augment import noise
from voice_attune.synthetic.speech import synthesize


@dataclass(frozen=True)
class Placed:
    """Where one spoken piece sits in a composed recording."""

    text: str
    start: float
    """Seconds: first sample above the synthesizer's own leading silence."""
    end: float
    """Seconds: last sample above its trailing silence."""


@dataclass
class Composition:
    """A recording under construction and the truth about it."""

    pcm: list[np.ndarray] = field(default_factory=list)
    placed: list[Placed] = field(default_factory=list)
    samples: int = 0

    def silence(self, seconds: float) -> "Composition":
        n = int(round(seconds * SAMPLE_RATE))
        self.pcm.append(np.zeros(n, np.int16))
        self.samples += n
        return self

    def say(self, text: str, voice: str = "en-us", speed: int = 160, gain: float = 1.0) -> "Composition":
        audio = trim(synthesize(text, voice, speed))
        if gain != 1.0:
            audio = np.clip(audio.astype(np.float32) * gain, -32768, 32767).astype(np.int16)
        start = self.samples / SAMPLE_RATE
        self.pcm.append(audio)
        self.samples += audio.size
        self.placed.append(Placed(text, start, self.samples / SAMPLE_RATE))
        return self

    def audio(self) -> np.ndarray:
        return np.concatenate(self.pcm) if self.pcm else np.zeros(0, np.int16)

    @property
    def duration(self) -> float:
        return self.samples / SAMPLE_RATE


def in_a_row(clips: list[np.ndarray], gap_s: float) -> tuple[np.ndarray, list[float]]:
    """The clips one after another with ``gap_s`` of silence before, between and after each;
    returns the audio and the second at which each clip begins."""
    gap = np.zeros(int(gap_s * SAMPLE_RATE), np.int16)
    starts, parts, at = [], [], 0
    for clip in clips:
        parts += [gap, clip]
        starts.append((at + gap.size) / SAMPLE_RATE)
        at += gap.size + clip.size
    parts.append(gap)
    return np.concatenate(parts), starts


def trim(pcm: np.ndarray, level: int = 200) -> np.ndarray:
    """Cut leading and trailing near-silence, so placed times are where the voice is."""
    loud = np.flatnonzero(np.abs(pcm.astype(np.int32)) > level)
    if loud.size == 0:
        return pcm[:0]
    return pcm[loud[0] : loud[-1] + 1]


def word_end_in(placed: Placed, word: str, voice: str = "en-us", speed: int = 160) -> float:
    """Where ``word`` ends inside a placed phrase, by synthesizing the phrase up to that word."""
    text = placed.text
    index = text.lower().find(word.lower())
    if index < 0:
        raise ValueError(f"'{word}' is not in '{text}'")
    upto = text[: index + len(word)]
    if upto == text:
        return placed.end
    return placed.start + trim(synthesize(upto, voice, speed)).size / SAMPLE_RATE


def add_noise(pcm: np.ndarray, kind: str, snr_db: float, seed: int = 0) -> np.ndarray:
    """Mix steady noise under speech at a signal-to-noise ratio measured over the voiced parts."""
    signal = pcm.astype(np.float32)
    voiced = signal[np.abs(signal) > 200]
    speech_rms = float(np.sqrt(np.mean(voiced**2))) if voiced.size else 1000.0
    noise_rms = speech_rms / (10 ** (snr_db / 20.0))
    mixed = signal + noise(kind, signal.size, np.random.default_rng(seed)) * noise_rms
    return np.clip(mixed, -32768, 32767).astype(np.int16)
