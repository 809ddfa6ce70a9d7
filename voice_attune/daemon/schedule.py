"""When to offer a session: the schedule's entries against the wall clock (DESIGN.md, principle 1:
the wall clock is for schedules only).

An entry is asked at most once a day, even across restarts: the day it was last asked is kept
in a small file in the data folder, so a daemon restarted at 07:31 does not ask again.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime
from pathlib import Path

from voice_attune.config.daemon import ScheduleEntry

log = logging.getLogger(__name__)
FILE = "schedule-asked.json"


def key(entry: ScheduleEntry) -> str:
    return f"{entry.at.strip()} {entry.script}"


class Schedule:
    """The entries, and the day each was last asked."""

    def __init__(self, entries: tuple[ScheduleEntry, ...], folder: Path | None = None):
        self.entries = entries
        self.path = folder / FILE if folder is not None else None
        self.asked: dict[str, str] = self._load()

    def due(self, now: datetime) -> ScheduleEntry | None:
        """The entry to ask now, if one is due and was not asked today."""
        minute = now.hour * 60 + now.minute
        today = now.date().isoformat()
        for entry in self.entries:
            start = entry.minutes()
            if (now.weekday() in entry.weekdays() and start <= minute < start + entry.window_minutes
                    and self.asked.get(key(entry)) != today):
                return entry
        return None

    def mark_asked(self, entry: ScheduleEntry, now: datetime) -> None:
        """Asked today (answered or not): not again until tomorrow."""
        self.asked[key(entry)] = now.date().isoformat()
        if self.path is None:
            return
        try:
            from voice_attune.welcome import private_dir

            private_dir(self.path.parent)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.asked, indent=1), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError as exc:
            log.warning("could not remember that the %s offer was made today (%s); it is "
                        "remembered until the daemon restarts", entry.script, exc)

    def _load(self) -> dict[str, str]:
        if self.path is None or not self.path.exists():
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
        except (OSError, ValueError) as exc:
            log.warning("%s could not be read (%s); starting afresh", self.path, exc)
            return {}
