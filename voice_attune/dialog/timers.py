"""Timers on the audio clock that belong to a state and vanish when it is left.

As in python-statemachine, a timer is scoped: leaving the step (or the turn) cancels every
timer it set, so a stale "twenty seconds left" can never fire in the next step.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Timer:
    """A named deadline in audio seconds, owned by a scope."""

    name: str
    due: float
    scope: str


class Timers:
    """The engine's pending deadlines; ``due(now)`` hands back those that have come."""

    def __init__(self) -> None:
        self._pending: dict[tuple[str, str], Timer] = {}

    def set(self, scope: str, name: str, due: float) -> None:
        """Set (or move) the timer ``name`` of ``scope`` to fire at audio time ``due``."""
        self._pending[(scope, name)] = Timer(name, due, scope)

    def cancel(self, scope: str, name: str | None = None) -> None:
        """Cancel one timer of a scope, or all of them when ``name`` is None."""
        for key in [k for k in self._pending if k[0] == scope and (name is None or k[1] == name)]:
            del self._pending[key]

    def shift(self, scope: str, seconds: float) -> None:
        """Push every timer of a scope later (a turn resumed after a pause keeps its remaining time)."""
        for key, timer in list(self._pending.items()):
            if key[0] == scope:
                self._pending[key] = Timer(timer.name, timer.due + seconds, scope)

    def due(self, now: float, scopes: tuple[str, ...] | None = None) -> list[Timer]:
        """Remove and return the timers due by ``now``, earliest first (only of ``scopes`` if given)."""
        fired = sorted(
            (t for t in self._pending.values()
             if t.due <= now + 1e-9 and (scopes is None or t.scope in scopes)),
            key=lambda t: t.due,
        )
        for timer in fired:
            del self._pending[(timer.scope, timer.name)]
        return fired

    def next_due(self) -> float | None:
        """When the next timer fires, if any."""
        return min((t.due for t in self._pending.values()), default=None)

    def __contains__(self, key: tuple[str, str]) -> bool:
        return key in self._pending
