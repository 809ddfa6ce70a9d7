"""How a script runs: step lists, prompts, breathing, the pause protocol, the ending.

Each function here is a generator over the engine's inputs: it emits through the engine and
waits with ``inp = yield``. ``yield from`` composes them, so a step reads as what it does.
"""

from __future__ import annotations

from typing import Any, Generator, Iterator, Mapping

from voice_attune.dialog import prompts
from voice_attune.dialog.answers import menu_text, yes_no
from voice_attune.dialog.inputs import Fired, Heard, Played, Resume
from voice_attune.dialog.script import (
    END, NEXT, Ask, Breathe, CheckIn, Choose, End, ForEachPartner, Goto, Mirror, Say, SetAside, Step,
    Turn, for_energy, resolve, roles,
)
from voice_attune.dialog.summary import spoken
from voice_attune.dialog.template import fill
from voice_attune.events import SessionEnd, StepStarted

Gen = Generator[None, Any, Any]
MISSING = "something"
"""What a prompt says for a value nobody gave (a skipped menu, a silent remembered turn)."""


class Values(Mapping[str, str]):
    """Template values for a prompt: names, roles, the pause word, and earlier choices."""

    def __init__(self, engine: Any, speaker: str | None, extra: Mapping[str, str] | None = None):
        self.e, self.speaker, self.extra = engine, speaker, dict(extra or {})

    def __getitem__(self, name: str) -> str:
        e = self.e
        if name in self.extra:
            return self.extra[name]
        if name in ("A", "B"):
            return e.name(name)
        if name in ("speaker", "listener"):
            pair = roles(name, self.speaker or "A")
            return e.name(pair[0])
        if name == "pause_word":
            return e.pause_word
        if name == "pause_also":  # "To pause, say pineapple{pause_also}."
            return ", or knock twice on the table" if e.config.pause_by.knock else ""
        if name == "crisis_line":
            return e.config.care.line()
        key, _, part = name.partition(".")
        table = e.needs if part.endswith("need") else e.values
        chosen = table.get(key, {})
        who = part.split(".")[0] if part[:1] in ("A", "B") else None
        if who is None and self.speaker is not None and self.speaker in chosen:
            who = self.speaker
        if who is None and self.speaker is not None:
            who = self.speaker
        if who is not None and who not in chosen and ("A" in chosen or "B" in chosen):
            return MISSING  # only the other partner said it: never lend them their words
        return chosen.get(who or "_", chosen.get("_", MISSING))

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def text_of(e: Any, template: str, speaker: str | None, **extra: str) -> str:
    """A template filled in for this moment of the session."""
    return fill(template, Values(e, speaker, extra))


def step_name(step: Step) -> str:
    return step.id or f"{step.kind}-{step.line}"


# -- the script ------------------------------------------------------------------------------


def run_script(e: Any) -> Gen:
    """The whole session: the steps, then the ending."""
    if e.first_session:
        yield from say(e, prompts.FIRST_SESSION, remember=False)
        e.first_notice_said = True
    if e.follow_up:
        from voice_attune.dialog.followup import raise_follow_up

        yield from raise_follow_up(e)
    if e.ask_to_keep_words:
        from voice_attune.dialog.consent import ask_to_keep_words

        yield from ask_to_keep_words(e)
    target = yield from run_list(e, e.script.steps, None)
    yield from finish(e, "finished", prompts.DEFAULT_END if target is None else None)


def run_list(e: Any, steps: tuple[Step, ...], speaker: str | None) -> Gen:
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


def run_step(e: Any, step: Step, speaker: str | None) -> Gen:
    """One step; returns where to go next (None: the next step)."""
    from voice_attune.dialog import questions, talk

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


# -- speaking --------------------------------------------------------------------------------


def say(e: Any, text: str, remember: bool = True) -> Gen:
    """Speak and wait until it has been said. Returns the ``Resume`` if a pause came in
    between (the prompt was then said again from its start), else None."""
    resumed = None
    e.play_prompt(text, remember)
    while True:
        inp = yield
        if isinstance(inp, Played):
            return resumed
        if isinstance(inp, Resume):
            resumed = inp
            e.play_prompt(text, remember)


def chime(e: Any, name: str) -> Gen:
    """Play an earcon and wait for its end (a pause in between simply skips it)."""
    if not e.play_chime(name):
        return
    while True:
        inp = yield
        if isinstance(inp, (Played, Resume)):
            return


def wait_for(e: Any, name: str, due: float) -> Gen:
    """Wait on the audio clock until ``due`` (a pause moves the deadline by its length)."""
    e.set_timer(name, due)
    while True:
        inp = yield
        if isinstance(inp, Fired) and inp.name == name:
            return
        if isinstance(inp, Heard) and "next" in inp.commands:
            e.cancel_timer(name)
            return


def breathe(e: Any, count: int, breathe_in: float, hold: float, breathe_out: float) -> Gen:
    """Guided breaths: each phase starts with a short cue and lasts its seconds on the clock."""
    for _ in range(count):
        for cue, seconds in zip(prompts.BREATH_CUES, (breathe_in, hold, breathe_out)):
            if seconds <= 0:
                continue
            began = e.now
            yield from say(e, cue, remember=False)
            yield from wait_for(e, "breath", max(began + seconds, e.now))


# -- the pause and the end -------------------------------------------------------------------


def pause_protocol(e: Any) -> Gen:
    """Stop, breathe, then ask whether to go on. Returns resume, not_now or unanswered."""
    yield from chime(e, "pause")
    yield from say(e, prompts.PAUSING, remember=False)
    if e.settings.pause_breaths:
        yield from say(e, prompts.BREATHE_FIRST, remember=False)
        yield from breathe(e, e.settings.pause_breaths, 4.0, 0.0, 6.0)
    yield from say(e, prompts.CONTINUE_QUESTION, remember=False)
    answer = yield from await_answer(
        e, _continue_answer, ("yes", "not now"), prompts.CONTINUE_UNCLEAR, prompts.CONTINUE_REMINDER,
        remind_at=e.now + max(30.0, e.settings.reprompt_seconds * 2),
        give_up_at=e.now + e.settings.give_up_seconds * 2)
    if answer == "yes":
        yield from say(e, prompts.RESUMING, remember=False)
        return "resume"
    return "not_now" if answer == "no" else "unanswered"


def going_on(e: Any) -> Gen:
    """The pause ended by a key or the button: say so, and go on."""
    yield from say(e, prompts.RESUMING, remember=False)
    return "resume"


def _continue_answer(heard: Heard) -> str | None:
    answer = yes_no(heard.text, heard.commands)
    if answer is None and heard.answer:
        answer = yes_no(heard.answer)
    return answer


def await_answer(e: Any, judge: Any, phrases: tuple[str, ...], unclear: str, reminder: str,
                 remind_at: float, give_up_at: float) -> Gen:
    """Listen to either partner until ``judge(heard)`` names an answer, and return it. Words
    that are none get ``unclear`` said; silence gets ``reminder`` once, at ``remind_at``;
    at ``give_up_at`` it returns None. Nobody is hurried in between."""
    e.listen(None, phrases)
    e.set_timer("remind", remind_at)
    e.set_timer("give_up", give_up_at)
    while True:
        inp = yield
        if isinstance(inp, Heard):
            answer = judge(inp)
            if answer is not None:
                return answer
            yield from say(e, unclear, remember=False)
            e.listen(None, phrases)
        elif isinstance(inp, Fired) and inp.name == "remind":
            yield from say(e, reminder, remember=False)
            e.listen(None, phrases)
        elif isinstance(inp, Fired) and inp.name == "give_up":
            return None


def finish(e: Any, reason: str, text: str | None) -> Gen:
    """Close the session: a last prompt, the spoken summary, session_end; then unwind."""
    from voice_attune.dialog import actions
    from voice_attune.dialog.engine import Ended

    e.ending = True
    if e.turn is not None:
        e.turn.close(e, "stop" if reason == "stop" else "skip")
    if text:
        yield from say(e, text, remember=False)
    summary = e.tally.summary({"A": e.name("A"), "B": e.name("B")}, reason, e.now)
    words = spoken(summary)
    if words:
        yield from say(e, words, remember=False)
    e.emit(SessionEnd(e.now, reason, summary), actions.End(reason))
    raise Ended


def options_text(options: tuple[str, ...]) -> str:
    return menu_text(options)
