"""The script as a graph of steps: where each step may go on to.

It finds jumps that land nowhere, steps that nothing leads to, and loops of steps that never
wait for anyone (they would run forever). Each check returns ``(line, message)`` pairs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from voice_attune.script.steps import (
    END,
    NEXT,
    Ask,
    CheckIn,
    Choose,
    End,
    ForEachPartner,
    Goto,
    Mirror,
    Step,
    Turn,
)

Problem = tuple[int, str]
WAITING = (Turn, Mirror, Choose, Ask, CheckIn)
"""Steps that wait for a partner; a loop of other steps would never end."""


@dataclass(frozen=True)
class Node:
    """A step with its place: which for_each_partner lists hold it."""

    step: Step
    scope: tuple[int, ...]
    """Lines of the for_each_partner steps around it, outermost first."""


def nodes(steps: tuple[Step, ...], scope: tuple[int, ...] = ()) -> Iterator[Node]:
    """Every step, nested ones included, in document order."""
    for step in steps:
        yield Node(step, scope)
        if isinstance(step, ForEachPartner):
            yield from nodes(step.steps, scope + (step.line,))


def forms(step: Step) -> list[tuple[Step, bool]]:
    """The step as run normally, and its low-energy version if it has one."""
    out = [(step, False)]
    if step.low_energy is not None and step.low_energy.step is not None:
        out.append((step.low_energy.step, True))
    return out


def _jumps(step: Step) -> Iterator[tuple[int, str, str]]:
    """(line, key, target id) of every goto and answer in a step and its low-energy version."""
    for form, _ in forms(step):
        if isinstance(form, Goto):
            yield form.line_of("goto"), "goto", form.target
        elif isinstance(form, Ask):
            for target in form.answers.values():
                if target not in (NEXT, END):
                    yield form.line_of("answers"), "answers", target


def references(every: list[Node]) -> list[Problem]:
    """Jumps to ids that do not exist, or into a for_each_partner from outside it."""
    found: list[Problem] = []
    by_id = {n.step.id: n for n in every if n.step.id}
    known = f"ids here: {', '.join(sorted(by_id))}" if by_id else "no step has an id yet"
    for node in every:
        for line, key, target in _jumps(node.step):
            where = by_id.get(target)
            if where is None:
                also = "; an answer may also lead to next or end" if key == "answers" else ""
                found.append((line, f"there is no step with id '{target}'; {known}{also}"))
            elif where.scope != node.scope[: len(where.scope)]:
                found.append((line, f"'{target}' is inside the for_each_partner on line {where.scope[-1]}; "
                                    "a jump can only lead to a step in its own list or a list around it"))
    return found


def reachable(top: tuple[Step, ...], every: list[Node]) -> list[Problem]:
    """Steps nothing leads to, and loops of steps that never wait for anyone."""
    index = {id(n.step): i for i, n in enumerate(every)}
    by_id = {n.step.id: index[id(n.step)] for n in every if n.step.id}
    edges: dict[int, set[int]] = {i: set() for i in range(len(every))}
    previous: dict[int, int] = {}

    def link(steps: tuple[Step, ...], after: int | None) -> None:
        for pos, step in enumerate(steps):
            me = index[id(step)]
            nxt = index[id(steps[pos + 1])] if pos + 1 < len(steps) else after
            if pos:
                previous[me] = index[id(steps[pos - 1])]
            for form, _ in forms(step):
                edges[me].update(t for t in _successors(form, nxt, by_id, index) if t is not None)
            if step.low_energy is not None and step.low_energy.skip and nxt is not None:
                edges[me].add(nxt)  # a skipped step simply goes on
            if isinstance(step, ForEachPartner):
                link(step.steps, nxt)

    link(top, None)
    seen, todo = {0}, [0]
    while todo:
        for target in edges[todo.pop()] - seen:
            seen.add(target)
            todo.append(target)
    found: list[Problem] = []
    for me, before in previous.items():
        if me not in seen and before in seen:
            step, prior = every[me].step, every[before].step
            found.append((step.line, f"this {step.kind} step can never be reached: the {prior.kind} on "
                                     f"line {prior.line} never goes on to it, and no goto or answer leads "
                                     "here (give it an id and lead there, or remove it)"))
    found += _endless(every, edges, seen)
    return found


def _successors(form: Step, nxt: int | None, by_id: dict[str, int],
                index: dict[int, int]) -> list[int | None]:
    """Where a step may go on to (None: the end of the script)."""
    if isinstance(form, Goto):
        return [by_id[form.target]]
    if isinstance(form, End):
        return []
    if isinstance(form, Ask):
        return [nxt if t == NEXT else by_id.get(t) for t in form.answers.values() if t != END]
    if isinstance(form, ForEachPartner):
        return [index[id(form.steps[0])]]
    return [nxt]


def _endless(every: list[Node], edges: dict[int, set[int]], seen: set[int]) -> list[Problem]:
    """A cycle through steps that never wait for anyone would run forever."""
    quiet = {i for i in seen if not isinstance(every[i].step, WAITING)}
    state: dict[int, int] = {}  # 1: on the current path, 2: done
    for start in sorted(quiet):
        if start in state:
            continue
        stack = [(start, iter(sorted(edges[start] & quiet)))]
        state[start] = 1
        while stack:
            here, rest = stack[-1]
            there = next(rest, None)
            if there is None:
                state[here] = 2
                stack.pop()
            elif state.get(there) == 1:
                step, back = every[here].step, every[there].step
                return [(step.line, f"this {step.kind} step leads back to line {back.line} and round "
                                    "again forever without waiting for anyone; put a question or a turn "
                                    "in the loop, or end it")]
            elif there not in state:
                state[there] = 1
                stack.append((there, iter(sorted(edges[there] & quiet))))
    return []
