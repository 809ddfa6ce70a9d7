"""Read a script file into a checked :class:`Script`, every mistake as ``file:line: message``.

Reading happens in two passes: the shape (keys, types, kinds, missing fields) and then, only
if the shape is sound, the meaning (ids, references, reachability, templates, numbers, pause
words; see ``checks.py``). Stopping after the first pass keeps one typo from causing a cascade.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from importlib import resources
from pathlib import Path
from typing import Any, Sequence

import yaml

from voice_attune.asr.caremeaning import care_meaning
from voice_attune.config import Config
from voice_attune.errors import UserError
from voice_attune.script import checks, readers
from voice_attune.script.steps import (
    STEP_KINDS,
    Ask,
    Choose,
    ForEachPartner,
    Group,
    LowEnergy,
    Script,
    Settings,
    Step,
    a_kind,
    remembers,
)
from voice_attune.yamlio import compose_file, line_of

TOP_KEYS = ("title", "description", "minutes", "settings", "steps")
COMMON_KEYS = ("id", "low_energy", "allow_pause_word")
_NEEDS = "title, description, minutes and steps"


def library_dir() -> Path:
    """The folder of scripts shipped with voice-attune."""
    return Path(str(resources.files("voice_attune") / "sessions"))


def library_names() -> list[str]:
    """Names of the shipped scripts, sorted."""
    return sorted(p.stem for p in library_dir().glob("*.yaml"))


def resolve(path_or_name: str | Path, config: Config | None = None) -> Path:
    """A script file from a path, or from a name: the couple's own folder first, then the library."""
    path = Path(path_or_name)
    if path.is_file():
        return path
    text = str(path_or_name)
    if "/" not in text and "\\" not in text and path.suffix not in (".yaml", ".yml"):
        folders = ([user_dir(config)] if config is not None else []) + [library_dir()]
        for folder in folders:
            if (folder / f"{text}.yaml").is_file():
                return folder / f"{text}.yaml"
        names = ", ".join(sorted(set(library_names()) | set(user_names(config)))) or "none"
        raise UserError(f"no script file or library script called '{text}'; there are: {names} "
                        "(`voice-attune list` says what each is)")
    raise UserError("no such file", text)


def user_dir(config: Config | None) -> Path:
    """The couple's own scripts folder (see config ``scripts_dir``)."""
    from voice_attune.config import scripts_dir

    return scripts_dir(config or Config())


def user_names(config: Config | None) -> list[str]:
    """Names of the scripts in the couple's own folder, sorted."""
    if config is None:
        return []
    folder = user_dir(config)
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []


def load_script(path_or_name: str | Path, config: Config) -> Script:
    """Load and check a script; the first mistake is raised as a UserError."""
    path = resolve(path_or_name, config)
    script, problems = read_script(path, config)
    if problems:
        first = problems[0]
        if len(problems) > 1:
            first.message += f" (and {len(problems) - 1} more: `voice-attune validate {path}` lists them)"
        raise first
    assert script is not None
    return script


def validate_files(paths: Sequence[str | Path], config: Config) -> list[str]:
    """Every mistake in these scripts (names or paths), one ``file:line: message`` each."""
    errors: list[str] = []
    for item in paths:
        try:
            _, problems = read_script(resolve(item, config), config, by_meaning=True)
        except UserError as exc:
            problems = [exc]
        errors.extend(str(p) for p in problems)
    return errors


def read_script(path: Path, config: Config, by_meaning: bool = False) -> tuple[Script | None, list[UserError]]:
    """The script and every mistake found, sorted by line (the script is None if any).
    ``by_meaning``: also ask the care check's meaning half whether a prompt sounds like danger
    (``validate`` does; it takes a second or so, and the bundled scripts are tested for it)."""
    name = str(path)
    try:
        root = compose_file(path)
    except UserError as exc:
        return None, [exc]
    reader = _Reader(config)
    script = reader.script(root, name)
    found = list(reader.problems)
    if script is not None:  # also when some steps could not be read: every mistake in one pass
        try:
            meaning = care_meaning(config.care.meaning) if by_meaning else None
            checked = checks.check_script(script, config.pause_words, config.spotter.fuzzy_threshold,
                                          config.care.words, meaning)
        except Exception:
            if not found:
                raise
            checked = []  # the checks could not make sense of a partly read script: what was found stands
        found += [(line, m) for line, m in checked if not (found and _explained(m, reader.failed_ids))]
    if found:
        found = sorted(set(found))
        return None, [UserError(message, name, line) for line, message in found]
    return script, []


def _explained(message: str, failed_ids: set[str]) -> bool:
    """Whether a check's complaint may come only from steps that could not be read: a jump to
    one of their ids, or where the steps lead (which needs every step)."""
    jump = re.match(r"there is no step with id '([^']*)'", message)
    return (jump is not None and jump.group(1) in failed_ids) or "can never be reached" in message or (
        "leads back to line" in message)


class _Reader:
    """Turns YAML nodes into script dataclasses, collecting (line, message) problems."""

    def __init__(self, config: Config | None = None) -> None:
        self.problems: list[tuple[int, str]] = []
        self.failed_ids: set[str] = set()
        """Ids of steps that could not be read (a jump to one is not a mistake of its own)."""
        self.config = config or Config()

    def add(self, line: int, message: str) -> None:
        self.problems.append((line, message))

    def script(self, root: yaml.Node | None, path: str) -> Script | None:
        if root is None or readers.is_null(root):
            self.add(1, f"the file is empty; a script needs {_NEEDS}")
            return None
        if not isinstance(root, yaml.MappingNode):
            self.add(line_of(root), f"a script is a mapping with {_NEEDS}")
            return None
        values: dict[str, Any] = {}
        lines: dict[str, int] = {}
        given = []
        for key_node, node in self._pairs(root, TOP_KEYS, "here"):
            key = key_node.value
            lines[key] = line_of(key_node)
            given.append(key)
            try:
                values[key] = self._top(key, node, lines)
            except readers.Bad as bad:
                self.add(bad.line, bad.message)
        missing = [k for k in TOP_KEYS if k != "settings" and k not in lines]
        if missing:
            self.add(line_of(root), f"the script needs: {', '.join(missing)}")
        if missing or any(k not in values for k in given) or not values.get("steps"):
            return None  # a top-level value could not be read: nothing to check further
        try:  # perhaps without the steps that could not be read, so the checks can still run
            return Script(path=path, lines=lines, **values)
        except (TypeError, ValueError):
            return None

    def _top(self, key: str, node: yaml.Node, lines: dict[str, int]) -> Any:
        if key in ("title", "description"):
            text = readers.read(str, node, key)
            if key == "description" and "\n" in text:
                raise readers.Bad(line_of(node), "description must be one line")
            return text
        if key == "minutes":
            return readers.minutes(node)
        if key == "settings":
            return self._settings(Settings, node, "settings", lines)
        return self._steps(node, "steps", in_loop=False)

    def _pairs(self, node: yaml.MappingNode, allowed: Sequence[str], where: str):
        """Key/value pairs, refusing unknown and repeated keys with the allowed ones listed."""
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key not in allowed:
                listed = ", ".join(sorted(allowed))
                self.add(line_of(key_node), f"unknown key '{key}' {where}; allowed: {listed}")
            elif key in seen:
                self.add(line_of(key_node), f"'{key}' is given twice")
            else:
                seen.add(key)
                yield key_node, value_node

    def _settings(self, cls: type, node: yaml.Node, where: str, lines: dict[str, int]) -> Any:
        """A settings dataclass from a mapping whose keys are its field names."""
        if readers.is_null(node):
            return cls()
        if not isinstance(node, yaml.MappingNode):
            raise readers.Bad(line_of(node), f"'{where}' must be a mapping of settings")
        hints = typing.get_type_hints(cls)
        names = [f.name for f in dataclasses.fields(cls)]
        values: dict[str, Any] = {}
        for key_node, value_node in self._pairs(node, names, f"in {where}"):
            key = key_node.value
            lines[f"{where}.{key}"] = line_of(key_node)
            try:
                if dataclasses.is_dataclass(hints[key]):
                    values[key] = self._settings(hints[key], value_node, f"{where}.{key}", lines)
                else:
                    values[key] = readers.read(hints[key], value_node, key)
            except readers.Bad as bad:
                self.add(bad.line, bad.message)
        return cls(**values)

    def _steps(self, node: yaml.Node, where: str, in_loop: bool) -> tuple[Step, ...]:
        if not isinstance(node, yaml.SequenceNode):
            raise readers.Bad(line_of(node), f"'{where}' must be a list of steps, each starting with '- '")
        if not node.value:
            raise readers.Bad(line_of(node), f"'{where}' is empty; it needs at least one step")
        steps = [self.step(item, in_loop) for item in node.value]
        return tuple(s for s in steps if s is not None)

    def step(self, node: yaml.Node, in_loop: bool, common: Sequence[str] = COMMON_KEYS) -> Step | None:
        """One step; None (with problems recorded) when it cannot be read."""
        cls = self._kind(node, in_loop)
        if cls is None:
            return None
        assert isinstance(node, yaml.MappingNode)
        before = len(self.problems)
        if "id" in common:
            where = f"in {a_kind(cls.kind)} step"
        else:
            where = "in a low_energy instead (it keeps the id of the step it replaces)"
        values, lines, low_node = self._step_values(cls, node, in_loop, common, where)
        missing = [_key_of(cls, f) for f in _required(cls) if f not in values]
        if missing:
            self.add(line_of(node), f"this {cls.kind} step needs: {', '.join(missing)}")
        if values.get("remember") and "id" not in values and "id" in common:
            self.add(lines["remember"], "remember: true needs an id: the name the words are remembered by "
                                        "(e.g. id: message)")
        if cls is Choose and "id" not in values and "id" in common:
            self.add(line_of(node), "a choose step needs an id: the name its choice is remembered by "
                                    "(e.g. id: feeling)")
        if len(self.problems) > before:
            ident = next((v for k, v in node.value if getattr(k, "value", None) == "id"), None)
            if isinstance(ident, yaml.ScalarNode):
                self.failed_ids.add(str(ident.value))
            return None
        step = cls(line=line_of(node), lines=lines, **values)
        if low_node is not None:
            low = self._low_energy(step, low_node, in_loop)
            if low is not None:
                step = dataclasses.replace(step, low_energy=low)
        return step

    def _kind(self, node: yaml.Node, in_loop: bool) -> type | None:
        """The class of a step from its one kind key."""
        kinds_list = ", ".join(STEP_KINDS)
        if not isinstance(node, yaml.MappingNode):
            self.add(line_of(node), f"a step is a mapping like '- say: Hello'; a step starts with one of: "
                                    f"{kinds_list}")
            return None
        kinds = [(k.value, line_of(k)) for k, _ in node.value if k.value in STEP_KINDS]
        if not kinds:
            keys = ", ".join(str(k.value) for k, _ in node.value)
            what = f"has no kind (its keys: {keys})" if keys else "is empty"
            self.add(line_of(node), f"this step {what}; a step starts with one of: {kinds_list}")
            return None
        if len(kinds) > 1:
            (first, _), (second, second_line) = kinds[:2]
            self.add(second_line, f"this step has two kinds, '{first}' and '{second}'; give each its own "
                                  f"step ('- {first}: ...' then '- {second}: ...')")
            return None
        kind, line = kinds[0]
        if kind == "for_each_partner" and in_loop:
            self.add(line, "a for_each_partner cannot be inside another for_each_partner")
            return None
        return STEP_KINDS[kind]

    def _step_values(self, cls: type, node: yaml.MappingNode, in_loop: bool, common: Sequence[str],
                     where: str) -> tuple[dict[str, Any], dict[str, int], yaml.Node | None]:
        """Field values of a step (or of its low-energy changes), their lines, its low_energy node."""
        hints = typing.get_type_hints(cls)
        values: dict[str, Any] = {}
        lines: dict[str, int] = {}
        low_node: yaml.Node | None = None
        for key_node, value_node in self._pairs(node, list(common) + _own_keys(cls), where):
            key = key_node.value
            lines[key] = line_of(key_node)
            if key == "low_energy":
                low_node = value_node
                continue
            name = cls.main if key == cls.kind else cls.keys.get(key, key)
            try:
                self._field(cls, name, hints[name], value_node, key, in_loop, values)
            except readers.Bad as bad:
                self.add(bad.line, bad.message)
                values.setdefault(name, None)  # given, though wrong: not also "missing"
        return values, lines, low_node

    def _field(self, cls: type, name: str, hint: Any, node: yaml.Node, key: str, in_loop: bool,
               values: dict[str, Any]) -> None:
        if name == "id":
            values["id"] = readers.step_id(node)
        elif cls is ForEachPartner and name == "steps":
            values["steps"] = self._steps(node, key, in_loop=True)
        elif cls is Choose and name == "options" and readers.is_word(node, "feelings"):
            # The couple's own menu from config.yaml: groups of feelings, each with its need.
            menu = self.config.feelings
            values["groups"] = tuple(Group(g, tuple(words)) for g, words in menu.items())
            values["options"] = tuple(w for words in menu.values() for w in words)
            values.setdefault("needs", {w: n for words in menu.values() for w, n in words.items()})
        elif cls is Choose and name == "options":
            values["options"], values["groups"] = readers.options(node)
        elif cls is Choose and name == "needs":
            values["needs"] = readers.words_mapping(node, key, lambda need, line: need)
        elif cls is Ask and name == "answers":
            values["answers"] = readers.words_mapping(node, key, readers.target)
        elif name == cls.main and readers.is_null(node) and name not in _required(cls):
            pass  # "- turn:" alone: the kind's default (the speaker, three breaths, ...)
        else:
            values[name] = readers.read(hint, node, key)

    def _low_energy(self, step: Step, node: yaml.Node, in_loop: bool) -> LowEnergy | None:
        """``low_energy:`` of a step: skip: true, instead: <a step>, or changed keys."""
        if not isinstance(node, yaml.MappingNode) or not node.value:
            self.add(line_of(node), "low_energy must be a mapping: skip: true, instead: <a step>, "
                                    "or this step's keys with new values")
            return None
        (first_key, first_value), keys = node.value[0], [k.value for k, _ in node.value]
        for special in ("skip", "instead"):
            if special in keys and len(keys) > 1:
                self.add(line_of(node), f"low_energy: '{special}' goes alone, without other keys")
                return None
        if first_key.value == "skip":
            try:
                return LowEnergy(skip=readers.read(bool, first_value, "skip"))
            except readers.Bad as bad:
                self.add(bad.line, bad.message)
                return None
        if first_key.value == "instead":
            return self._instead(step, first_key, first_value, in_loop)
        before = len(self.problems)
        where = f"in low_energy of {a_kind(step.kind)} step (also allowed: skip, instead)"
        changes, lines, _ = self._step_values(type(step), node, in_loop, (), where)
        if len(self.problems) > before:
            return None
        if "steps" in changes:
            self.add(lines["for_each_partner"], "low_energy cannot change the steps of a for_each_partner; "
                                                "give its steps their own low_energy")
            return None
        return LowEnergy(step=dataclasses.replace(step, lines={**step.lines, **lines}, **changes))

    def _instead(self, step: Step, key: yaml.Node, node: yaml.Node, in_loop: bool) -> LowEnergy | None:
        """``low_energy: {instead: <a step>}``: another step in a low-energy session."""
        if isinstance(step, ForEachPartner):
            self.add(line_of(key), "a for_each_partner cannot be replaced; use skip: true, "
                                   "or low_energy on its steps")
            return None
        other = self.step(node, in_loop, common=("allow_pause_word",))
        if other is None:
            return None
        if isinstance(other, Choose) and not step.id:
            self.add(other.line, "low_energy: this choose needs an id on the step it replaces")
            return None
        replaced = dataclasses.replace(other, id=step.id)
        if remembers(step) and not remembers(replaced):
            # {id} must have a value in both kinds of session.
            self.add(other.line, f"low_energy: use a choose, an ask or a turn with remember: true here, "
                                 f"so that {{{step.id}}} still has a value")
            return None
        return LowEnergy(step=replaced)


def _own_keys(cls: type) -> list[str]:
    """The YAML keys of a step kind besides the common ones: its kind key first."""
    skip = {"id", "allow_pause_word", "low_energy", "line", "lines", cls.main, *getattr(cls, "derived", ())}
    back = {field: key for key, field in cls.keys.items()}
    return [cls.kind] + [back.get(f.name, f.name) for f in dataclasses.fields(cls) if f.name not in skip]


def _key_of(cls: type, name: str) -> str:
    if name == cls.main:
        return f"a value after '{cls.kind}:'"
    return {field: key for key, field in cls.keys.items()}.get(name, name)


def _required(cls: type) -> list[str]:
    return [f.name for f in dataclasses.fields(cls)
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
