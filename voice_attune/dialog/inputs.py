"""What the dialog engine is fed besides the listener's events, and what its flows receive.

The runner reports on the audio it was asked to play (``Started``, ``Played``), on the clock
(``Tick``) and on pauses asked for without words (``Gesture``: a key, a button, a knock); the engine turns listening events into ``Heard`` utterances, timers into ``Fired``,
and the end of a pause into ``Resume`` for the step that was interrupted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Started:
    """A prompt or earcon began to play."""

    t: float
    duration: float
    """Seconds the audio will last if nobody stops it."""


@dataclass(frozen=True)
class Played:
    """The prompt or earcon asked for has finished playing (not sent when it was stopped)."""

    t: float


@dataclass(frozen=True)
class Tick:
    """The audio clock moved on; timers due by ``t`` fire."""

    t: float


@dataclass(frozen=True)
class Heard:
    """One utterance of a partner: its words and the commands said in it."""

    t: float
    text: str
    start: float | None
    end: float | None
    commands: tuple[str, ...] = ()
    """Command names (done, next, repeat, ...) that this utterance really is, or ends with."""
    answer: str | None = None
    """The utterance as heard by the recognizer listening for the expected answers (if any)."""

    def match(self, choices, threshold: float = 88.0) -> str | None:
        """The choice the words match: the transcript first, then the expected-answer hearing.
        Choices named with a leading NUL ("\\0again") are asides, taken only when neither
        hearing matched an answer ("something wider" is "lighter" to the answer grammar)."""
        from voice_attune.dialog.answers import best_match

        said = best_match(self.text, choices, threshold)
        heard = best_match(self.answer, choices, threshold) if self.answer else None
        for found in (said, heard):  # an offered answer before "say it again", "something else"
            if found is not None and not found.startswith("\0"):
                return found
        return said or heard


@dataclass(frozen=True)
class Fired:
    """A timer of the current step came due."""

    t: float
    name: str


@dataclass(frozen=True)
class Resume:
    """The couple chose to go on after a pause; the interrupted step picks up again."""

    t: float
    paused_for: float
    """Seconds the pause lasted (the step's deadlines move by this much)."""


@dataclass(frozen=True)
class Gesture:
    """A pause, a go-on or an end asked for without words."""

    t: float
    kind: Literal["pause", "go_on", "end"]
    by: Literal["key", "button", "knock"]
