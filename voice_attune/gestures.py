"""Pauses without words from devices: a key on the terminal, a push button on a GPIO pin.

Each device runs in its own thread and puts what was asked (pause, go on, end) in a queue; the
session's runner takes them at the next 30 ms frame, on the session's own clock. A double knock
on the table is heard by the listener instead (asr/knock.py).

- Keys (``run`` in a terminal): Space or p pauses; Enter goes on from a pause.
- The button: a press pauses, a press while paused goes on, a long press (2 s) ends the
  session kindly.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from contextlib import contextmanager
from typing import IO, Any, Iterator

from voice_attune.errors import UserError

log = logging.getLogger(__name__)

LONG_PRESS_S = 2.0
PAUSE_KEYS = (b" ", b"p", b"P")
GO_ON_KEYS = (b"\r", b"\n")


class Gestures:
    """A thread-safe queue of (kind, by): kind pause, go_on or end; by key or button."""

    def __init__(self) -> None:
        self._queue: queue.Queue[tuple[str, str]] = queue.Queue()

    def put(self, kind: str, by: str) -> None:
        self._queue.put((kind, by))

    def drain(self) -> list[tuple[str, str]]:
        """Everything asked since the last call, oldest first."""
        out = []
        while True:
            try:
                out.append(self._queue.get_nowait())
            except queue.Empty:
                return out


@contextmanager
def pause_keys(gestures: Gestures, stream: IO[Any]) -> Iterator[bool]:
    """While inside, keys typed on ``stream`` (a terminal) pause and go on; yields whether it
    listens (not when ``stream`` is not a terminal). The terminal is put back as it was."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        yield False
        return
    if not os.isatty(fd):
        yield False
        return
    import termios
    import tty

    saved = termios.tcgetattr(fd)
    stop = threading.Event()
    try:
        tty.setcbreak(fd)  # keys arrive one by one, unechoed; Ctrl+C still interrupts
        thread = threading.Thread(target=_read_keys, args=(gestures, fd, stop), name="pause-keys", daemon=True)
        thread.start()
        yield True
    finally:
        stop.set()
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def _read_keys(gestures: Gestures, fd: int, stop: threading.Event) -> None:
    import select

    while not stop.is_set():
        ready, _, _ = select.select([fd], [], [], 0.1)
        if not ready:
            continue
        try:
            key = os.read(fd, 1)
        except OSError:
            return
        if not key:
            return
        if key in PAUSE_KEYS:
            gestures.put("pause", "key")
        elif key in GO_ON_KEYS:
            gestures.put("go_on", "key")


def pause_button(gestures: Gestures, pin: int) -> Any:
    """A push button between ``pin`` (BCM) and ground: a press pauses (or goes on, when
    paused), a long press ends the session. Returns the gpiozero Button (close it after).
    Raises UserError with one line when gpiozero or the pin cannot be used."""
    button = open_button(pin, "daemon.gpio_pin")
    held = threading.Event()

    def on_held() -> None:
        held.set()
        gestures.put("end", "button")

    def on_released() -> None:
        if not held.is_set():
            gestures.put("pause", "button")
        held.clear()

    button.when_held = on_held
    button.when_released = on_released
    return button


def open_button(pin: int, setting: str) -> Any:
    """A gpiozero Button on ``pin`` pulled up, held after LONG_PRESS_S."""
    try:
        from gpiozero import Button
    except ImportError:
        raise UserError(f"{setting} is set but gpiozero is not installed; "
                        "install it with: pip install 'voice-attune[gpio]'") from None
    try:
        return Button(pin, pull_up=True, bounce_time=0.05, hold_time=LONG_PRESS_S)
    except Exception as exc:  # noqa: BLE001 - gpiozero raises many kinds when there is no GPIO
        raise UserError(f"cannot use GPIO pin {pin} for the button: {exc}") from None
