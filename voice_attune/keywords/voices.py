"""The synthetic voices keyword models are trained on, and the ones kept back for measuring.

espeak-ng has eight English accents and dozens of voice variants; Piper adds one natural
American voice. Training draws from all of them unless told to hold some back, so that a
benchmark can measure voices and accents the model never met. Some networks of a model may also
learn from three of Flite's voices (another synthesizer, built from recordings); none ever
trains on Flite's Scottish voice: a benchmark hears it as a voice from outside all training.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from voice_attune.keywords.neighbours import espeak_phonemes, spoken
from voice_attune.synthetic.pico import pico_available
from voice_attune.synthetic.speech import PIPER_VOICE

ACCENTS = (
    "en-us", "en-us-nyc", "en-gb", "en-gb-x-rp", "en-gb-x-gbclan", "en-gb-x-gbcwmd",
    "en-gb-scotland", "en-029",
)
"""espeak-ng's English accents (`espeak-ng --voices=en`, without the MBROLA voices)."""

FOREIGN_ACCENTS = (
    "de", "es", "fr", "it", "hi", "pt", "nl", "sv", "ru", "tr", "vi", "ta", "bn", "fi", "cs", "el", "id",
    "ro", "da", "nb",
)
"""espeak-ng voices of other languages that read English phonemes (`[[p'aInap@L]]`) aloud in
their own sounds: English as someone whose first language it is not might say it. Left out:
those that drop phonemes English needs (Polish, Hungarian, Swahili, Chinese, Japanese, Arabic
stop at a sound they lack: Polish at the "aI" of "pineapple")."""

VARIANTS = (
    "", "f1", "f2", "f3", "f4", "f5", "m1", "m2", "m3", "m4", "m5", "m6", "m7",
    "klatt", "klatt2", "klatt3", "Annie", "Andy", "Alicia", "Mr_Serious", "Steph", "grandma", "Denis",
)
"""espeak-ng voice variants (`espeak-ng --voices=variant`): pitch, timbre, a few Klatt voices."""

HELD_OUT_ACCENTS = ("en-gb-scotland", "en-029", "en-gb-x-gbcwmd", "en-gb")
"""Accents a benchmark model never trains on: Scottish, Caribbean, West Midlands, British."""
HELD_OUT_VARIANTS = ("f4", "m6", "Steph", "Denis")
"""Variants a benchmark model never trains on."""
HELD_OUT_LANGUAGES = ("hi", "es", "ru", "vi")
"""Languages of FOREIGN_ACCENTS whose voices a benchmark model never trains on: English as
spoken by someone whose first language is Hindi, Spanish, Russian or Vietnamese."""
HELD_OUT_FLITE = ("flite:awb",)
"""A voice of another synthesizer (Flite, built from recordings of a Scottish man) that no
model trains on."""
FLITE_TRAINING = ("flite:rms", "flite:slt", "flite:kal16")
"""Flite's voices a network may train on: two American men (one of diphones) and a woman."""
PICO_TRAINING = ("pico:en-US",)
"""SVOX Pico's American woman, whom a network that learns Flite's voices also learns where Pico
is installed (never Pico's British woman, whom the benchmarks hear as a voice from outside all
training)."""


@dataclass(frozen=True)
class Voice:
    """One way of saying something: a synthesizer voice at a speed and pitch."""

    name: str
    """An espeak-ng voice ("en-gb-scotland+f3") or "piper"."""
    speed: int
    """Words a minute."""
    pitch: int = 50
    """espeak-ng pitch, 0-99 (Piper ignores it)."""

    @property
    def accent(self) -> str:
        return "piper" if self.name == PIPER_VOICE else self.name.split("+")[0]

    @property
    def variant(self) -> str:
        return self.name.split("+")[1] if "+" in self.name else ""

    @property
    def foreign(self) -> bool:
        """Whether it is a voice of another language, who says English from its phonemes."""
        return self.accent in FOREIGN_ACCENTS

    def words(self, text: str) -> str:
        """``text`` as this voice is given it: a voice of another language reads its English
        phonemes (its own reading of the letters would be its own language's)."""
        return english_phonemes(text) if self.foreign and not text.startswith("[[") else text


@functools.lru_cache(maxsize=4096)
def english_phonemes(text: str) -> str:
    """``text`` as espeak-ng's American English phonemes, for a voice of another language to read."""
    return spoken(espeak_phonemes(text))


def _name(accent: str, variant: str) -> str:
    return f"{accent}+{variant}" if variant else accent


def training_voices(rng: np.random.Generator, per_accent: int, piper_speeds: tuple[int, ...],
                    hold_out: bool = False, piper: bool = True, flite: int = 0, foreign: int = 0,
                    pico: bool = True) -> list[Voice]:
    """``per_accent`` voices of each accent, variants, speeds and pitches drawn with ``rng``,
    then ``foreign`` voices of other languages (FOREIGN_ACCENTS), then Piper at each speed, then
    ``flite`` speeds and pitches of each of FLITE_TRAINING and, where Pico is installed,
    PICO_TRAINING (unless ``pico`` is False).
    ``hold_out``: leave out the held-out accents, variants and languages."""
    accents = [a for a in ACCENTS if not (hold_out and a in HELD_OUT_ACCENTS)]
    variants = [v for v in VARIANTS if not (hold_out and v in HELD_OUT_VARIANTS)]
    languages = [a for a in FOREIGN_ACCENTS if not (hold_out and a in HELD_OUT_LANGUAGES)]
    voices = []
    for accent in accents:
        chosen = rng.choice(len(variants), size=min(per_accent, len(variants)), replace=False)
        for i in chosen:
            speed = int(rng.integers(120, 215))
            pitch = int(rng.integers(25, 80))
            voices.append(Voice(_name(accent, variants[i]), speed, pitch))
    if foreign:
        # Their own generator, seeded by one draw: the voices after them are the same whatever
        # their number.
        own = np.random.default_rng([int(rng.integers(1 << 31)), 3163])
        for _ in range(foreign):
            accent = languages[int(own.integers(len(languages)))]
            variant = variants[int(own.integers(len(variants)))]
            voices.append(Voice(_name(accent, variant), int(own.integers(120, 215)), int(own.integers(25, 80))))
    if piper:
        voices.extend(Voice(PIPER_VOICE, s) for s in piper_speeds)
    for name in (FLITE_TRAINING + (PICO_TRAINING if pico and pico_available() else ())) if flite else ():
        voices.extend(Voice(name, int(rng.integers(120, 215)), int(rng.integers(20, 80))) for _ in range(flite))
    return voices


def speaks_phonemes(voice: Voice) -> bool:
    """Whether the voice reads espeak-ng's phoneme input ``[[...]]`` (only espeak-ng's voices do:
    Piper's has no accent name, and every other synthesizer's is named by a prefix, "flite:awb")."""
    return voice.name != PIPER_VOICE and ":" not in voice.name


def held_out_voices() -> list[Voice]:
    """Voices no benchmark model trained on: each held-out accent with held-out variants."""
    out = []
    for i, accent in enumerate(HELD_OUT_ACCENTS):
        for j, variant in enumerate(("",) + HELD_OUT_VARIANTS[:2]):
            out.append(Voice(_name(accent, variant), 140 + 15 * ((i + j) % 4), 40 + 10 * ((i * 3 + j) % 4)))
    return out
