"""The commands and answers heard by keyword models, and how those models are made.

One model with an output for each phrase below hears the short things partners say to the
guide. Its file ships inside the package, built by scripts/build_keyword_models.py from
synthetic speech with a fixed seed. Each output has an event name (the command it means) and a
kind: a command becomes a ``spotted`` event; an answer is only ever a hearing of the reply to
an open question.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from voice_attune.asr.kws_model import KeywordModel
from voice_attune.asr.level_gate import GateSettings
from voice_attune.keywords.train import FULL, LONGEST_WINDOW, Budget, Progress, train_keyword


@dataclass(frozen=True)
class Phrase:
    text: str
    name: str
    """The command it means (config.COMMAND_NAMES), or the answer's own name."""
    kind: str = "command"
    """command or answer."""
    false_share: float = 0.005
    """Share of held-out sayings without it that may set it off (see choose_threshold): the
    dialog takes a command only when the utterance is that command, so a spot inside longer
    talk does no harm. "stop" and "I'm done" end something and ask nothing, so they let through
    less (a model of several networks lets through at least what its networks let through at
    their own thresholds: see train_keyword). A "stop" heard below events.SURE_STOP pauses first
    and asks."""


PHRASES = (
    Phrase("stop", "stop", false_share=0.002),
    Phrase("yes", "yes"),
    Phrase("no", "no"),
    Phrase("I'm done", "done", false_share=0.002),
    Phrase("not quite", "no"),
    Phrase("more time", "more_time"),
    Phrase("skip", "next"),
    Phrase("repeat", "repeat"),
    Phrase("help", "help"),
    Phrase("say it again", "repeat"),
    Phrase("something else", "else", "answer"),
)
"""What the commands model hears: the words a couple most often says to the guide."""

COMMANDS_WINDOW = LONGEST_WINDOW
"""Embeddings a window of the commands and of a feelings menu takes. The pause word's shorter
window (Budget.window, 8) was tried for the commands on 2026-12-05: one network of 8 heard more
than one of 12 at about as many false fires, but four networks of 8 did not hear more than the
shipped four of 12 (docs/benchmarks.md). Not measured for a feelings menu."""
COMMANDS_HIDDEN = 128
"""Eleven outputs share the network: it is twice the pause word's width."""

NOT_COMMANDS = ("resume", "continue", "let's continue", "not yet", "not now", "later", "I don't know", "I know")
"""Other commands' phrasings, learned as negatives (the pause word is added too). Among them the
ways of saying "no" that have no output of their own: a model that never met "not yet" heard
its "yet" as "yes" (4 of 12 voices in a quiet room), and "not yet" is an answer the invitation
offers. And "I don't know", a fair reply to a yes/no question that the recognizer's words do not
take for either: a model that never met it heard its "know" as "no" (7 of 10 voices in a quiet
room), and that "no" became the answer."""
NOT_COMMAND_SAYINGS = 4
"""Each of NOT_COMMANDS is said by this many times as many voices as a sound-alike of a phrase:
said by as many (six a network), "not yet" still set "yes" off in 3 of 12 voices."""
ROOMS_FACTOR = 1.5
"""Each saying of a command is heard in this many times the budget's rooms (six for the full
budget instead of four): a short word under babble or behind a talker needs more such hearings
than the pause word. One network trained so heard "stop" under babble of four talkers 0.36 to
0.55 of the time, and behind one talker 0.35 to 0.55 (docs/benchmarks.md)."""

COMMANDS_GATE = GateSettings(above_db=9.0, ratio=5.0, floor_db=-30.0, percentile=30.0, history_s=3.0, release=0.95,
                             peak_below_db=11.0, peak_s=0.4)
"""The level gate the commands model learns and hears through (asr/level_gate.py): frames not
9 dB above the background (the 30th percentile of the last three seconds' levels) turned down,
by up to 30 dB. Four networks so made heard, through bench_commands.py's rooms, "stop" 0.83 of
the time under babble of four talkers at 10 dB and "I'm done" 0.93, where the four without it
heard 0.65 and 0.85; across a furnished room "I'm done" less often (docs/benchmarks.md).
Since 2026-12-07 a frame must also be within 11 dB of the loudest of the last 0.4 s: behind one
talker, whose syllables stand well above its own quiet gaps, the background alone let 44% of
the talk between commands through untouched; held to the word, the talk right after a command
is turned down too (docs/benchmarks.md, "The commands' gate held to the word's own loudness")."""


def train_commands(budget: Budget, seed: int, pause_words: Sequence[str], prompts: Sequence[str],
                   phrases: Sequence[Phrase] = PHRASES, hold_out: bool = False, bank_folder: Path | None = None,
                   progress: Progress | None = None, members: int = 1, twins: bool = False,
                   gate: GateSettings | None = COMMANDS_GATE) -> KeywordModel:
    """A model of ``phrases`` (by default all of them), trained as a pause word is; ``members``
    networks of seeds ``seed``, ``seed + 1``, ..., the median of their scores counting; ``twins``:
    each seed's speech also teaches a network that sees changes (train_keyword); ``gate``: the
    level gate it learns and hears through (None: none)."""
    # No sayings with moved vowels: a short command with its vowel moved is another word (stop, step).
    # No masked mel bands either (masking.py): measured for the pause word only so far, and the
    # shipped commands model was made without them; nor with voices of other languages (the same),
    # nor with networks that see changes alone (Budget.changes); twins are an option, measured.
    budget = dataclasses.replace(budget, hidden=max(budget.hidden, COMMANDS_HIDDEN), epochs=max(budget.epochs, 16),
                                 rooms=int(budget.rooms * ROOMS_FACTOR), accented=0, masked=0.0, foreign=0,
                                 window=COMMANDS_WINDOW, changes=False, gate=gate)
    model = train_keyword([p.text for p in phrases], [p.name for p in phrases], budget, seed=seed,
                          progress=progress, bank_folder=bank_folder, hold_out=hold_out,
                          also_refuse=list(NOT_COMMANDS) * NOT_COMMAND_SAYINGS + list(pause_words), prompts=prompts,
                          false_share=[p.false_share for p in phrases], members=members, twins=twins)
    model.meta["kinds"] = [p.kind for p in phrases]
    return model


MENU = dataclasses.replace(FULL, name="menu", per_accent=6, piper_speeds=(125, 160, 195), carriers=1, rooms=2,
                           neighbours=24, neighbour_voices=6, accented=0, foreign=0)
"""A feelings menu has a dozen words or more: fewer voices per word keep its training to minutes."""


def train_menu(words: Sequence[str], seed: int, commands: Sequence[str], pause_words: Sequence[str],
               prompts: Sequence[str], bank_folder: Path | None, progress: Progress | None = None,
               budget: Budget = MENU, hold_out: bool = False) -> KeywordModel:
    """A model with an answer output for each word of a couple's feelings menu. It shares the
    everyday-sound bank the pause word's training made (any bank in ``bank_folder``)."""
    # Dozens of words: no time for more sayings of each; and no masked bands, as for the commands.
    budget = dataclasses.replace(budget, accented=0, masked=0.0, foreign=0, window=COMMANDS_WINDOW, changes=False)
    model = train_keyword(list(words), list(words), budget, seed=seed, progress=progress, bank_folder=bank_folder,
                          hold_out=hold_out, also_refuse=list(commands) + list(pause_words), prompts=prompts,
                          any_bank=True, false_share=Phrase("", "").false_share)
    model.meta["kinds"] = ["answer"] * len(words)
    return model
