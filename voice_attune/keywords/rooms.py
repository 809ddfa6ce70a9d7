"""Random rooms for training clips: level, noise of every kind, babble, reverberation, echo.

A room is drawn from a seeded generator and applied to a clip of speech; the sources of
babble and of the guide's echo are synthesized once per training and passed in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from voice_attune.keywords import augment


ECHO_SHARE = 0.4
"""Share of clips with the guide's voice under them (a partner speaking over a prompt)."""


@dataclass(frozen=True)
class Sources:
    """Sounds that rooms mix in: other talkers, and the guide's own prompts."""

    talkers: list[np.ndarray]
    """Speech of other voices (int16-scale float32), several seconds each."""
    guide: list[np.ndarray]
    """Prompts in the guide's voice, for echo."""


def apply_room(x: np.ndarray, rng: np.random.Generator, sources: Sources, clean_share: float = 0.25) -> np.ndarray:
    """``x`` (speech, float32) as a microphone in a random room would hear it."""
    y = x.astype(np.float32)
    if rng.random() < 0.5:
        y = augment.convolve(y, augment.room_response(rng, float(rng.uniform(150, 900))))
    if rng.random() < clean_share:
        if rng.random() < 0.5:  # a quiet room still has a faint hiss
            y = augment.mix(y, augment.noise("pink", y.size, rng), float(rng.uniform(30, 50)))
    else:
        kind = rng.choice(["white", "pink", "brown", "babble", "babble", "talker"])
        snr = float(rng.uniform(0, 20))
        if kind == "babble" and sources.talkers:
            picks = rng.choice(len(sources.talkers), size=min(len(sources.talkers), int(rng.integers(3, 6))), replace=False)
            background = augment.babble([sources.talkers[i] for i in picks], y.size, rng)
        elif kind == "talker" and sources.talkers:
            background = augment.babble([sources.talkers[int(rng.integers(len(sources.talkers)))]], y.size, rng)
        else:
            background = augment.noise(str(kind) if kind in augment.NOISE_KINDS else "pink", y.size, rng)
        y = augment.mix(y, background, snr)
    if sources.guide and rng.random() < ECHO_SHARE:
        echo = sources.guide[int(rng.integers(len(sources.guide)))]
        h = augment.room_response(rng, float(rng.uniform(100, 500)), float(rng.uniform(5, 80)))
        echo = augment.convolve(augment.babble([echo], y.size, rng), h)
        y = augment.mix(y, echo, float(rng.uniform(-6, 12)))
    level = float(rng.uniform(0.15, 1.6)) * 3000.0 / (augment.speech_rms(x) or 1.0)
    y = y * level
    if rng.random() < 0.05:
        y = y * float(rng.uniform(2, 6))  # a microphone set too hot: clipped
    return augment.clip(y)
