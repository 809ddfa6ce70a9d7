"""A session as a readable transcript: who spoke when, for how long, what the guide said.

It reads the one event schema, so it prints a live session, a simulation and a saved
``--events`` file alike.
"""

from __future__ import annotations

from typing import IO, Iterable

from voice_attune.dialog.summary import about, clock
from voice_attune.events import Event

_GUIDE = "Guide"
_NOTE = "·"
_HEARD = "(heard)"


class Transcript:
    """Turns events into lines like ``0:42  Sam     "I feel tired"``."""

    def __init__(self, out: IO[str], names: dict[str, str] | None = None, heard: bool = True):
        self.out = out
        self.names = dict(names or {"A": "A", "B": "B"})
        self.heard = heard
        self._turn: str | None = None
        self._width = 8

    def write(self, event: Event) -> None:
        line = self.line(event)
        if line is not None:
            self.out.write(line + "\n")
            self.out.flush()

    def write_all(self, events: Iterable[Event]) -> None:
        for event in events:
            self.write(event)

    def line(self, e: Event) -> str | None:
        """The transcript line for one event, or None for events it leaves out."""
        kind = e.type
        if kind == "session_start":
            self.names = dict(e.partners)
            self._width = max(len(_HEARD), len(_GUIDE), *(len(n) for n in self.names.values())) + 2
            engines = ", ".join(f"{k}: {v}" for k, v in e.engines.items())
            return self._row(e.t, _NOTE, f"Session '{e.script}' with {self.names['A']} and "
                                         f"{self.names['B']} ({engines})")
        if kind == "say_start":
            return self._row(e.t, _GUIDE, e.text)
        if kind == "say_end" and e.interrupted:
            return self._row(e.t, _GUIDE, "(stopped speaking)")
        if kind == "turn_start":
            self._turn = e.partner
            what = {"speak": "turn", "mirror": "turn to say back what they heard",
                    "clarify": "turn to clarify"}.get(e.role, f"{e.role} turn")
            return self._row(e.t, _NOTE, f"{self.names[e.partner]}'s {what} (up to {about(e.limit)})")
        if kind == "turn_warning":
            return None
        if kind == "turn_end":
            self._turn = None
            return self._row(e.t, _NOTE, f"{self.names[e.partner]}'s turn ended ({_REASONS.get(e.reason, e.reason)}): "
                                         f"spoke {e.speech_s:.1f} s of {e.turn_s:.1f} s")
        if kind == "final" and self.heard and e.text.strip():
            who = self.names[self._turn] if self._turn else _HEARD
            return self._row(e.t, who, f'"{e.text}"')
        if kind == "paused":
            return self._row(e.t, _NOTE, "PAUSED")
        if kind == "resumed":
            return self._row(e.t, _NOTE, "resumed")
        if kind == "choice":
            return self._row(e.t, _NOTE, f"chose {e.id} = {e.value}")
        if kind == "answer":
            return self._row(e.t, _NOTE, f"answered {e.id}: {e.value}")
        if kind == "session_end":
            return self._row(e.t, _NOTE, f"Session ended ({e.reason}).\n" + summary_lines(e.summary))
        return None

    def _row(self, t: float, who: str, text: str) -> str:
        return f"{clock(t):>6}  {who:<{self._width}}{text}"


_REASONS = {"done": "said done", "silence": "a long silence", "time_limit": "time was up",
            "pause": "paused", "skip": "skipped", "stop": "stopped"}


def summary_lines(summary: dict) -> str:
    """The printed summary under a transcript."""
    lines = [f"Summary: {clock(summary['duration_s'])} in all, {summary['pauses']} pause(s)."]
    for p in summary["partners"].values():
        lines.append(f"  {p['name']}: spoke {p['speech_s']:.1f} s in {p['turns']} turn(s)")
    for key, chosen in summary["choices"].items():
        picks = ", ".join(f"{summary['partners'][w]['name'] if w in ('A', 'B') else w}: {v}"
                          for w, v in chosen.items())
        lines.append(f"  {key}: {picks}")
    for item in summary["follow_ups"]:
        lines.append(f"  to come back to: {item['title']} (set aside at {clock(item['t'])})")
    return "\n".join(lines)
