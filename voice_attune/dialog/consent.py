"""Asking both partners, in every session that would keep them, whether to keep today's words.

Each is asked by name, one after the other (one microphone cannot tell who spoke). Only two
clear yeses keep the words; a no, a skip or silence keeps nothing, and the second partner is
not asked once the first has said no. The answers are logged as ``answer`` events
(``keep-words-A``, ``keep-words-B``); the history stores the words only when both are yes.
"""

from __future__ import annotations

from voice_attune.dialog import prompts
from voice_attune.dialog.basics import say, text_of
from voice_attune.dialog.host import Gen, Host
from voice_attune.dialog.questions import yes_no_question
from voice_attune.events import KEEP_WORDS_ID, Answer


def ask_to_keep_words(e: Host) -> Gen:
    """Ask A, then B; sets ``e.keep_words`` to whether both said yes."""
    e.keep_words = False
    for partner, template in (("A", prompts.KEEP_WORDS_QUESTION), ("B", prompts.KEEP_WORDS_SECOND)):
        answer = yield from yes_no_question(e, partner, text_of(e, template, partner))
        e.emit(Answer(e.now, KEEP_WORDS_ID.format(partner=partner), answer or "no"))
        if answer != "yes":
            yield from say(e, prompts.KEEP_WORDS_NO, remember=False)
            return
    e.keep_words = True
    yield from say(e, prompts.KEEP_WORDS_YES, remember=False)
