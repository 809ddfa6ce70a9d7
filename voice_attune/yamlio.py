"""A YAML reader for people's files: keeps yes/no/on/off as words and knows line numbers.

YAML 1.1 turns ``yes`` and ``no`` into booleans, which would break a voice app whose answers
are "yes" and "no"; here only ``true`` and ``false`` are booleans.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import yaml

from voice_attune.errors import UserError, one_line


class _Loader(yaml.SafeLoader):
    """SafeLoader whose only booleans are true/false."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_NUMBERS = yaml.constructor.SafeConstructor()


def compose_text(text: str, path: str) -> yaml.Node | None:
    """Parse YAML text into a node tree (with line marks); a syntax error names the line."""
    try:
        return yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or "cannot be read as YAML"
        raise UserError(f"YAML syntax: {problem}", path, line) from None
    except yaml.reader.ReaderError as exc:  # a NUL byte or another character YAML forbids
        line = text[: max(exc.position, 0)].count("\n") + 1
        raise UserError(f"YAML syntax: a character that cannot be in a YAML file (#x{exc.character:04x})",
                        path, line) from None
    except RecursionError:
        raise UserError("nested too deeply to read (lists or mappings inside each other hundreds of "
                        "times)", path) from None
    except yaml.YAMLError as exc:
        raise UserError(f"YAML syntax: {one_line(exc)}", path) from None


def number(node: yaml.ScalarNode) -> int | float:
    """A number as YAML writes it: 90, 1.5, 1:30 (90), 0x3C, 0b101, 1_000. A number with a
    leading 0 (017, which YAML reads as octal 15), infinity and not-a-number are refused with
    a ValueError saying why; the node must carry the int or float tag."""
    text = node.value.strip()
    digits = text.lstrip("+-")
    if node.tag == _INT and len(digits) > 1 and digits[0] == "0" and digits[1].isdigit():
        raise ValueError(f"write {text} without its leading 0 (YAML reads it as an octal number)")
    try:
        value = _NUMBERS.construct_yaml_int(node) if node.tag == _INT else _NUMBERS.construct_yaml_float(node)
    except (ValueError, TypeError, OverflowError):
        raise ValueError(f"'{text}' is not a number") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"'{text}' is not a finite number")
    return value


def compose_file(path: str | Path) -> yaml.Node | None:
    """Read and parse a YAML file; a missing or unreadable file is a UserError."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError("no such file", str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read: {exc}", str(path)) from None
    return compose_text(text, str(path))


def load_text(text: str, path: str = "<text>"):
    """Parse YAML text to plain Python data, with yes/no kept as strings."""
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise UserError(f"YAML syntax: {exc.problem}", path, mark.line + 1 if mark else None) from None


def line_of(node: yaml.Node) -> int:
    """1-based line where a node starts."""
    return node.start_mark.line + 1
