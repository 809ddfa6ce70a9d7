"""Reading single values of a script: words, numbers, ids, answers, menus, minutes.

Each reader raises :class:`Bad` with the line and a message saying what is allowed.
"""

from __future__ import annotations

import re
import types
import typing
from typing import Any, Callable, Literal, Union

import yaml

from voice_attune.dialog.template import BUILTINS
from voice_attune.script.steps import TARGETS, Group
from voice_attune.yamlio import line_of, number

MENU_MAX = 7
"""Most options in one spoken list (or group): more is hard to hold in mind."""
ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
RESERVED = set(TARGETS) | set(BUILTINS)
_NULL = "tag:yaml.org,2002:null"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"


class Bad(Exception):
    """One mistake at one line, raised while reading a value and collected by the caller."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


def is_null(node: yaml.Node) -> bool:
    """Whether a node is an empty value (``key:`` with nothing after it, or null)."""
    return isinstance(node, yaml.ScalarNode) and node.tag == _NULL


def is_word(node: yaml.Node, word: str) -> bool:
    """Whether a node is exactly this plain word."""
    return isinstance(node, yaml.ScalarNode) and node.value == word


def read(hint: Any, node: yaml.Node, key: str) -> Any:
    """A plain value of the type a field declares."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (Union, types.UnionType):
        if is_null(node):
            return None
        return read(next(a for a in args if a is not type(None)), node, key)
    if not isinstance(node, yaml.ScalarNode):
        raise Bad(line_of(node), f"'{key}' must be a single value, not a list or mapping")
    text, tag, line = node.value, node.tag, line_of(node)
    if origin is Literal:
        if text not in args:
            raise Bad(line, f"'{key}' is '{text}'; allowed: {', '.join(args)}")
        return text
    if hint is str:
        if tag == _NULL or not text.strip():
            raise Bad(line, f"'{key}' needs some words")
        return text.strip()
    if hint is bool:
        if tag != _BOOL:
            raise Bad(line, f"'{key}' must be true or false, not '{text}'")
        return text.lower() == "true"
    if hint is int:
        if tag != _INT:
            raise Bad(line, f"'{key}' must be a whole number, not '{text}'")
        return int(_number(node, key))
    if hint is float:
        if tag not in (_INT, _FLOAT):
            raise Bad(line, f"'{key}' must be a number of seconds, not '{text}'")
        return float(_number(node, key))
    raise TypeError(f"the script reader cannot read {hint!r} for {key}")  # a programming error


def _number(node: yaml.ScalarNode, key: str) -> int | float:
    try:
        return number(node)
    except ValueError as exc:
        raise Bad(line_of(node), f"'{key}': {exc}") from None


def minutes(node: yaml.Node) -> tuple[float, float]:
    """``5`` or ``3-6``: the expected length in minutes."""
    text = node.value if isinstance(node, yaml.ScalarNode) else None
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(?:-\s*(\d+(?:\.\d+)?)\s*)?", str(text or ""))
    if text is None or match is None:
        raise Bad(line_of(node), f"'minutes' must be a number or a range like 3-6, not '{text}'")
    low = float(match.group(1))
    high = float(match.group(2) or low)
    if not 0 < low <= high <= 240:
        raise Bad(line_of(node), f"'minutes' {text} must be more than 0, at most 240, lowest first")
    return low, high


def step_id(node: yaml.Node) -> str:
    """A step's id: one word, not a built-in placeholder or a jump word."""
    text = read(str, node, "id")
    if not ID.match(text):
        raise Bad(line_of(node), f"id '{text}' must be one word of letters, digits, _ or - "
                                 "(like feeling or round-2)")
    if text in RESERVED or text.lower() in TARGETS:
        reserved = ", ".join(sorted(RESERVED))
        raise Bad(line_of(node), f"id '{text}' is a reserved word; reserved: {reserved}")
    return text


def target(value: str, line: int) -> str:
    """An answer's destination: a step id, next or end (checked against the ids later)."""
    if value.lower() in TARGETS:
        return value.lower()
    if not ID.match(value):
        raise Bad(line, f"'{value}' is not a step id; an answer leads to a step id, next or end")
    return value


def words_mapping(node: yaml.Node, key: str, value_of: Callable[[str, int], str]) -> dict[str, str]:
    """A mapping of words to words (answers, needs); "yes" and "no" stay words."""
    if not isinstance(node, yaml.MappingNode) or not node.value:
        example = "{yes: next, no: end}" if key == "answers" else "{drained: quiet company}"
        raise Bad(line_of(node), f"'{key}' must be a mapping like {example}")
    out: dict[str, str] = {}
    for k, v in node.value:
        word = " ".join(str(k.value).lower().split())
        if not word:
            raise Bad(line_of(k), f"'{key}' has an empty word")
        if word in out:
            raise Bad(line_of(k), f"'{word}' is given twice in '{key}'")
        out[word] = value_of(read(str, v, f"{key}.{word}"), line_of(v))
    return out


def options(node: yaml.Node) -> tuple[tuple[str, ...], tuple[Group, ...]]:
    """A list of options, or a mapping of group names to lists; both kept short."""
    if isinstance(node, yaml.SequenceNode):
        return option_list(node, "options"), ()
    if isinstance(node, yaml.MappingNode):
        if len(node.value) > MENU_MAX:
            raise Bad(line_of(node), f"'options' has {len(node.value)} groups; at most {MENU_MAX}, "
                                     "so the spoken menu stays short")
        groups = tuple(
            Group(read(str, k, "options"), option_list(v, f"options.{k.value}")) for k, v in node.value
        )
        flat = [o for g in groups for o in g.options]
        repeated = sorted({o for o in flat if flat.count(o) > 1})
        if repeated:
            raise Bad(line_of(node), f"option '{repeated[0]}' is in two groups")
        return tuple(flat), groups
    raise Bad(line_of(node), "'options' must be a list like [calm, tense], "
                             "groups like {heavy: [drained, tense], light: [calm]}, "
                             "or the word feelings (the menu in config.yaml)")


def option_list(node: yaml.Node, key: str) -> tuple[str, ...]:
    """A short list of distinct option words."""
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        raise Bad(line_of(node), f"'{key}' must be a list of words like [calm, tense]")
    if len(node.value) > MENU_MAX:
        raise Bad(line_of(node), f"'{key}' has {len(node.value)} options; at most {MENU_MAX}, so the spoken "
                                 "menu stays short (group them: options: {heavy: [...], light: [...]})")
    words = [" ".join(read(str, item, key).lower().split()) for item in node.value]
    for i, word in enumerate(words):
        if word in words[:i]:
            raise Bad(line_of(node.value[i]), f"option '{word}' is given twice")
    return tuple(words)
