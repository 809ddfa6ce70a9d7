"""The gentle pause when words suggest danger (see ``voice_attune/config/care.py`` for the words).

The guide stops, says that this sounds important, gives the crisis line, and asks whether to
stop for today or go on. It never diagnoses and never argues; silence ends the session kindly,
with the line said once more. The words themselves never reach this flow: the listener has
already withheld them, and the log records only the ``care`` step.
"""

from __future__ import annotations

from voice_attune.dialog import prompts
from voice_attune.dialog.basics import await_answer, chime, say, text_of
from voice_attune.dialog.host import Gen, Host
from voice_attune.dialog.inputs import Heard

CHOICES = {"resume": ("go on", "continue", "carry on", "keep going", "resume", "yes"),
           "end": ("stop", "end", "end here", "finish", "no")}
REMIND_SECONDS = 30.0


def care_protocol(e: Host) -> Gen:
    """Returns "resume" (go on) or "end"."""
    yield from chime(e, "pause")
    yield from say(e, prompts.CARE_PAUSE, remember=False)
    yield from say(e, text_of(e, "{crisis_line}", None), remember=False)
    yield from say(e, prompts.CARE_QUESTION, remember=False)
    answer = yield from await_answer(
        e, _answer, prompts.CARE_WORDS, prompts.CARE_UNCLEAR, prompts.CARE_QUESTION,
        remind_at=e.now + REMIND_SECONDS, give_up_at=e.now + max(60.0, e.settings.give_up_seconds))
    if answer == "resume":
        yield from say(e, prompts.RESUMING, remember=False)
        return "resume"
    return "end"


def _answer(heard: Heard) -> str | None:
    return heard.match(CHOICES) or _by_command(heard.commands)


def _by_command(commands: tuple[str, ...]) -> str | None:
    if "resume" in commands or "yes" in commands:
        return "resume"
    if "no" in commands:
        return "end"
    return None
