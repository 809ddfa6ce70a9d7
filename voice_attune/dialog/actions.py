"""What the dialog engine asks the runner to do: small typed actions, no I/O of their own.

The engine is pure (DESIGN.md, principle 2): it takes events and the audio clock and returns
these; the runner turns them into sound, timers and log lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Union

EarconName = Literal["turn_start", "turn_end", "pause"]
"""The soft tones of voice_attune/voice/earcons.py."""


@dataclass(frozen=True)
class Say:
    """Speak a prompt (already filled in); the runner reports back when it has finished."""

    text: str
    speed: float = 1.0
    """Speaking rate relative to the configured voice (a low-energy session speaks slower)."""
    private: bool = False
    """It reads back something of the couple's (their words, a choice, a topic set aside): its
    audio must never be kept on disk (the prompt cache keeps only the guide's own words)."""


@dataclass(frozen=True)
class StopSpeaking:
    """Stop the voice at once (the pause word, "stop")."""


@dataclass(frozen=True)
class Listen:
    """Open the microphone for a partner: what is heard now counts as theirs."""

    partner: str | None
    """"A", "B", or None when either may answer."""
    phrases: tuple[str, ...] = ()
    """Answers expected now (a yes/no question, a menu), to help the spotter; empty: free speech."""


@dataclass(frozen=True)
class Chime:
    """Play a short earcon."""

    name: EarconName


@dataclass(frozen=True)
class ResetRecognizer:
    """Forget what the recognizers heard, so the assistant's echo never becomes a partner's words."""


@dataclass(frozen=True)
class End:
    """The session is over."""

    reason: str
    """finished, stop, not_now, unanswered or error (as in the session_end event)."""


Action = Union[Say, StopSpeaking, Listen, Chime, ResetRecognizer, End]
