"""Sound devices through sounddevice, shared by the microphone and the speaker.

sounddevice needs the PortAudio library even to import, so it is imported only here and only
on the live paths; tests and simulations never touch it.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

from voice_attune import SAMPLE_RATE
from voice_attune.errors import UserError, one_line

log = logging.getLogger(__name__)

Kind = Literal["input", "output"]
_NOUN = {"input": "microphone", "output": "speaker"}


def import_sounddevice() -> Any:
    """sounddevice, or a UserError saying what to install."""
    try:
        import sounddevice
    except OSError:
        raise UserError(
            "the PortAudio library is missing; install it (Debian: apt-get install libportaudio2)"
        ) from None
    except ImportError:
        raise UserError("sounddevice is not installed: pip install sounddevice") from None
    return sounddevice


def parse_device(device: str | None) -> int | str | None:
    """A device given as a number is an index; anything else is a name (or part of one)."""
    if device is None or device == "":
        return None
    return int(device) if device.strip().isdigit() else device


def say_device(device: int | str | None, kind: Kind) -> str:
    """How a message names the device."""
    return f"the default {kind}" if device is None else f"device {device!r}"


def pick_rate(sd: Any, device: int | str | None, kind: Kind, dtype: str) -> int:
    """16 kHz if the device takes it, else the device's own rate (the caller resamples)."""
    check = sd.check_input_settings if kind == "input" else sd.check_output_settings
    try:
        check(device=device, samplerate=SAMPLE_RATE, channels=1, dtype=dtype)
        return SAMPLE_RATE
    except (ValueError, sd.PortAudioError) as first:
        try:
            info = sd.query_devices(device, kind)
        except (ValueError, sd.PortAudioError):
            raise UserError(
                f"no usable {_NOUN[kind]} ({say_device(device, kind)}: {one_line(first)}); connect "
                f"one, or choose another in config.yaml audio.{kind}_device "
                "(list them with: voice-attune devices)"
            ) from None
    rate = int(info["default_samplerate"])
    log.info("the %s works at %d Hz; resampling to and from 16000 Hz", _NOUN[kind], rate)
    return rate
