"""Starts that are not spoken: a key on the terminal, a push button on a GPIO pin."""

from __future__ import annotations

import logging
import threading
from typing import IO, Any

from voice_attune.daemon.starts import Start
from voice_attune.errors import UserError

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
    """A push button between ``pin`` (BCM) and ground starts ``script``; needs gpiozero."""
    try:
        from gpiozero import Button
    except ImportError:
        raise UserError("daemon.gpio_pin is set but gpiozero is not installed; "
                        "install it with: pip install 'voice-attune[gpio]'") from None
    try:
        button = Button(pin, pull_up=True, bounce_time=0.1)
    except Exception as exc:  # noqa: BLE001 - gpiozero raises many kinds when there is no GPIO
        raise UserError(f"cannot use GPIO pin {pin} for the button: {exc}") from None
    button.when_pressed = lambda: daemon.request(Start(script, "button"))
    log.info("the button on GPIO %d starts %s", pin, script)
    return button
