"""A partner across the room: the benchmarks' room of a kind no training makes (synthetic/shoebox.py)."""

from __future__ import annotations

import numpy as np
import pytest

from voice_attune import SAMPLE_RATE
from voice_attune.synthetic import shoebox


def decay_time_s(h: np.ndarray) -> float:
    """T20 from the backwards-integrated energy (Schroeder), extrapolated to 60 dB."""
    energy = np.cumsum((h.astype(np.float64) ** 2)[::-1])[::-1]
    db = 10 * np.log10(energy / energy[0])
    return (int(np.argmax(db < -25)) - int(np.argmax(db < -5))) / SAMPLE_RATE * 3


def test_a_kitchen_response_starts_with_the_direct_path_and_its_reflections_outweigh_it():
    for seed in range(5):
        room = shoebox.kitchen(np.random.default_rng(seed))
        h = shoebox.response(room)
        assert h[0] == pytest.approx(1.0) and np.argmax(np.abs(h)) == 0
        assert 1.0 <= room.distance <= 2.5 and 0.3 <= room.rt60_s <= 0.6
        # 1-2.5 m from the talker in a furnished room the reflections carry more sound than
        # the direct path, and the sound dies away within about a second.
        assert shoebox.direct_to_reverberant_db(h) < -3.0
        assert 0.2 < decay_time_s(h) < 1.2
    assert np.array_equal(shoebox.response(shoebox.kitchen(np.random.default_rng(3))),
                          shoebox.response(shoebox.kitchen(np.random.default_rng(3))))


def test_further_away_more_of_what_the_microphone_hears_is_the_room():
    near = shoebox.kitchen(np.random.default_rng(8), distance=(0.3, 0.3))
    far = shoebox.kitchen(np.random.default_rng(8), distance=(2.5, 2.5))
    assert near.size == far.size and near.absorption == far.absorption
    assert shoebox.direct_to_reverberant_db(shoebox.response(near)) > shoebox.direct_to_reverberant_db(shoebox.response(far)) + 8


def test_speech_heard_across_the_room_keeps_its_level_and_is_smeared():
    rng = np.random.default_rng(1)
    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    burst = (np.sin(2 * np.pi * 220 * t) * (t < 0.2) * 3000).astype(np.float32)
    wet = shoebox.through(burst, rng)
    assert np.sqrt(np.mean(wet.astype(np.float64) ** 2)) == pytest.approx(np.sqrt(np.mean(burst.astype(np.float64) ** 2)), rel=1e-3)
    assert np.sqrt(np.mean(wet[int(0.3 * SAMPLE_RATE):] ** 2)) > 100  # still ringing 100 ms after the sound stopped
