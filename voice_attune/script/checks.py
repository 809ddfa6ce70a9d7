"""What a well-shaped script must also mean: sound numbers, unique ids, a sound graph of steps
(``graph.py``), known placeholders, and no pause word in the assistant's own mouth.

Each check returns ``(line, message)`` pairs; the loader adds the file name.
"""

from __future__ import annotations

from typing import Any, Iterator, Mapping, Sequence

from voice_attune.asr.caremeaning import CareCheck, CareMeaning
from voice_attune.asr.carewords import CareWords
from voice_attune.asr.recognizer import Hypothesis
from voice_attune.asr.spotter import Spotter, phrases_for
from voice_attune.dialog.template import BUILTINS, PARTS, placeholders, without_placeholders
from voice_attune.script.graph import Node, Problem, forms, nodes, reachable, references
from voice_attune.script.steps import (
    Ask,
    Breathe,
    CheckIn,
    Choose,
    End,
    ForEachPartner,
    Goto,
    Mirror,
    Say,
    Script,
    SetAside,
    Settings,
    Step,
    Turn,
    a_kind,
    for_energy,
    remembers,
    roles,
)

PROMPTS: dict[type, tuple[str, ...]] = {
    Say: ("text",),
    Turn: ("warning_prompt", "time_up_prompt"),
    Mirror: ("prompt", "confirm_prompt", "clarify_prompt", "again_prompt", "more_prompt"),
    Choose: ("prompt", "confirm_prompt"),
    Ask: ("prompt",),
    Breathe: ("prompt",),
    End: ("text",),
    CheckIn: ("prompt",),
    SetAside: ("text",),
    ForEachPartner: (),
    Goto: (),
}
"""The fields of each kind that are spoken templates."""
_SECONDS = (1.0, 3600.0)
_PART_FORMS = {(), *((p,) for p in PARTS), ("A", "need"), ("B", "need")}


def check_script(script: Script, pause_words: Sequence[str], threshold: float,
                 care_words: Sequence[str] = (), care_meaning: Any = None) -> list[Problem]:
    """Every problem of meaning in a script whose shape was read without mistakes.
    ``care_meaning``: the care check's meaning half (asr/caremeaning.py), to ask of every prompt."""
    every = list(nodes(script.steps))
    found = _settings(script)
    found += _ids(every)
    jumps = references(every)
    found += jumps
    if not jumps:  # the graph is only meaningful when every jump lands somewhere
        found += reachable(script.steps, every)
    low_settings = script.settings.for_energy(True)
    for node in every:
        normal = _numbers(node.step, script.settings)
        found += normal
        low = for_energy(node.step, True)  # a step without low_energy also runs on the low settings
        if low is not None:
            found += [(line, f"in a low-energy session, {m}")
                      for line, m in _numbers(low, low_settings) if (line, m) not in normal]
    found += _templates(every)
    found += _pause_words(every, pause_words, threshold)
    found += _care_words(every, care_words, care_meaning)
    return found


def _settings(script: Script) -> list[Problem]:
    """Impossible settings, as given and in a low-energy session."""
    found: list[Problem] = []
    lines = script.lines
    normal = _settings_problems(script.settings)
    for names, message in normal:
        found.append((_first_line(lines, [f"settings.{n}" for n in names] + ["settings"]), message))
    for names, message in _settings_problems(script.settings.for_energy(True)):
        if (names, message) not in normal:
            keys = [f"settings.low_energy.{n}" for n in names] + [f"settings.{n}" for n in names]
            found.append((_first_line(lines, keys + ["settings"]), f"in a low-energy session, {message}"))
    return found


def _first_line(lines: Mapping[str, int], keys: list[str]) -> int:
    """The line of the first of these keys that the script gave."""
    return next((lines[k] for k in keys if k in lines), 1)


def _settings_problems(s: Settings) -> list[tuple[tuple[str, ...], str]]:
    """(the keys involved, most to blame first; the message) for each impossible setting."""
    found: list[tuple[tuple[str, ...], str]] = []

    def within(name: str, low: float, high: float, why: str) -> None:
        value = getattr(s, name)
        if not low <= value <= high:
            found.append(((name,), f"{name} is {value:g}; use {low:g} to {high:g}{why}"))

    for name in ("turn_seconds", "mirror_seconds", "clarify_seconds", "reprompt_seconds", "give_up_seconds"):
        within(name, *_SECONDS, " seconds")
    within("warning_seconds", 0, _SECONDS[1], " seconds (0: no warning)")
    within("patience_seconds", 5, 600, " seconds (a pause to think must never end a turn)")
    within("mirror_rounds", 1, 5, "")
    within("pause_breaths", 0, 10, "")
    within("voice_speed", 0.5, 1.5, " (below 1 is slower)")
    if 0 < s.warning_seconds and s.warning_seconds >= s.turn_seconds:
        found.append((("warning_seconds", "turn_seconds"),
                      f"warning_seconds ({s.warning_seconds:g}) must be shorter than turn_seconds "
                      f"({s.turn_seconds:g}); 0 gives no warning"))
    if s.give_up_seconds <= s.reprompt_seconds:
        found.append((("give_up_seconds", "reprompt_seconds"),
                      f"give_up_seconds ({s.give_up_seconds:g}) must be longer than reprompt_seconds "
                      f"({s.reprompt_seconds:g}): a question is asked once more before the session ends"))
    return found


def _ids(every: list[Node]) -> list[Problem]:
    """Each id names one step."""
    found: list[Problem] = []
    first: dict[str, int] = {}
    for node in every:
        step_id = node.step.id
        if step_id is None:
            continue
        if step_id in first:
            found.append((node.step.line_of("id"), f"id '{step_id}' is already used on line "
                                                   f"{first[step_id]}; each id names one step"))
        else:
            first[step_id] = node.step.line_of("id")
    return found


def _numbers(step: Step, s: Settings) -> list[Problem]:
    """Numbers a step cannot work with, and menus that do not fit together."""
    found: list[Problem] = []

    def within(key: str, value: float | None, low: float, high: float, unit: str = "seconds") -> None:
        if value is not None and not low <= value <= high:
            found.append((step.line_of(key), f"{key} is {value:g}; use {low:g} to {high:g} {unit}"))

    if isinstance(step, Turn):
        within("seconds", step.seconds, *_SECONDS)
        within("warning", step.warning, 0, _SECONDS[1])
        within("patience", step.patience, 5, 600)
        limit = step.seconds if step.seconds is not None else s.turn_seconds
        warning = step.warning if step.warning is not None else s.warning_seconds
        if 0 < limit and warning >= limit and not found:
            key = "warning" if step.warning is not None else "seconds"
            found.append((step.line_of(key), f"the warning ({warning:g} s before the end) must be shorter "
                                             f"than the turn ({limit:g} s); set warning: 0 for none"))
    elif isinstance(step, Mirror):
        within("seconds", step.seconds, *_SECONDS)
        within("clarify_seconds", step.clarify_seconds, *_SECONDS)
        within("more_seconds", step.more_seconds, *_SECONDS)
        within("rounds", step.rounds, 1, 5, "rounds")
    elif isinstance(step, Breathe):
        within("breathe", step.count, 1, 20, "breaths")
        within("in", step.breathe_in, 1, 15)
        within("hold", step.hold, 0, 15)
        within("out", step.breathe_out, 1, 15)
    elif isinstance(step, Choose):
        if len(step.options) < 2:
            found.append((step.line_of("options"), "a menu needs at least two options"))
        stray = [k for k in step.needs if k not in step.options]
        if stray:
            options = ", ".join(step.options)
            found.append((step.line_of("needs"), f"needs names '{stray[0]}', which is not an option; "
                                                 f"options: {options}"))
        elif step.needs and len(step.needs) < len(step.options):
            lacking = ", ".join(o for o in step.options if o not in step.needs)
            found.append((step.line_of("needs"), f"needs has no need for: {lacking}; give every option one"))
    elif isinstance(step, Ask) and len(step.answers) > 6:
        found.append((step.line_of("answers"), f"{len(step.answers)} answers are too many to offer by voice; "
                                               "at most 6"))
    return found


def _templates(every: list[Node]) -> list[Problem]:
    """Every placeholder is a built-in known in that step, or a value chosen before it."""
    found: list[Problem] = []
    values_by_id = {n.step.id: n.step for n in every if remembers(n.step)}
    others = {n.step.id: n.step for n in every if n.step.id and n.step.id not in values_by_id}
    chosen: dict[str, Step] = {}
    for node in every:
        for form, _ in forms(node.step):
            who = getattr(form, "who", "anyone")
            if who in ("speaker", "listener") and not node.scope:
                # One clear message instead of one per default prompt that names the speaker.
                line = form.line_of(form.kind if form.main == "who" else "who")
                found.append((line, f"{a_kind(form.kind)} outside for_each_partner has no {who}; "
                                    "set who: A or B"))
                continue
            for key, text in _spoken_templates(form):
                try:
                    names = placeholders(text)
                except ValueError as exc:
                    found.append((form.line_of(key), f"{key}: {exc}"))
                    continue
                known = dict(chosen)
                if key == "confirm_prompt" and isinstance(form, Choose):
                    known[str(form.id)] = form  # a choice is confirmed by its own name
                for name in names:
                    why = _unknown(name, form, key, bool(node.scope), known, values_by_id, others)
                    if why:
                        found.append((form.line_of(key), f"{key}: {why}"))
        if node.step.id in values_by_id:
            chosen[node.step.id] = node.step
    return found


def _spoken_templates(step: Step) -> Iterator[tuple[str, str]]:
    """(YAML key, template) for each spoken prompt of a step, defaults included."""
    for name in PROMPTS[type(step)]:
        text = getattr(step, name)
        if isinstance(step, Choose) and name == "confirm_prompt":
            text = step.confirm
        if text is not None:
            yield (step.kind if name == step.main else name), text


def _unknown(name: str, step: Step, key: str, in_loop: bool, chosen: dict[str, Step],
             values: dict[str, Step], others: dict[str, Step]) -> str | None:
    """Why a placeholder cannot be filled in this prompt, or None when it can."""
    base, *parts = name.split(".")
    if base in BUILTINS:
        if parts:
            return f"{{{name}}}: {{{base}}} takes no '.{parts[0]}'"
        if base in ("speaker", "listener"):
            who = getattr(step, "who", "anyone")
            known = in_loop if who == "anyone" else roles(who, "A" if in_loop else None) is not None
            if not known:
                hint = "set who: A or B on this step, or " if hasattr(step, "who") else ""
                return f"{{{base}}} is only known inside for_each_partner; {hint}use {{A}} or {{B}}"
        if base == "options" and not (isinstance(step, (Choose, Ask)) and key == step.kind):
            return "{options} can only be used in the prompt of a choose or ask step"
        if base == "remaining" and not isinstance(step, Turn):
            return "{remaining} can only be used in the prompts of a turn"
        return None
    if base not in chosen:
        usable = [b for b in BUILTINS if _unknown(b, step, key, in_loop, chosen, values, others) is None]
        known = ", ".join(usable + sorted(chosen))
        if base in values:
            return (f"{{{base}}} is chosen only later, on line {values[base].line}; a prompt can use "
                    "values chosen before it")
        if base in others:
            return (f"{{{base}}} names a {others[base].kind} step, which remembers nothing; choose and "
                    "ask steps do, and a turn with remember: true")
        return f"unknown placeholder {{{name}}}; known here: {known}"
    if tuple(parts) not in _PART_FORMS:
        return f"{{{name}}}: after '{base}.' may come A or B, then need (like {{{base}.A.need}})"
    if "need" in parts and not (isinstance(chosen[base], Choose) and chosen[base].needs):
        return f"{{{name}}}: the choose step '{base}' has no needs"
    return None


def _pause_words(every: list[Node], pause_words: Sequence[str], threshold: float) -> list[Problem]:
    """The assistant must never say a pause word itself, unless the step allows it."""
    found: list[Problem] = []
    phrases = phrases_for(pause_words, {})
    for node in every:
        for form, _ in forms(node.step):
            if form.allow_pause_word:
                continue
            for key, text in spoken_words(form):
                spotter = Spotter(phrases, threshold)  # a fresh one: each text is its own saying
                spots = spotter.match(Hypothesis(without_placeholders(text), (), True), kinds=("pause",))
                if spots:
                    heard, word = spots[0].heard, spots[0].phrase.text
                    found.append((form.line_of(key), f"{key}: '{heard}' would be heard as the pause word "
                                                     f"'{word}', so the assistant would pause itself; write "
                                                     "{pause_word} to name it, or set allow_pause_word: true "
                                                     "on this step"))
    return found


def _care_words(every: list[Node], care_words: Sequence[str], meaning: Any = None) -> list[Problem]:
    """The assistant must never say what suggests danger: heard back through the microphone
    it would start the care pause (the listener's own check, asr/caremeaning.py)."""
    check = CareCheck(CareWords(tuple(care_words)), meaning)
    found: list[Problem] = []
    for node in every:
        for form, _ in forms(node.step):
            for key, text in spoken_words(form):
                hit = check.find(without_placeholders(text))
                if hit == CareMeaning.name:
                    found.append((form.line_of(key), f"{key}: sounds like danger to the care check "
                                                     "(care.meaning); heard back, it would start the care "
                                                     "pause, so word it another way"))
                elif hit:
                    found.append((form.line_of(key), f"{key}: says '{hit}', one of the words that "
                                                     "suggest danger (care.words in config); heard back, "
                                                     "they would start the care pause, so word it another way"))
    return found


def spoken_texts(script: Script) -> Iterator[tuple[int, str]]:
    """(line, text) of everything the assistant may say in a script, for wording checks."""
    for node in nodes(script.steps):
        for form, _ in forms(node.step):
            for key, text in spoken_words(form):
                yield form.line_of(key), text


def spoken_words(step: Step) -> Iterator[tuple[str, str]]:
    """(YAML key, text) for everything the assistant may say in a step, menus included."""
    yield from _spoken_templates(step)
    if isinstance(step, Choose):
        for group in step.groups:
            yield "options", group.name
        yield from (("options", o) for o in step.options)
        yield from (("needs", n) for n in step.needs.values())
    elif isinstance(step, Ask):
        yield from (("answers", a) for a in step.answers)

