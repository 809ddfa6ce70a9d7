"""What the guide said lately, for telling its own voice coming back through the microphone from
a partner's words."""

from __future__ import annotations

from dataclasses import dataclass

from voice_attune.text import contains, normalize, position

ECHO_SLACK = 1.5
"""Seconds around where a prompt says a phrase within which a spot of it is the prompt's echo."""
ECHO_LATE = 0.3
"""Seconds after a prompt ends that its last words may still be heard ending (room and VAD)."""


@dataclass
class Playing:
    """A prompt or earcon the runner is playing."""

    text: str | None
    """The words (None for an earcon)."""
    start: float
    duration: float | None = None


@dataclass
class Prompt:
    """A prompt that was spoken."""

    text: str
    start: float
    end: float | None = None
    duration: float | None = None


class SaidPrompts:
    """The last few prompts, with when they were said."""

    def __init__(self, keep: int = 5):
        self.keep = keep
        self.prompts: list[Prompt] = []

    def began(self, text: str, t: float) -> None:
        self.prompts = self.prompts[-(self.keep - 1):] + [Prompt(text, t)]

    def lasts(self, duration: float) -> None:
        """The runner says how long the latest prompt takes to play."""
        if self.prompts:
            self.prompts[-1].duration = duration

    def ended(self, t: float) -> None:
        if self.prompts:
            self.prompts[-1].end = t

    def is_echo(self, text: str, when: float, now: float, threshold: float) -> bool:
        """Whether words heard ending at ``when`` are a prompt coming back: the prompt says
        those words, and they were heard while it played, about where it says them."""
        heard = normalize(text)
        for prompt in self.prompts:
            words = normalize(prompt.text)
            if not contains(words, heard, threshold):
                continue
            duration = prompt.duration or (prompt.end or now) - prompt.start
            end = prompt.end if prompt.end is not None else prompt.start + duration
            if not prompt.start - 0.2 <= when <= end + ECHO_LATE:
                continue
            at = prompt.start + duration * position(words, heard)
            if abs(when - at) <= ECHO_SLACK:
                return True
        return False

    def during(self, t: float, now: float) -> bool:
        """Whether ``t`` falls while a prompt was playing (or just after it)."""
        for prompt in self.prompts:
            end = prompt.end if prompt.end is not None else now + 1.0
            if prompt.start <= t <= end + 0.3:
                return True
        return False
