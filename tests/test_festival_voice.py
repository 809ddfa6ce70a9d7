"""Festival's voices, a third synthesizer that no model here trains on: speech made in memory, for
the benchmarks' voices from outside everything the models met (scripts/bench_barge.py)."""

from __future__ import annotations

import pytest

from tests.conftest import assert_speech
from voice_attune.errors import UserError
from voice_attune.synthetic.speech import synthesize


@pytest.mark.parametrize("voice", ["festival:slt", "festival:ked"])
def test_festival_speaks_in_memory(voice):
    assert_speech(synthesize("Put a pot of tea on the table.", voice, 160))


def test_the_diphone_voice_speaks_at_the_speed_asked_for():
    slow = synthesize("Take a slow breath with me.", "festival:ked", 120)
    fast = synthesize("Take a slow breath with me.", "festival:ked", 200)
    assert 1.3 < slow.size / fast.size < 2.0  # 200/120 = 1.67


def test_an_unknown_festival_voice_is_one_clear_error():
    with pytest.raises(UserError, match="no Festival voice 'bob' here; known: slt, ked"):
        synthesize("hello", "festival:bob")
