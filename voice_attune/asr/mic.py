"""The live microphone through sounddevice (imported only when used, see devices.py).

If the device cannot record at 16 kHz, it records at its own rate and the frames are
resampled. Input overflows (the computer fell behind) are counted and logged, never fatal.
"""

from __future__ import annotations

import logging
import queue
from typing import Any, Iterator

import numpy as np

from voice_attune.asr.frames import Frame, Framer
from voice_attune.devices import import_sounddevice, parse_device, pick_rate, say_device
from voice_attune.errors import UserError, one_line

log = logging.getLogger(__name__)

_BLOCK_S = 0.03


class MicrophoneSource:
    """Frames from a live input device, with audio time counted from the first sample."""

    def __init__(self, device: str | None = None, block_seconds: float = _BLOCK_S):
        self.device = parse_device(device)
        self.overflows = 0
        self._block_seconds = block_seconds
        self._sd = import_sounddevice()
        self.rate = pick_rate(self._sd, self.device, "input", "int16")

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
            raise UserError(f"cannot open the microphone ({say_device(self.device, 'input')}): {one_line(exc)}") from None
        with stream:
            quiet = 0
            while True:
                try:
                    block = blocks.get(timeout=2.0)
                except queue.Empty:
                    quiet += 1
                    # An unplugged USB microphone may leave the stream "active" but silent for
                    # ever: two seconds without a block from an inactive stream, or four from
                    # any stream, is a microphone that is gone (the stream is then closed).
                    if not stream.active or quiet >= 2:
                        raise UserError("the microphone stopped delivering audio (unplugged?)") from None
                    continue
                quiet = 0
                yield from framer.push(block)

