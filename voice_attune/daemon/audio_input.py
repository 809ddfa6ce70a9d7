"""A microphone that may come and go: frames on one continuous clock, and gaps while it is away.

The device is read in a thread, so a device that raises, or simply stops delivering audio
(a stall), is noticed within ``stall_s`` of wall time without blocking the daemon. It is then
reopened every ``retry_s`` until it works again; meanwhile ``frames()`` yields ``Gap``s, so the
daemon can still answer SIGTERM, keys, the schedule, and keep a paused session's clock.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass
from typing import Callable, Iterator

from voice_attune import FRAME_SAMPLES, SAMPLE_RATE
from voice_attune.asr.frames import Frame
from voice_attune.errors import one_line

log = logging.getLogger(__name__)
FRAME_S = FRAME_SAMPLES / SAMPLE_RATE


@dataclass(frozen=True)
class Gap:
    """The device is away: ``seconds`` of wall time passed without audio."""

    seconds: float


_END = object()


class ResilientInput:
    """Frames from ``open_frames()`` (a new iterator each time the device is opened)."""

    def __init__(self, open_frames: Callable[[], Iterator[Frame]], retry_s: float = 1.0,
                 stall_s: float = 2.0, poll_s: float = 0.1, sleep: Callable[[float], None] = time.sleep,
                 on_change: Callable[[bool], None] | None = None):
        self.open_frames = open_frames
        self.retry_s, self.stall_s, self.poll_s = retry_s, stall_s, poll_s
        self.sleep = sleep
        self.on_change = on_change or (lambda available: None)
        self.available = False
        self.now = 0.0
        """Audio seconds of every frame delivered so far, across reopenings."""
        self.stopped = threading.Event()
        self.losses = 0

    def stop(self) -> None:
        self.stopped.set()

    def frames(self) -> Iterator[Frame | Gap]:
        """Frames on one clock, and a Gap about every ``poll_s`` while the device is away."""
        reported_missing = False
        while not self.stopped.is_set():
            try:
                source = self.open_frames()
            except Exception as exc:  # noqa: BLE001 - any failure to open is "not there yet"
                if not reported_missing:
                    log.warning("no microphone (%s); trying again every %g s", one_line(exc), self.retry_s)
                    reported_missing = True
                yield from self._wait(self.retry_s)
                continue
            reported_missing = False
            yield from self._read(source)
            if not self.stopped.is_set():
                yield from self._wait(self.retry_s)

    def _read(self, source: Iterator[Frame]) -> Iterator[Frame | Gap]:
        blocks: queue.Queue = queue.Queue(maxsize=64)
        stop = threading.Event()

        def pump() -> None:
            try:
                for frame in source:
                    while not stop.is_set():
                        try:
                            blocks.put(frame, timeout=0.2)
                            break
                        except queue.Full:
                            continue
                    if stop.is_set():
                        break
                blocks.put(_END)
            except BaseException as exc:  # noqa: BLE001 - handed to the daemon's thread
                blocks.put(exc)

        thread = threading.Thread(target=pump, name="microphone", daemon=True)
        thread.start()
        last = time.monotonic()
        first = True
        try:
            while not self.stopped.is_set():
                try:
                    item = blocks.get(timeout=self.poll_s)
                except queue.Empty:
                    if time.monotonic() - last > self.stall_s:
                        self._lost(f"it stopped delivering audio for {self.stall_s:.0f} s")
                        return
                    if not first:
                        yield Gap(0.0)  # a beat for the daemon to look at signals and keys
                    continue
                if item is _END:
                    self._lost("its stream ended")
                    return
                if isinstance(item, BaseException):
                    self._lost(one_line(item))
                    return
                if first:
                    first = False
                    self._set(True)
                last = time.monotonic()
                frame = Frame(item.pcm, self.now)
                self.now += FRAME_S
                yield frame
        finally:
            stop.set()

    def _lost(self, why: str) -> None:
        self.losses += 1
        log.warning("the microphone was lost (%s); waiting for it to come back", why)
        self._set(False)

    def _set(self, available: bool) -> None:
        if available != self.available:
            self.available = available
            if available:
                log.info("the microphone is listening")
            self.on_change(available)

    def _wait(self, seconds: float) -> Iterator[Gap]:
        waited = 0.0
        while waited < seconds and not self.stopped.is_set():
            step = min(self.poll_s, seconds - waited)
            self.sleep(step)
            waited += step
            yield Gap(step)
