"""Prompt templates: ``{name}`` placeholders, ``{{`` and ``}}`` for literal braces.

A placeholder is a built-in name ({A}, {speaker}, {pause_word}, ...) or the id of a choose or
ask step, optionally with a part: ``{feeling.A}``, ``{feeling.need}``, ``{feeling.B.need}``.
"""

from __future__ import annotations

import string
from typing import Mapping

BUILTINS = ("A", "B", "speaker", "listener", "pause_word", "pause_also", "remaining", "options",
            "crisis_line")
"""Placeholders every script may use (some only in certain steps; see the loader's checks)."""

PARTS = ("A", "B", "need")
"""What may follow a value id after a dot."""

_FORMATTER = string.Formatter()


def placeholders(text: str) -> list[str]:
    """The placeholder names in ``text``, in order; ValueError says what is malformed."""
    names: list[str] = []
    try:
        parsed = list(_FORMATTER.parse(text))
    except ValueError as exc:
        # str.format's own wording ("Single '}' encountered...") is fine for a programmer only.
        raise ValueError(f"a lone {{ or }} ({exc}); write {{{{ or }}}} for a brace itself") from None
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if not name.strip():
            raise ValueError("an empty {} placeholder; write a name inside the braces, like {A}")
        if spec or conversion:
            raise ValueError(f"placeholder {{{name}}} may not have ':' or '!' in it")
        names.append(name.strip())
    return names


def without_placeholders(text: str) -> str:
    """The literal words of ``text``, each placeholder replaced by a space."""
    try:
        parsed = list(_FORMATTER.parse(text))
    except ValueError:
        return text
    return " ".join(literal for literal, *_ in parsed)


def fill(text: str, values: Mapping[str, str]) -> str:
    """Render a template; every placeholder must have a value (scripts are checked on load)."""
    out: list[str] = []
    for literal, name, _, _ in _FORMATTER.parse(text):
        out.append(literal)
        if name is not None:
            out.append(str(values[name.strip()]))
    return "".join(out)
