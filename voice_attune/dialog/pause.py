"""The pause protocol: stop, breathe, then ask whether to go on; and going on by a key or the
button."""

from __future__ import annotations

from voice_attune.dialog import prompts
from voice_attune.dialog.answers import yes_no
from voice_attune.dialog.basics import await_answer, breathe, chime, say
from voice_attune.dialog.host import Gen, Host
from voice_attune.dialog.inputs import Heard


def pause_protocol(e: Host) -> Gen:
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


def going_on(e: Host) -> Gen:
    """The pause ended by a key or the button: say so, and go on."""
    yield from say(e, prompts.RESUMING, remember=False)
    return "resume"


def _continue_answer(heard: Heard) -> str | None:
    answer = yes_no(heard.text, heard.commands)
    if answer is None and heard.answer:
        answer = yes_no(heard.answer)
    return answer
