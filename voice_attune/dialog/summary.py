"""The session's tally and its summary: spoken at the end, printed, and in ``session_end``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

_NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


@dataclass
class Tally:
    """What happened in a session, counted as it goes."""

    speech_s: dict[str, float] = field(default_factory=lambda: {"A": 0.0, "B": 0.0})
    turns: dict[str, int] = field(default_factory=lambda: {"A": 0, "B": 0})
    pauses: int = 0
    care: int = 0
    """Care pauses: words that suggested danger were heard (never which)."""
    choices: dict[str, dict[str, str]] = field(default_factory=dict)
    """Choice id -> {partner letter or "both": value}."""
    follow_ups: list[dict[str, Any]] = field(default_factory=list)
    """Topics set aside ("not now" after a pause, a set_aside step), to come back to."""

    def follow_up(self, script: Any, step_id: str | None, t: float, topic: str | None = None) -> None:
        if any(f["step"] == step_id and f["title"] == (topic or script.title) for f in self.follow_ups):
            return  # a set_aside step inside for_each_partner: one thing to come back to
        self.follow_ups.append({"script": script.name, "title": topic or script.title, "step": step_id,
                                "t": round(t, 3)})

    def summary(self, names: dict[str, str], reason: str, duration: float) -> dict[str, Any]:
        """The summary object of the ``session_end`` event."""
        return {
            "reason": reason,
            "duration_s": round(duration, 3),
            "partners": {
                letter: {"name": names[letter], "speech_s": round(self.speech_s[letter], 3),
                         "turns": self.turns[letter]}
                for letter in ("A", "B")
            },
            "pauses": self.pauses,
            "care": self.care,
            "choices": self.choices,
            "follow_ups": self.follow_ups,
        }


def spoken(summary: dict[str, Any]) -> str:
    """A few short sentences saying the summary aloud."""
    parts = []
    talked = [(p["name"], p["speech_s"], p["turns"]) for p in summary["partners"].values() if p["turns"]]
    for name, seconds, turns in talked:
        parts.append(f"{name} spoke for about {about(seconds)}, in {count(turns, 'turn')}.")
    if summary["pauses"]:
        parts.append(f"You paused {times(summary['pauses'])}, and that's okay.")
    for choice in summary["choices"].values():
        for who, value in choice.items():
            if who in ("A", "B"):
                name = summary["partners"][who]["name"]
                parts.append(f"{name} chose {value}.")
    return " ".join(parts)


def about(seconds: float) -> str:
    """"40 seconds", "2 minutes", "a minute and a half": a rough duration as said aloud."""
    if seconds < 1:
        return "a moment"
    if seconds < 9.5:  # the printed summary's 7.5 s is "about 8 seconds", not "about 10"
        whole = int(seconds + 0.5)
        return "a second" if whole == 1 else f"{whole} seconds"
    if seconds < 55:
        return f"{max(10, int(round(seconds / 5.0)) * 5)} seconds"
    minutes = max(1.0, round(seconds / 60.0 * 2) / 2)
    whole = int(minutes)
    half = " and a half" if minutes != whole else ""
    if whole == 1:
        return f"a minute{half}"
    return f"{whole}{half} minutes"


def count(n: int, noun: str) -> str:
    word = _NUMBERS[n] if n < len(_NUMBERS) else str(n)
    return f"{word} {noun}" + ("" if n == 1 else "s")


def times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{count(n, 'time')}")


def clock(seconds: float) -> str:
    """"1:05" for printed transcripts."""
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"
