"""A progress line for long work: the stage, a bar and the share done, on one terminal line
(or a line per stage when the output is not a terminal, such as a log)."""

from __future__ import annotations

import time
from typing import IO, Callable


class StageBar:
    """Called as ``bar(stage, fraction)``; ``finish()`` clears the line."""

    def __init__(self, stream: IO[str], title: str, width: int = 24, clock: Callable[[], float] = time.monotonic):
        self._stream = stream
        self._title = title
        self._width = width
        self._live = stream.isatty()
        self._stage: str | None = None
        self._clock = clock
        self._start = clock()
        self._shown = -1.0

    def __call__(self, stage: str, fraction: float) -> None:
        fraction = min(1.0, max(0.0, fraction))
        elapsed = self._clock() - self._start
        if not self._live:
            if stage != self._stage:
                print(f"{self._title}: {stage}... ({elapsed:.0f} s)", file=self._stream, flush=True)
            self._stage = stage
            return
        if stage == self._stage and fraction - self._shown < 0.02 and fraction < 1.0:
            return
        self._stage, self._shown = stage, fraction
        filled = int(round(fraction * self._width))
        bar = "#" * filled + "-" * (self._width - filled)
        line = f"{self._title} [{bar}] {fraction:4.0%} {stage} ({elapsed:.0f} s)"
        self._stream.write("\r" + line[:110].ljust(110))
        self._stream.flush()

    def finish(self) -> None:
        if self._live and self._stage is not None:
            self._stream.write("\r" + " " * 110 + "\r")
            self._stream.flush()
