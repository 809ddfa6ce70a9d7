"""Starts that are not spoken: Enter on the terminal, and a push button on a GPIO pin (through
gpiozero's mock pins, the real library without a Raspberry Pi)."""

from __future__ import annotations

import io
import threading
import time

import pytest

from voice_attune.daemon.triggers import watch_button, watch_keys
from voice_attune.gestures import Gestures


class Requests:
    def __init__(self):
        self.starts = []
        self.gestures = Gestures()
        self.in_session = threading.Event()

    def request(self, start):
        self.starts.append(start)


def test_enter_starts_the_default_script_and_a_name_starts_that_one():
    daemon = Requests()
    watch_keys(daemon, io.StringIO("\ngratitude\n"), "daily-checkin").join(5)
    assert [(s.script, s.how) for s in daemon.starts] == [("daily-checkin", "key"), ("gratitude", "key")]


def test_the_push_button_starts_a_session_and_pauses_one_in_progress(monkeypatch):
    gpiozero = pytest.importorskip("gpiozero")
    from gpiozero.pins.mock import MockFactory

    monkeypatch.setattr(gpiozero.Device, "pin_factory", MockFactory())
    daemon = Requests()
    button = watch_button(daemon, 17, "morning")
    try:
        pin = gpiozero.Device.pin_factory.pin(17)

        def press(seconds: float) -> None:
            pin.drive_low()  # pressed: the pin is pulled to ground
            time.sleep(seconds)
            pin.drive_high()
            time.sleep(0.2)

        press(0.1)
        assert [(s.script, s.how) for s in daemon.starts] == [("morning", "button")]
        daemon.in_session.set()
        press(0.1)
        press(2.5)
        assert len(daemon.starts) == 1
        assert daemon.gestures.drain() == [("pause", "button"), ("end", "button")]
    finally:
        button.close()


def test_a_button_without_gpiozero_is_one_clear_line(monkeypatch):
    import builtins

    from voice_attune.errors import UserError

    real_import = builtins.__import__

    def no_gpiozero(name, *args, **kw):
        if name == "gpiozero":
            raise ImportError("No module named 'gpiozero'")
        return real_import(name, *args, **kw)

    monkeypatch.setattr(builtins, "__import__", no_gpiozero)
    with pytest.raises(UserError) as caught:
        watch_button(Requests(), 17, "morning")
    assert "pip install 'voice-attune[gpio]'" in str(caught.value)
