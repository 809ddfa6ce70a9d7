"""What the history shows per week: sessions, each partner's share of speaking time, pauses and
the feelings chosen; and the words chosen, sorted into feelings, needs, goals and other words.

Pure: it reads ``history.Session`` objects and returns figures; the terminal, the chart and the
export all show these same figures.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Iterable, Mapping

if TYPE_CHECKING:
    from voice_attune.history import Session

KINDS = ("feeling", "need", "goal", "other")
"""What a word chosen from a menu is, as the history sorts it."""

# The ids the bundled scripts give their menus (voice_attune/sessions/*.yaml); a script of the
# couple's own is sorted by the same words in its ids, and by the feelings menu of config.yaml.
_FEELING_IDS = ("feel", "week", "mood")
_NEED_IDS = ("need", "support")
_GOAL_IDS = ("goal",)


def choice_kind(step: str, value: str, feelings_menu: Mapping[str, Mapping[str, str]] = {}) -> str:
    """feeling, need, goal or other: what a word chosen in the menu ``step`` is."""
    step = step.lower()
    if any(word in step for word in _GOAL_IDS):
        return "goal"
    if any(word in step for word in _NEED_IDS):
        return "need"
    if any(word in step for word in _FEELING_IDS) or any(value in words for words in feelings_menu.values()):
        return "feeling"
    return "other"


def need_of(feeling: str, feelings_menu: Mapping[str, Mapping[str, str]]) -> str | None:
    """The need the feelings menu pairs with ``feeling`` (None if it is not on the menu)."""
    return next((words[feeling] for words in feelings_menu.values() if feeling in words), None)


def minutes(seconds: float) -> str:
    """"1.4 min"; a time that would read 0.0 min is given in seconds ("2.3 s"), and none as "0 min"."""
    if seconds <= 0:
        return "0 min"
    if round(seconds / 60, 1) == 0:
        return f"{seconds:.1f} s"
    return f"{seconds / 60:.1f} min"


def spoken_by(session: Session) -> dict[str, float]:
    """Seconds each partner spoke in a session, by name."""
    spoke: dict[str, float] = {}
    for letter, partner in sorted(session.partners.items()):
        name = partner.get("name") or letter
        spoke[name] = spoke.get(name, 0.0) + float(partner.get("speech_s", 0.0))
    return spoke


def speaking_line(session: Session) -> list[str]:
    """"Sam 1.0 min (56%)" for each partner; one who had no turn: "Sam (no turn)" (the speaking
    time counts turns, not answers to menus and questions)."""
    spoke, share = spoken_by(session), shares(spoken_by(session))
    turns = {p.get("name") or letter: p.get("turns", 0) for letter, p in session.partners.items()}
    return [f"{name} (no turn)" if not turns.get(name) and not seconds
            else f"{name} {minutes(seconds)}" + (f" ({share[name]}%)" if share else "")
            for name, seconds in spoke.items()]


def shares(speech_s: Mapping[str, float]) -> dict[str, int]:
    """Each partner's share of the speaking time, in whole percent that add up to 100 (empty
    when nobody spoke)."""
    total = sum(speech_s.values())
    if total <= 0:
        return {}
    exact = {name: 100 * s / total for name, s in speech_s.items()}
    whole = {name: int(p) for name, p in exact.items()}
    # Largest remainders get the points lost to rounding down, so 56.5 + 43.5 is 57 + 43, not 56 + 43.
    for name in sorted(exact, key=lambda n: exact[n] - whole[n], reverse=True)[: 100 - sum(whole.values())]:
        whole[name] += 1
    return whole


@dataclass
class Week:
    """One week of the history (Monday to Sunday)."""

    start: date
    """The Monday the week begins."""
    sessions: int = 0
    speech_s: dict[str, float] = field(default_factory=dict)
    """Seconds each partner spoke, by name."""
    pauses: int = 0
    feelings: Counter = field(default_factory=Counter)
    """How often each feeling was chosen."""

    @property
    def shares(self) -> dict[str, int]:
        """Each partner's share of the week's speaking time, in percent."""
        return shares(self.speech_s)

    def to_dict(self) -> dict:
        return {"week_of": self.start.isoformat(), "sessions": self.sessions,
                "speech_s": {n: round(s, 1) for n, s in self.speech_s.items()},
                "share_percent": self.shares, "pauses": self.pauses,
                "feelings": dict(self.feelings.most_common())}


def monday(day: datetime | date) -> date:
    """The Monday of ``day``'s week."""
    day = day.date() if isinstance(day, datetime) else day
    return day - timedelta(days=day.weekday())


def weekly(sessions: Iterable[Session], first: date, last: date,
           feelings_menu: Mapping[str, Mapping[str, str]] = {}) -> list[Week]:
    """One ``Week`` for every week from the one holding ``first`` to the one holding ``last``,
    oldest first, empty weeks included."""
    weeks: dict[date, Week] = {}
    day = monday(first)
    while day <= monday(last):
        weeks[day] = Week(day)
        day += timedelta(weeks=1)
    names = _partner_order(sessions)
    for week in weeks.values():
        week.speech_s = {name: 0.0 for name in names}
    for s in sessions:
        week = weeks.get(monday(s.started))
        if week is None:
            continue
        week.sessions += 1
        week.pauses += s.pauses
        for name, seconds in spoken_by(s).items():
            week.speech_s[name] = week.speech_s.get(name, 0.0) + seconds
        week.feelings.update(v for step, _, v in s.choices if choice_kind(step, v, feelings_menu) == "feeling")
    return list(weeks.values())


def _partner_order(sessions: Iterable[Session]) -> list[str]:
    """The partners' names as the sessions give them, A before B, newest names first."""
    names: list[str] = []
    for s in sorted(sessions, key=lambda s: s.started, reverse=True):
        for name in spoken_by(s):
            if name not in names:
                names.append(name)
    return names


def most_chosen(sessions: Iterable[Session], kind: str, feelings_menu: Mapping[str, Mapping[str, str]] = {},
                n: int = 5) -> list[tuple[str, int]]:
    """The words of one kind (feeling, need, goal, other) chosen most, with how often."""
    return Counter(v for s in sessions for step, _, v in s.choices
                   if choice_kind(step, v, feelings_menu) == kind).most_common(n)
