"""Whether a service is failing, and the one notice said when it starts to.

A session never stops for a service: the local recognizer or voice stands in, and the couple
hears about it once, not at every utterance or prompt. When the service answers again, that is
only logged.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable

from voice_attune.wyoming.link import ServiceError

log = logging.getLogger(__name__)


class Outage:
    """The state of one service as its users found it; thread-safe."""

    def __init__(self, notice: Callable[[str], None], instead: str, retry_s: float | None = None,
                 clock: Callable[[], float] = time.monotonic):
        """``instead``: what stands in, for the notice ("the local voice speaks until it
        answers again"); ``retry_s``: after a failure, leave the service alone this long (None:
        try it again at the next request)."""
        self._notice = notice
        self._instead = instead
        self._retry_s = retry_s
        self._clock = clock
        self._lock = threading.Lock()
        self.down = False
        self._since = 0.0
        self.notices = 0
        """How many notices were said (one per outage)."""

    def failed(self, error: ServiceError) -> None:
        """A request failed: the first failure of an outage is said, the rest only logged."""
        with self._lock:
            first = not self.down
            self.down = True
            self._since = self._clock()
            if first:
                self.notices += 1
        if first:
            self._notice(f"{error}; {self._instead}")
        else:
            log.info("still failing: %s", error)

    def answered(self) -> None:
        """A request succeeded."""
        with self._lock:
            was_down, self.down = self.down, False
        if was_down:
            log.info("the service answers again")

    def worth_trying(self) -> bool:
        """Whether to ask the service now (or let the stand-in answer straight away)."""
        with self._lock:
            return not self.down or self._retry_s is None or self._clock() - self._since >= self._retry_s
