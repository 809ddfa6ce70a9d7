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
            if f.name != "t":
                body[f.name] = _jsonable(getattr(self, f.name))
        return body


def _jsonable(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
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
    type: ClassVar[str] = "final"


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
    type: ClassVar[str] = "spotted"


_TYPES: dict[str, type[Event]] = {
    cls.type: cls for cls in (SpeechStart, SpeechEnd, Partial, Final, Spotted)
}


def register(cls: type[Event]) -> type[Event]:
    """Make an event class known to :func:`from_dict` (used by the dialog events)."""
    _TYPES[cls.type] = cls
    return cls


def from_dict(data: dict[str, Any]) -> Event:
    """Rebuild a typed event from its JSON object."""
    cls = _TYPES[data["type"]]
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in names})


class EventLog:
    """Writes events as JSON lines, one object a line, flushed as they come."""

    def __init__(self, stream: IO[str] | None):
        self._stream = stream

    def write(self, events: Iterable[Event]) -> None:
        if self._stream is None:
            return
        for event in events:
            self._stream.write(json.dumps(event.to_dict(), ensure_ascii=False) + "\n")
        self._stream.flush()


def read_jsonl(stream: IO[str]) -> list[Event]:
    """Read events back from JSON lines."""
    return [from_dict(json.loads(line)) for line in stream if line.strip()]
