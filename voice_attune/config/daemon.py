"""The daemon's settings (config key ``daemon``): start phrases, the schedule, button and keys."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from voice_attune.text import normalize

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_SETS = {"every day": DAYS, "daily": DAYS, "weekdays": DAYS[:5], "weekends": DAYS[5:]}
MORNING_QUESTION = "Good morning. Would you like your morning check-in?"


@dataclass(frozen=True)
class ScheduleEntry:
    """At a time on some days: a soft chime and a question; yes starts ``script``."""

    at: str
    """Local time, HH:MM (24 hours)."""
    script: str = "morning"
    days: str = "weekdays"
    """weekdays, weekends, every day, or days like "mon, wed, fri"."""
    ask: str = MORNING_QUESTION
    """The question; yes starts the session, no or silence lets it be until the next day."""
    window_minutes: int = 30
    """If the device was off or busy at the time, it may still ask this many minutes later."""

    def __post_init__(self) -> None:
        if not re.fullmatch(r"([01]?\d|2[0-3]):[0-5]\d", self.at.strip()):
            raise ValueError(f"at is '{self.at}'; write a time like 07:30")
        if not self.weekdays():
            raise ValueError(f"days is '{self.days}'; write weekdays, weekends, every day, or days "
                             "like mon, wed, fri")
        if not 1 <= self.window_minutes <= 720:
            raise ValueError(f"window_minutes is {self.window_minutes}; use 1 to 720")
        if not self.ask.strip():
            raise ValueError("ask is empty; leave it out to use the morning question")

    def weekdays(self) -> tuple[int, ...]:
        """The days as Python weekday numbers (Monday 0)."""
        text = self.days.strip().lower()
        names = DAY_SETS.get(text) or tuple(d.strip()[:3] for d in text.split(",") if d.strip())
        if not names or any(n not in DAYS for n in names):
            return ()
        return tuple(sorted({DAYS.index(n) for n in names}))

    def minutes(self) -> int:
        hours, minutes = self.at.strip().split(":")
        return int(hours) * 60 + int(minutes)


@dataclass(frozen=True)
class DaemonSettings:
    """How the kitchen device is started."""

    start_phrases: dict[str, str] = field(default_factory=lambda: {
        "start check in": "daily-checkin", "morning ritual": "morning"})
    """Spoken phrase -> script. Besides these, "start" + any script's name ("start gratitude")."""
    spoken_names: bool = True
    """Also start any script by "start" and its name."""
    key_script: str = "daily-checkin"
    """What Enter on the terminal starts (type a script's name and Enter for another)."""
    gpio_pin: int | None = None
    """A push button between this GPIO pin (BCM number) and ground starts ``key_script``
    (needs the gpio extra: pip install 'voice-attune[gpio]')."""
    schedule: tuple[ScheduleEntry, ...] = ()
    """Offers at set times, e.g. [{at: "07:30", days: weekdays, script: morning}]."""

    def __post_init__(self) -> None:
        cleaned = {}
        for phrase, script in self.start_phrases.items():
            words = normalize(str(phrase))
            if len(words.split()) < 2:
                raise ValueError(f"start phrase '{phrase}' is one word; use two or more, so that "
                                 "talk in the room does not start a session")
            cleaned[words] = str(script)
        object.__setattr__(self, "start_phrases", cleaned)
        if self.gpio_pin is not None and not 0 <= self.gpio_pin <= 27:
            raise ValueError(f"gpio_pin is {self.gpio_pin}; a Raspberry Pi's GPIO pins are 0 to 27 (BCM)")
