"""State-scoped timers on the audio clock."""

from __future__ import annotations

from voice_attune.dialog.timers import Timers


def test_timers_fire_in_order_once():
    timers = Timers()
    timers.set("turn", "limit", 60.0)
    timers.set("turn", "warning", 40.0)
    assert timers.next_due() == 40.0
    assert timers.due(39.9) == []
    assert [t.name for t in timers.due(60.0)] == ["warning", "limit"]
    assert timers.due(100.0) == []


def test_leaving_a_state_cancels_its_timers_only():
    timers = Timers()
    timers.set("turn", "warning", 40.0)
    timers.set("session", "give_up", 300.0)
    timers.cancel("turn")
    assert [t.name for t in timers.due(1000.0)] == ["give_up"]


def test_a_paused_turn_keeps_its_remaining_time():
    timers = Timers()
    timers.set("turn", "limit", 60.0)
    timers.shift("turn", 25.0)  # 25 s of pause
    assert timers.due(60.0) == []
    assert [t.due for t in timers.due(85.0)] == [85.0]
