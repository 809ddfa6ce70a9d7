"""A partner across the room: the sound a microphone hears from a talker a few metres away in a
box-shaped room, by mirror images of the talker in the walls (the image-source method).

The benchmarks hear speech through these rooms; training never does (its reverberation is a
decaying diffuse tail, keywords/augment.room_response), so a figure measured here is measured
in a room of a kind the models never met: discrete early reflections from six walls, floor and
ceiling, and the talker far enough away that the room's reflections carry as much sound as
the direct path, or more.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from voice_attune import SAMPLE_RATE
from voice_attune.keywords.augment import convolve

SPEED_OF_SOUND = 343.0


@dataclass(frozen=True)
class Shoebox:
    """A room, where the talker and the microphone are in it, and how much its surfaces absorb."""

    size: tuple[float, float, float]
    talker: tuple[float, float, float]
    microphone: tuple[float, float, float]
    absorption: float
    """Share of sound energy each reflection takes away (the same for every surface)."""

    @property
    def distance(self) -> float:
        return float(np.linalg.norm(np.subtract(self.talker, self.microphone)))

    @property
    def rt60_s(self) -> float:
        """Eyring's reverberation time."""
        x, y, z = self.size
        area = 2 * (x * y + x * z + y * z)
        return 0.161 * x * y * z / (-area * np.log(1.0 - self.absorption))


def kitchen(rng: np.random.Generator, distance: tuple[float, float] = (1.0, 2.5),
            rt60_s: tuple[float, float] = (0.3, 0.6)) -> Shoebox:
    """A kitchen or living room of 3.5-6 m by 3-5 m, 2.4-2.8 m high, with its reverberation time
    in ``rt60_s``; the device on a worktop, the talker seated or standing ``distance`` metres away."""
    while True:
        size = (float(rng.uniform(3.5, 6.0)), float(rng.uniform(3.0, 5.0)), float(rng.uniform(2.4, 2.8)))
        mic = (float(rng.uniform(0.3, size[0] - 0.3)), float(rng.uniform(0.3, 0.8)), 0.95)
        d = float(rng.uniform(*distance))
        angle = float(rng.uniform(0.2, np.pi - 0.2))
        talker = (mic[0] + d * np.cos(angle), mic[1] + d * np.sin(angle), float(rng.uniform(1.1, 1.6)))
        if 0.3 <= talker[0] <= size[0] - 0.3 and 0.3 <= talker[1] <= size[1] - 0.3:
            break
    x, y, z = size
    wanted = float(rng.uniform(*rt60_s))
    absorption = 1.0 - np.exp(-0.161 * x * y * z / (2 * (x * y + x * z + y * z) * wanted))
    return Shoebox(size, talker, mic, float(min(max(absorption, 0.02), 0.95)))


def response(room: Shoebox, seconds: float | None = None) -> np.ndarray:
    """The room's impulse response from talker to microphone, scaled so that the direct path is 1."""
    seconds = seconds or min(room.rt60_s, 1.2)
    n = int(seconds * SAMPLE_RATE)
    reflect = np.sqrt(1.0 - room.absorption)
    reach = SPEED_OF_SOUND * seconds
    h = np.zeros(n, np.float64)
    direct = room.distance
    first = direct / SPEED_OF_SOUND * SAMPLE_RATE
    images = []
    for axis in range(3):
        length, source = room.size[axis], room.talker[axis]
        k = np.arange(-int(np.ceil(reach / (2 * length))) - 1, int(np.ceil(reach / (2 * length))) + 2)
        # Mirror images at 2kL + s (2|k| reflections) and 2kL - s (|2k - 1| reflections).
        offsets = np.concatenate([2 * k * length + source, 2 * k * length - source]) - room.microphone[axis]
        bounces = np.concatenate([np.abs(2 * k), np.abs(2 * k - 1)])
        near = np.abs(offsets) <= reach
        images.append((offsets[near], bounces[near]))
    (px, bx), (py, by), (pz, bz) = images
    yz = py[:, None] ** 2 + pz[None, :] ** 2
    yz_bounces = by[:, None] + bz[None, :]
    for x, b in zip(px, bx):  # one wall's row of images at a time: memory stays small
        dist = np.sqrt(x * x + yz)
        at = np.rint(dist / SPEED_OF_SOUND * SAMPLE_RATE - first).astype(np.int64)
        keep = (at >= 0) & (at < n)
        np.add.at(h, at[keep], (direct / np.maximum(dist[keep], 1e-3)) * reflect ** (b + yz_bounces[keep]))
    return h.astype(np.float32)


def direct_to_reverberant_db(h: np.ndarray) -> float:
    """Energy of the direct path (the first 2.5 ms) against all that comes after it, in dB."""
    edge = int(0.0025 * SAMPLE_RATE)
    late = float(np.sum(h[edge:].astype(np.float64) ** 2))
    return 10 * np.log10(float(np.sum(h[:edge].astype(np.float64) ** 2)) / (late or 1e-12))


def through(audio: np.ndarray, rng: np.random.Generator, **room) -> np.ndarray:
    """``audio`` as heard across a random ``kitchen(rng, **room)``, at the level it had."""
    wet = convolve(audio.astype(np.float32), response(kitchen(rng, **room)))
    level = float(np.sqrt(np.mean(audio.astype(np.float64) ** 2)))
    return wet * (level / (float(np.sqrt(np.mean(wet.astype(np.float64) ** 2))) or 1.0))
