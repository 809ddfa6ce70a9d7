"""Typed events and their one serialization: JSON lines (DESIGN.md, "Contract: events").

Every event has ``t``: seconds of audio consumed since the session began (samples / 16000).
Times inside events are audio seconds too.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import IO, Any, ClassVar, Iterable


@dataclass(frozen=True)
class Event:
    """Base of all events."""

    t: float
    """Audio seconds since the session began."""
    type: ClassVar[str] = "event"

    def to_dict(self) -> dict[str, Any]:
        """The event as the JSON object of the contract."""
        body = {"t": round(self.t, 3), "type": self.type}
        for f in dataclasses.fields(self):
            if f.name != "t" and f.metadata.get("logged", True):
                body[f.name] = jsonable(getattr(self, f.name))
        return body


def jsonable(value: Any) -> Any:
    """Floats rounded to milliseconds, tuples as lists, all the way down."""
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


@dataclass(frozen=True)
class SpeechStart(Event):
    """Voice activity began; ``t`` is the onset of the speech (seconds)."""

    type: ClassVar[str] = "speech_start"


@dataclass(frozen=True)
class SpeechEnd(Event):
    """Voice activity ended; ``t`` is the end of the last speech frame (seconds)."""

    duration: float
    """Seconds from the onset to the end of the speech."""
    type: ClassVar[str] = "speech_end"


@dataclass(frozen=True)
class Partial(Event):
    """A partial transcript that may still change (only with --partials)."""

    text: str
    type: ClassVar[str] = "partial"


@dataclass(frozen=True)
class Final(Event):
    """A finished transcript of one utterance."""

    text: str
    start: float | None
    """Seconds: when the first recognized word began (None if unknown)."""
    end: float | None
    """Seconds: when the last recognized word ended (None if unknown)."""
    answer: str | None = dataclasses.field(default=None, metadata={"logged": False})
    """The same utterance heard as one of the answers a question expects (not logged)."""
    care: bool = dataclasses.field(default=False, metadata={"logged": False})
    """Its words suggested danger (asr/carewords.py): ``text`` is then withheld, here and in the log."""
    type: ClassVar[str] = "final"


SURE_STOP = 95.7
"""A "stop" the keyword model reports (``Spotted.score`` 0-100, ``source`` keyword) is sure at this
score: over the guide's voice it stops it at once, and the session ends without asking.
Below it, over the guide it waits for the utterance to end, and the dialog pauses first and asks
whether to go on ("not now", or "stop" again, ends): a pause can be undone where an ended session
cannot. It is the commands model's threshold for "stop" until 2026-12-05, at which 5 of 13,559
kept-back sayings without it set it off; its threshold is now lower (0.77, 26 of them), so that
"stop" is heard under babble and behind a talker."""


@dataclass(frozen=True)
class Spotted(Event):
    """The pause word or a command was heard."""

    kind: str
    """"pause" or "command"."""
    name: str
    """pause, resume, repeat, next, more_time, done, stop, yes, no or help."""
    text: str
    """The words that matched."""
    score: float
    """0-100: how closely they matched."""
    word_end: float | None
    """Seconds: when the spotted phrase ended in the audio (None if unknown)."""
    source: str = "transcript"
    """Which detector heard it: "keyword" (a trained keyword model, on every frame) or
    "transcript" (the recognizers' words, matched by the spotter)."""
    type: ClassVar[str] = "spotted"


@dataclass(frozen=True)
class SessionStart(Event):
    """A guided session began."""

    script: str
    partners: dict
    """{"A": name, "B": name}."""
    engines: dict
    """What hears and speaks, e.g. {"recognizer": "pocketsphinx", "voice": "piper"}."""
    type: ClassVar[str] = "session_start"


@dataclass(frozen=True)
class StepStarted(Event):
    """The session moved to a step of its script."""

    id: str
    kind: str
    type: ClassVar[str] = "step"


@dataclass(frozen=True)
class SayStart(Event):
    """The assistant started speaking."""

    text: str
    type: ClassVar[str] = "say_start"


@dataclass(frozen=True)
class SayEnd(Event):
    """The assistant stopped speaking: finished, or cut off (the pause word, "stop")."""

    interrupted: bool
    type: ClassVar[str] = "say_end"


@dataclass(frozen=True)
class TurnStart(Event):
    """A partner's speaking turn began."""

    partner: str
    """"A" or "B"."""
    role: str
    """What the turn is for: speak, mirror, clarify, answer."""
    limit: float
    """Seconds the turn may last."""
    type: ClassVar[str] = "turn_start"


@dataclass(frozen=True)
class TurnWarning(Event):
    """The gentle warning before a turn's time is up."""

    partner: str
    remaining: float
    """Seconds left in the turn."""
    type: ClassVar[str] = "turn_warning"


TURN_END_REASONS = ("done", "silence", "time_limit", "pause", "skip", "stop")


@dataclass(frozen=True)
class TurnEnd(Event):
    """A partner's turn ended."""

    partner: str
    reason: str
    """One of TURN_END_REASONS."""
    speech_s: float
    """Seconds the partner actually spoke in the turn."""
    turn_s: float
    """Seconds from the turn's start to its end."""
    type: ClassVar[str] = "turn_end"


@dataclass(frozen=True)
class Paused(Event):
    """Everything paused: the pause word, a key, the button, a knock, words that suggest
    danger, a check-in answered "no", or the microphone gone."""

    by: str | None
    """What asked for it: word, key, button, knock, care, check_in or microphone (None: unknown)."""
    type: ClassVar[str] = "paused"


@dataclass(frozen=True)
class Resumed(Event):
    """The session went on after a pause."""

    type: ClassVar[str] = "resumed"


@dataclass(frozen=True)
class Choice(Event):
    """A partner chose from a spoken menu."""

    id: str
    value: str
    heard: str
    """The words the choice was matched from."""
    type: ClassVar[str] = "choice"


@dataclass(frozen=True)
class Answer(Event):
    """A question was answered."""

    id: str
    value: str
    type: ClassVar[str] = "answer"


KEEP_WORDS_ID = "keep-words-{partner}"
"""The ``answer`` id of each partner's answer to "shall we keep today's words?"."""


def both_agreed_to_keep_words(events: Iterable[Event]) -> bool:
    """Whether a session's events hold both partners' yes to keeping their words."""
    said = {e.id: e.value for e in events if isinstance(e, Answer)}
    return all(said.get(KEEP_WORDS_ID.format(partner=p)) == "yes" for p in "AB")


@dataclass(frozen=True)
class SessionEnd(Event):
    """The session ended."""

    reason: str
    """Why: finished, stop, not_now, unanswered, error."""
    summary: dict
    """Each partner's speaking time and turns, pauses, chosen words."""
    type: ClassVar[str] = "session_end"


_TYPES: dict[str, type[Event]] = {
    cls.type: cls
    for cls in (
        SpeechStart, SpeechEnd, Partial, Final, Spotted,
        SessionStart, StepStarted, SayStart, SayEnd, TurnStart, TurnWarning, TurnEnd,
        Paused, Resumed, Choice, Answer, SessionEnd,
    )
}


def from_dict(data: dict[str, Any]) -> Event:
    """Rebuild a typed event from its JSON object."""
    cls = _TYPES[data["type"]]
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in names})


class EventLog:
    """Writes events as JSON lines, one object a line, flushed as they come."""

    def __init__(self, stream: IO[str] | None):
        self._stream = stream

    @classmethod
    def to_file(cls, path: str | None, stack: Any, mode: str = "w") -> "EventLog":
        """A log writing to ``path`` (closed with ``stack``, an ExitStack), or to nowhere."""
        from voice_attune.errors import UserError

        if not path:
            return cls(None)
        try:
            from voice_attune.privatefiles import open_private

            return cls(stack.enter_context(open_private(path, mode)))
        except OSError as exc:
            raise UserError(f"cannot write events: {exc.strerror}", path) from None

    def write(self, events: Iterable[Event]) -> None:
        if self._stream is None:
            return
        for event in events:
            self._stream.write(json.dumps(event.to_dict(), ensure_ascii=False) + "\n")
        self._stream.flush()


def read_jsonl(stream: IO[str]) -> list[Event]:
    """Read events back from JSON lines."""
    return [from_dict(json.loads(line)) for line in stream if line.strip()]
