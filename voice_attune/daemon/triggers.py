"""Starts that are not spoken: a key on the terminal, a push button on a GPIO pin (which also
pauses a session in progress)."""

from __future__ import annotations

import logging
import threading
from typing import IO, Any

from voice_attune.daemon.starts import Start
from voice_attune.gestures import open_button

log = logging.getLogger(__name__)


def watch_keys(daemon: Any, stream: IO[str], default: str) -> threading.Thread:
    """Enter starts ``default``; a script's name and Enter starts that one."""

    def read() -> None:
        for line in stream:
            name = line.strip() or default
            log.info("key press: starting %s", name)
            daemon.request(Start(name, "key"))

    thread = threading.Thread(target=read, name="keys", daemon=True)
    thread.start()
    return thread


def watch_button(daemon: Any, pin: int, script: str) -> Any:
    """A push button between ``pin`` (BCM) and ground starts ``script``; during a session a
    press pauses or goes on and a long press ends it (gestures.py). Needs gpiozero."""
    button = open_button(pin, "daemon.gpio_pin")
    held = threading.Event()

    def on_held() -> None:
        held.set()
        if daemon.in_session.is_set():
            daemon.gestures.put("end", "button")

    def on_released() -> None:
        if held.is_set():
            held.clear()
        elif daemon.in_session.is_set():
            daemon.gestures.put("pause", "button")
        else:
            daemon.request(Start(script, "button"))

    button.when_held = on_held
    button.when_released = on_released
    log.info("the button on GPIO %d starts %s, and pauses a session", pin, script)
    return button
