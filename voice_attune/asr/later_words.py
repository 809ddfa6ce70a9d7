"""Finals whose words come later, from a speech-to-text service: held in the order spoken.

On a microphone the listener looks in at every frame and takes what has arrived, so a slow
service never holds up a frame (nor the pause word in it). Over a file or a simulation it
waits at each utterance's end instead (at most the service's reply timeout): the audio clock
stands still meanwhile, so a run gives the same events every time.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Iterator, Protocol

from voice_attune.events import Final


class Later(Protocol):
    """Words on their way (asr/wyoming_engine.py's LaterText)."""

    def ready(self) -> bool: ...

    def text(self) -> str | None:
        """The words (waiting for them if need be); None: the service failed."""


@dataclass(frozen=True)
class Held:
    """An utterance whose final waits for the service."""

    later: Later
    local: Final | None
    """What the local recognizer made of it (None: nothing), standing in if the service fails."""
    onset: float
    """Audio seconds: where the voice activity began and ended (for words without times)."""
    offset: float


class LaterWords:
    """The utterances waiting for their words."""

    def __init__(self) -> None:
        self._held: deque[Held] = deque()

    def __bool__(self) -> bool:
        return bool(self._held)

    def hold(self, later: Later, local: Final | None, onset: float, offset: float) -> None:
        self._held.append(Held(later, local, onset, offset))

    def arrived(self, wait: bool) -> Iterator[tuple[Held, str | None]]:
        """Each held utterance whose answer is in, oldest first (all of them, if ``wait``),
        with the service's words (None: it failed). A later one never overtakes an earlier."""
        while self._held and (wait or self._held[0].later.ready()):
            held = self._held.popleft()
            yield held, held.later.text()

    def clear(self) -> None:
        self._held.clear()
