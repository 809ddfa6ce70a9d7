"""Coming back to what was set aside: raised once, at the start of the next session.

"Now" gives each partner an open turn on it before the session's own steps; "later" (or no
answer) leaves it open for another day. Nothing is pressed.
"""

from __future__ import annotations

from voice_attune.dialog import prompts
from voice_attune.dialog.basics import say, text_of
from voice_attune.dialog.host import Gen, Host
from voice_attune.dialog.questions import yes_no_question
from voice_attune.dialog.talk import turn

TURN_SECONDS = 90.0


def raise_follow_up(e: Host) -> Gen:
    """Mention the follow-up once; talk about it now if both want to."""
    answer = yield from yes_no_question(e, None, text_of(e, prompts.FOLLOW_UP_QUESTION, None, topic=e.follow_up))
    if answer != "yes":
        yield from say(e, prompts.FOLLOW_UP_LATER, remember=False)
        return
    s = e.settings
    for partner in ("A", "B"):
        yield from say(e, text_of(e, prompts.FOLLOW_UP_TURN, partner))
        yield from turn(e, partner, "speak", TURN_SECONDS, s.patience_seconds, s.warning_seconds)
    e.follow_up_talked = True
    yield from say(e, prompts.FOLLOW_UP_DONE, remember=False)
