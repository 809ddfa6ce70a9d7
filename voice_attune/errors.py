"""Errors a user can cause: reported in one line, exit status 2."""

from __future__ import annotations


def one_line(exc: BaseException) -> str:
    """The first line of an exception's message (libraries like PortAudio add more)."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


class UserError(Exception):
    """A mistake in the user's input: a file, a setting, a word, a device.

    Printed as ``file:line: message`` when the place is known.
    """

    def __init__(self, message: str, path: str | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line

    def __str__(self) -> str:
        if self.path and self.line:
            return f"{self.path}:{self.line}: {self.message}"
        if self.path:
            return f"{self.path}: {self.message}"
        return self.message
