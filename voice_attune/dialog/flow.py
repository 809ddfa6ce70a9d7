"""How a script runs: the session around the steps, a list of steps, and one step by its kind.

The steps themselves live in ``basics.py`` (say, breathe, the ending), ``talk.py`` (turns and
mirroring) and ``questions.py`` (menus, questions, check-ins).
"""

from __future__ import annotations

from voice_attune.dialog import prompts, questions, talk
from voice_attune.dialog.basics import breathe, finish, say, step_name, text_of
from voice_attune.dialog.consent import ask_to_keep_words
from voice_attune.dialog.followup import raise_follow_up
from voice_attune.dialog.host import Gen, Host
from voice_attune.events import StepStarted
from voice_attune.script.steps import (
    END,
    NEXT,
    Ask,
    Breathe,
    CheckIn,
    Choose,
    End,
    ForEachPartner,
    Goto,
    Mirror,
    Say,
    SetAside,
    Step,
    Turn,
    for_energy,
    resolve,
)


def run_script(e: Host) -> Gen:
    """The whole session: the steps, then the ending."""
    if e.first_session:
        yield from say(e, prompts.FIRST_SESSION, remember=False)
        e.first_notice_said = True
    if e.follow_up:
        yield from raise_follow_up(e)
    if e.ask_to_keep_words:
        yield from ask_to_keep_words(e)
    target = yield from run_list(e, e.script.steps, None)
    yield from finish(e, "finished", prompts.DEFAULT_END if target is None else None)


def run_list(e: Host, steps: tuple[Step, ...], speaker: str | None) -> Gen:
    """Run a list of steps; returns None at its end, or an id to jump to outside it."""
    where = {s.id: i for i, s in enumerate(steps) if s.id}
    i = 0
    while i < len(steps):
        raw = steps[i]
        i += 1
        step = for_energy(raw, e.low_energy)
        if step is None:
            continue
        if e.now - e.heard_at > e.settings.give_up_seconds and e.now > e.settings.give_up_seconds:
            yield from finish(e, "unanswered", prompts.UNANSWERED)
        step = resolve(step, e.settings)
        e.step_id = step_name(raw)
        e.emit(StepStarted(e.now, e.step_id, step.kind))
        target = yield from run_step(e, step, speaker)
        if target in (None, NEXT):
            continue
        if target == END:
            yield from finish(e, "finished", None)
        if target in where:
            i = where[target]
            continue
        return target
    return None


def run_step(e: Host, step: Step, speaker: str | None) -> Gen:
    """One step; returns where to go next (None: the next step)."""
    if isinstance(step, Say):
        yield from say(e, text_of(e, step.text, speaker))
    elif isinstance(step, Turn):
        yield from talk.turn_step(e, step, speaker)
    elif isinstance(step, Mirror):
        yield from talk.mirror(e, step, speaker)
    elif isinstance(step, Choose):
        return (yield from questions.choose(e, step, speaker))
    elif isinstance(step, Ask):
        return (yield from questions.ask(e, step, speaker))
    elif isinstance(step, CheckIn):
        return (yield from questions.check_in(e, step, speaker))
    elif isinstance(step, Breathe):
        yield from say(e, text_of(e, step.prompt, speaker))
        yield from breathe(e, step.count, step.breathe_in, step.hold, step.breathe_out)
    elif isinstance(step, ForEachPartner):
        outer = e.loop_speaker
        for who in (step.first, "B" if step.first == "A" else "A"):
            e.loop_speaker = who
            target = yield from run_list(e, step.steps, who)
            if target is not None:
                e.loop_speaker = outer
                return target
        e.loop_speaker = outer
    elif isinstance(step, SetAside):
        e.tally.follow_up(e.script, e.step_id, e.now, step.topic)
        yield from say(e, text_of(e, step.text, speaker))
    elif isinstance(step, Goto):
        return step.target
    elif isinstance(step, End):
        yield from finish(e, "finished", text_of(e, step.text, speaker) if step.text else None)
    return None
