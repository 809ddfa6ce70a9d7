"""The live microphone through sounddevice, imported only here, only when used.

If the device cannot record at 16 kHz, it records at its own rate and the frames are
resampled. Input overflows (the computer fell behind) are counted and logged, never fatal.
"""

from __future__ import annotations

import logging
import queue
from typing import Any, Iterator

import numpy as np

from voice_attune import SAMPLE_RATE
from voice_attune.asr.frames import Frame, Framer
from voice_attune.errors import UserError

log = logging.getLogger(__name__)

_BLOCK_S = 0.03


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


class MicrophoneSource:
    """Frames from a live input device, with audio time counted from the first sample."""

    def __init__(self, device: str | None = None, block_seconds: float = _BLOCK_S):
        self.device = parse_device(device)
        self.overflows = 0
        self._block_seconds = block_seconds
        self._sd = import_sounddevice()
        self.rate = self._pick_rate()

    def _pick_rate(self) -> int:
        sd = self._sd
        try:
            sd.check_input_settings(device=self.device, samplerate=SAMPLE_RATE, channels=1, dtype="int16")
            return SAMPLE_RATE
        except (ValueError, sd.PortAudioError) as first:
            try:
                info = sd.query_devices(self.device, "input")
            except (ValueError, sd.PortAudioError):
                raise UserError(
                    f"no usable microphone ({_say_device(self.device)}: {first}); connect one, or "
                    "choose another in config.yaml audio.input_device (list: python -m sounddevice)"
                ) from None
            rate = int(info["default_samplerate"])
            log.info("microphone records at %d Hz; resampling to 16000 Hz", rate)
            return rate

    def frames(self) -> Iterator[Frame]:
        sd = self._sd
        blocks: queue.Queue[np.ndarray] = queue.Queue()

        def callback(indata: np.ndarray, _frames: int, _time: Any, status: Any) -> None:
            if status.input_overflow:
                self.overflows += 1
                log.warning("microphone input overflow (%d so far): audio was dropped", self.overflows)
            blocks.put(indata[:, 0].copy())

        framer = Framer(self.rate)
        try:
            stream = sd.InputStream(
                device=self.device,
                samplerate=self.rate,
                channels=1,
                dtype="float32",
                blocksize=int(self.rate * self._block_seconds),
                callback=callback,
            )
        except (ValueError, sd.PortAudioError) as exc:
            raise UserError(f"cannot open the microphone ({_say_device(self.device)}): {exc}") from None
        with stream:
            while True:
                try:
                    block = blocks.get(timeout=2.0)
                except queue.Empty:
                    if not stream.active:
                        raise UserError("the microphone stopped delivering audio (unplugged?)") from None
                    continue
                yield from framer.push(block)


def _say_device(device: int | str | None) -> str:
    return "the default input" if device is None else f"device {device!r}"
