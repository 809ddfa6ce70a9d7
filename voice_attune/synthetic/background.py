"""Talk in the background of a simulated room: four people chatting (babble), or one voice
from a radio or television in the next room.

It is synthesized here, seeded, from voices and sentences the partners of a scenario do not
use: nothing in it is a command, an answer, a pause word or a word of concern, so whatever the
guide takes from it is a mistake.
"""

from __future__ import annotations

import numpy as np

from voice_attune import SAMPLE_RATE
from voice_attune.keywords.augment import babble
from voice_attune.synthetic.speech import synthesize

TALK = (
    "The forecast says a cold front moves in overnight with showers by the morning.",
    "Add the onions to the pan and let them soften over a low heat for ten minutes.",
    "The home side scored twice in the second half and the crowd went wild.",
    "Traffic on the ring road is slow this evening because of roadworks near the bridge.",
    "My cousin bought a small boat and spends every weekend on the lake.",
    "The library will open later on Sundays starting from the first of the month.",
    "Fold the flour in gently, then pour the batter into a buttered tin.",
    "The museum has a new exhibition of maps from the eighteenth century.",
)
TALKERS = ("en-us+m3", "en-gb+f2", "en-us-nyc", "en-gb-x-rp+m1")
"""Voices of the babble; the radio is the first of them."""
KINDS = ("babble", "talker")


def talk(kind: str, seconds: float, seed: int = 7) -> np.ndarray:
    """``seconds`` of background talk (float32, RMS 1): ``babble`` is four talkers at once,
    ``talker`` one voice with the pauses of someone reading the news."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SAMPLE_RATE)
    voices = TALKERS if kind == "babble" else TALKERS[:1]
    tracks = []
    for i, voice in enumerate(voices):
        order = rng.permutation(len(TALK))
        pieces = []
        for j in order:
            pieces.append(synthesize(TALK[j], voice, int(rng.integers(150, 185))).astype(np.float32))
            pieces.append(np.zeros(int(rng.uniform(0.3, 0.9) * SAMPLE_RATE), np.float32))
            if sum(p.size for p in pieces) >= n:
                break
        tracks.append(np.concatenate(pieces))
    out = babble(tracks, n, rng)
    rms = float(np.sqrt(np.mean(out.astype(np.float64) ** 2))) or 1.0
    return (out / rms).astype(np.float32)
