"""The shape of the code (docs/development.md): no import cycles anywhere, function-level imports
included; the dialog core does no I/O; config imports nothing above it."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "voice_attune"


def _imports() -> dict[str, set[str]]:
    """Module -> the package's modules it imports, wherever in the file the import is."""
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                found = [target, *(f"{target}.{alias.name}" for alias in node.names)]
            elif isinstance(node, ast.Import):
                found = [alias.name for alias in node.names]
            else:
                continue
            graph[name].update(f for f in found if f in modules and f != name)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Groups of modules that import each other, directly or around a circle (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_module_imports_itself_round_a_circle():
    assert _cycles(_imports()) == []


def test_the_cycle_finder_sees_a_circle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_dialog_core_does_no_io_and_config_imports_nothing_above_it():
    graph = _imports()
    io_rooms = ("voice_attune.session", "voice_attune.voice", "voice_attune.asr", "voice_attune.daemon",
                "voice_attune.commands", "voice_attune.synthetic", "voice_attune.history",
                "voice_attune.script.loader", "voice_attune.models", "voice_attune.keywords")
    core = [m for m in graph if m.startswith("voice_attune.dialog")]
    assert len(core) > 10
    for module in core:
        assert not [t for t in graph[module] if t.startswith(io_rooms)], module
    allowed = ("voice_attune.config", "voice_attune.schema", "voice_attune.yamlio", "voice_attune.text")
    for module in (m for m in graph if m.startswith("voice_attune.config")):
        assert all(t == "voice_attune" or t.startswith(allowed) for t in graph[module]), module
