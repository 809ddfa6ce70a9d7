"""What a step may use of the session it runs in: the ``Host`` Protocol, and the small types
around it.

Steps (``basics.py``, ``talk.py``, ``questions.py``, ...) are generators over the engine's
inputs. They never import the engine: they are handed a ``Host`` and use only what it lists
here, so the engine can import every step and no step imports back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generator, Mapping, Protocol

from voice_attune.config import Config, Partners
from voice_attune.dialog.summary import Tally
from voice_attune.script.steps import Script, Settings

Gen = Generator[None, Any, Any]
"""A step: it emits through its host and waits for the next input with ``inp = yield``."""


class Ended(Exception):
    """Raised inside a flow once the session has ended, to unwind every step at once."""


@dataclass
class Segment:
    """One stretch of voice activity heard by the listener, in audio seconds."""

    onset: float
    offset: float | None = None


@dataclass(frozen=True)
class DialogSettings:
    """The engine's own settings, taken from the config by whoever builds the engine."""

    pause_word: str = "pineapple"
    partners: Partners = Partners()
    earcons: bool = True
    fuzzy_threshold: float = 80.0
    """How closely heard words must match a prompt's to count as its echo (0-100)."""
    knock_pause: bool = True
    """A double knock pauses: the pause reminder says so."""
    crisis_line: str = ""
    """The words that give the crisis line, said by the care pause."""
    commands: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Each command's phrases ("done": "I'm done", ...), to leave them out of remembered words."""

    @classmethod
    def of(cls, config: Config, partners: Partners | None = None) -> DialogSettings:
        """What the engine needs of the config (``partners`` overrides the config's names)."""
        return cls(
            pause_word=config.pause_words[0], partners=partners or config.partners,
            earcons=config.voice.earcons, fuzzy_threshold=config.spotter.fuzzy_threshold,
            knock_pause=config.pause_by.knock, crisis_line=config.care.line(),
            commands={name: tuple(texts) for name, texts in config.spotter.commands.items()})


class OpenTurnLike(Protocol):
    def close(self, host: Any, reason: str) -> None: ...


class Host(Protocol):
    """What steps use of the session: its clock, what it has heard and chosen, and how to speak,
    listen and set timers. ``dialog.engine.Engine`` is the one implementation."""

    script: Script
    settings: Settings
    """The script's settings, for this session's energy."""
    dialog: DialogSettings
    now: float
    low_energy: bool
    first_session: bool
    first_notice_said: bool
    follow_up: str | None
    follow_up_talked: bool
    ask_to_keep_words: bool
    keep_words: bool
    ending: bool
    last_prompt: str | None
    heard_at: float
    loop_speaker: str | None
    step_id: str | None
    turn: OpenTurnLike | None
    values: dict[str, dict[str, str]]
    needs: dict[str, dict[str, str]]
    segments: list[Segment]
    tally: Tally
    personal: set[str]
    """Filled-in prompt texts that read back something of the couple's (``basics.text_of``)."""

    @property
    def in_speech(self) -> bool: ...

    @property
    def pause_word(self) -> str: ...

    def emit(self, *outs: Any) -> None: ...

    def play_prompt(self, text: str, remember: bool = True) -> None: ...

    def play_chime(self, name: Any) -> bool: ...

    def listen(self, partner: str | None, phrases: tuple[str, ...] = ()) -> None: ...

    def set_timer(self, name: str, due: float) -> None: ...

    def cancel_timer(self, name: str | None = None) -> None: ...

    def name(self, letter: str) -> str: ...

    def begin_pause(self, by: str | None = None) -> None: ...
