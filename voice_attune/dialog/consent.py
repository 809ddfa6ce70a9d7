"""Asking both partners, in every session that would keep them, whether to keep today's words.

Each is asked by name, one after the other (one microphone cannot tell who spoke). Only two
clear yeses keep the words; a no, a skip or silence keeps nothing, and the second partner is
not asked once the first has said no. The answers are logged as ``answer`` events
(``keep-words-A``, ``keep-words-B``); the history stores the words only when both are yes.
"""

from __future__ import annotations

from typing import Any

from voice_attune.dialog import prompts
from voice_attune.dialog.flow import Gen, say, text_of
from voice_attune.dialog.questions import yes_no_question
from voice_attune.events import Answer

ANSWER_ID = "keep-words-{partner}"


def ask_to_keep_words(e: Any) -> Gen:
    """Ask A, then B; sets ``e.keep_words`` to whether both said yes."""
    e.keep_words = False
    for partner, template in (("A", prompts.KEEP_WORDS_QUESTION), ("B", prompts.KEEP_WORDS_SECOND)):
        answer = yield from yes_no_question(e, partner, text_of(e, template, partner))
        e.emit(Answer(e.now, ANSWER_ID.format(partner=partner), answer or "no"))
        if answer != "yes":
            yield from say(e, prompts.KEEP_WORDS_NO, remember=False)
            return
    e.keep_words = True
    yield from say(e, prompts.KEEP_WORDS_YES, remember=False)


def both_agreed(events: Any) -> bool:
    """Whether a session's events hold both partners' yes to keeping their words."""
    said = {e.id: e.value for e in events if getattr(e, "type", "") == "answer"}
    return all(said.get(ANSWER_ID.format(partner=p)) == "yes" for p in "AB")
