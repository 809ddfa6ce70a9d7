"""Build frozen dataclasses from YAML nodes, refusing mistakes with ``file:line: message``.

The dataclass is the schema: its fields name the allowed keys, their type hints the allowed
values, a field's ``metadata["check"]`` (raising ValueError) judges one value at its own line,
and a ``__post_init__`` that raises ValueError states what is impossible together.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any, Union

import yaml

from voice_attune.errors import UserError
from voice_attune.yamlio import line_of, number

_NULL = "tag:yaml.org,2002:null"
_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"


def build(cls: type, node: yaml.Node | None, path: str, where: str = "") -> Any:
    """Return ``cls`` filled from a mapping node; missing keys take the dataclass defaults."""
    if node is None or (isinstance(node, yaml.ScalarNode) and node.tag == _NULL):
        return _construct(cls, {}, path, 1, where)
    if not isinstance(node, yaml.MappingNode):
        raise UserError(f"{where or 'the file'} must be a mapping of settings", path, line_of(node))
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    values: dict[str, Any] = {}
    for key_node, value_node in node.value:
        key = str(key_node.value)
        name = key.replace("-", "_")
        dotted = f"{where}.{key}" if where else key
        if name not in fields:
            allowed = ", ".join(sorted(fields))
            raise UserError(f"unknown key '{dotted}'; allowed here: {allowed}", path, line_of(key_node))
        if name in values:
            raise UserError(f"'{dotted}' is given twice", path, line_of(key_node))
        values[name] = _value(hints[name], value_node, path, dotted)
        check = fields[name].metadata.get("check")
        if check is not None and values[name] is not None:
            try:  # a value judged on its own is refused at its own line, not its mapping's
                check(values[name])
            except ValueError as exc:
                raise UserError(f"{dotted}: {exc}", path, line_of(value_node)) from None
    return _construct(cls, values, path, line_of(node), where)


def _construct(cls: type, values: dict[str, Any], path: str, line: int, where: str) -> Any:
    missing = [
        f.name
        for f in dataclasses.fields(cls)
        if f.name not in values
        and f.default is dataclasses.MISSING
        and f.default_factory is dataclasses.MISSING
    ]
    if missing:
        raise UserError(f"{where or 'the file'} needs: {', '.join(missing)}", path, line)
    try:
        return cls(**values)
    except ValueError as exc:
        prefix = f"{where}: " if where else ""
        raise UserError(f"{prefix}{exc}", path, line) from None


def _value(hint: Any, node: yaml.Node, path: str, where: str) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (Union, types.UnionType):
        if isinstance(node, yaml.ScalarNode) and node.tag == _NULL and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        if len(inner) > 1:  # a mapping for the dataclass among them, else the other kind
            mapping = isinstance(node, yaml.MappingNode)
            inner.sort(key=lambda a: dataclasses.is_dataclass(a) != mapping)
        return _value(inner[0], node, path, where)
    if dataclasses.is_dataclass(hint):
        return build(hint, node, path, where)
    if origin is tuple:
        items = node.value if isinstance(node, yaml.SequenceNode) else None
        if items is None:
            if isinstance(node, yaml.ScalarNode) and node.tag != _NULL:
                items = [node]  # a single word where a list is expected
            else:
                raise UserError(f"'{where}' must be a list", path, line_of(node))
        return tuple(_value(args[0], item, path, f"{where}[{i}]") for i, item in enumerate(items))
    if origin is dict:
        if not isinstance(node, yaml.MappingNode):
            raise UserError(f"'{where}' must be a mapping", path, line_of(node))
        return {
            str(k.value): _value(args[1], v, path, f"{where}.{k.value}") for k, v in node.value
        }
    if origin is typing.Literal:
        text = node.value if isinstance(node, yaml.ScalarNode) else None
        if text not in args:
            allowed = ", ".join(str(a) for a in args)
            raise UserError(f"'{where}' is '{text}'; allowed: {allowed}", path, line_of(node))
        return text
    return _scalar(hint, node, path, where)


def _scalar(hint: Any, node: yaml.Node, path: str, where: str) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        raise UserError(f"'{where}' must be a single value, not a list or mapping", path, line_of(node))
    text, tag = node.value, node.tag
    if hint is str:
        if tag == _NULL:
            raise UserError(f"'{where}' needs a value", path, line_of(node))
        return str(text)
    if hint is bool:
        if tag != _BOOL:
            raise UserError(f"'{where}' must be true or false, not '{text}'", path, line_of(node))
        return text.lower() == "true"
    if hint is int:
        if tag != _INT:
            raise UserError(f"'{where}' must be a whole number, not '{text}'", path, line_of(node))
        return int(_number(node, path, where))
    if hint is float:
        if tag not in (_INT, _FLOAT):
            raise UserError(f"'{where}' must be a number, not '{text}'", path, line_of(node))
        return float(_number(node, path, where))
    raise TypeError(f"schema cannot read {hint!r} for {where}")  # a programming error


def _number(node: yaml.ScalarNode, path: str, where: str) -> int | float:
    try:
        return number(node)
    except ValueError as exc:
        raise UserError(f"'{where}': {exc}", path, line_of(node)) from None
