"""The small waits every step is made of: speaking a prompt, a chime, a timer, guided breaths,
waiting for an answer, and the ending; and the template values a prompt is filled with.

Each function is a generator over the host's inputs (``host.py``): it acts through the host and
waits with ``inp = yield``. ``yield from`` composes them, so a step reads as what it does.
"""

from __future__ import annotations

import re
from typing import Callable, Iterator, Mapping

from voice_attune.dialog import actions, prompts
from voice_attune.dialog.host import Ended, Gen, Host
from voice_attune.dialog.inputs import Fired, Heard, Played, Resume
from voice_attune.dialog.summary import spoken
from voice_attune.dialog.template import fill
from voice_attune.events import SessionEnd
from voice_attune.script.steps import Step, roles

MISSING = "something"
"""What a prompt says for a value nobody gave (a skipped menu, a silent remembered turn)."""


class Values(Mapping[str, str]):
    """Template values for a prompt: names, roles, the pause word, and earlier choices."""

    IMPERSONAL = ("options", "remaining")
    """Extra values that are the guide's own words, not the couple's."""

    def __init__(self, engine: Host, speaker: str | None, extra: Mapping[str, str] | None = None):
        self.e, self.speaker, self.extra = engine, speaker, dict(extra or {})
        self.personal = False
        """Whether a value filled in came from the couple (a choice, their words, a topic)."""
        self.unknown = False
        """Whether a value the couple were to give was never given (filled in as MISSING)."""

    def __getitem__(self, name: str) -> str:
        e = self.e
        if name in self.extra:
            self.personal |= name not in self.IMPERSONAL
            return self.extra[name]
        if name in ("A", "B"):
            return e.name(name)
        if name in ("speaker", "listener"):
            pair = roles(name, self.speaker or "A")
            return e.name(pair[0])
        if name == "pause_word":
            return e.pause_word
        if name == "pause_also":  # "To pause, say pineapple{pause_also}."
            return ", or knock twice on the table" if e.dialog.knock_pause else ""
        if name == "crisis_line":
            return e.dialog.crisis_line
        key, _, part = name.partition(".")
        table = e.needs if part.endswith("need") else e.values
        chosen = table.get(key, {})
        who = part.split(".")[0] if part[:1] in ("A", "B") else None
        if who is None and self.speaker is not None and self.speaker in chosen:
            who = self.speaker
        if who is None and self.speaker is not None:
            who = self.speaker
        if who is not None and who not in chosen and ("A" in chosen or "B" in chosen):
            self.unknown = True
            return MISSING  # only the other partner said it: never lend them their words
        value = chosen.get(who or "_", chosen.get("_", MISSING))
        self.personal |= value != MISSING
        self.unknown |= value == MISSING
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def text_of(e: Host, template: str, speaker: str | None, **extra: str) -> str:
    """A template filled in for this moment of the session; one that reads back something of the
    couple's is noted in ``e.personal``, so its audio is never kept on disk. A sentence that
    would read back only what nobody gave ("Alex feels something and would like something.") is
    left out, unless nothing else is left."""
    kept: list[str] = []
    personal = False
    sentences = _SENTENCE_END.split(template.strip())
    for sentence in sentences:
        values = Values(e, speaker, extra)
        text = fill(sentence, values)
        if values.unknown and not values.personal and len(sentences) > 1:
            continue
        kept.append(text)
        personal |= values.personal
    if not kept:  # every sentence read back nothing: say it as it stands
        values = Values(e, speaker, extra)
        kept, personal = [fill(template.strip(), values)], values.personal
    text = " ".join(kept)
    if personal:
        e.personal.add(text)
    return text


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
"""Where one sentence of a template ends and the next begins (never inside a placeholder)."""


def step_name(step: Step) -> str:
    return step.id or f"{step.kind}-{step.line}"


def say(e: Host, text: str, remember: bool = True) -> Gen:
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


def chime(e: Host, name: str) -> Gen:
    """Play an earcon and wait for its end (a pause in between simply skips it)."""
    if not e.play_chime(name):
        return
    while True:
        inp = yield
        if isinstance(inp, (Played, Resume)):
            return


def wait_for(e: Host, name: str, due: float) -> Gen:
    """Wait on the audio clock until ``due`` (a pause moves the deadline by its length)."""
    e.set_timer(name, due)
    while True:
        inp = yield
        if isinstance(inp, Fired) and inp.name == name:
            return
        if isinstance(inp, Heard) and "next" in inp.commands:
            e.cancel_timer(name)
            return


def breathe(e: Host, count: int, breathe_in: float, hold: float, breathe_out: float) -> Gen:
    """Guided breaths: each phase starts with a short cue and lasts its seconds on the clock."""
    for _ in range(count):
        for cue, seconds in zip(prompts.BREATH_CUES, (breathe_in, hold, breathe_out)):
            if seconds <= 0:
                continue
            began = e.now
            yield from say(e, cue, remember=False)
            yield from wait_for(e, "breath", max(began + seconds, e.now))


def await_answer(e: Host, judge: Callable[[Heard], str | None], phrases: tuple[str, ...], unclear: str, reminder: str,
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


def finish(e: Host, reason: str, text: str | None) -> Gen:
    """Close the session: a last prompt, the spoken summary, session_end; then unwind."""
    e.ending = True
    if e.turn is not None:
        e.turn.close(e, "stop" if reason == "stop" else "skip")
    if text:
        yield from say(e, text, remember=False)
    summary = e.tally.summary({"A": e.name("A"), "B": e.name("B")}, reason, e.now)
    words = spoken(summary)
    if summary["choices"]:
        e.personal.add(words)  # it names what each of them chose: never cached on disk
    if words:
        yield from say(e, words, remember=False)
    e.emit(SessionEnd(e.now, reason, summary), actions.End(reason))
    raise Ended
