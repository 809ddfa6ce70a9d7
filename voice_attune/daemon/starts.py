"""What starts a session: a spoken start phrase, a key, the button, or the schedule.

Spoken phrases are heard by a grammar-restricted recognizer only (``asr/expected.py``): it can
output nothing but the phrases and a few filler words, so talk in the kitchen is never
transcribed, and nothing heard is logged except which phrase started a session.
"""

from __future__ import annotations

import logging
import re
from collections import deque
from dataclasses import dataclass
from typing import Any, Sequence

from voice_attune.asr.frames import Frame
from voice_attune.asr.vad import SpeechGate, frames_for_ms
from voice_attune.config import Config
from voice_attune.config.daemon import ScheduleEntry
from voice_attune.dialog.answers import best_match
from voice_attune.text import normalize

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Start:
    """A request to start a session (or, from the schedule, to offer one)."""

    script: str
    how: str
    """voice, key, button or schedule."""
    phrase_end: float | None = None
    """Audio seconds at which a spoken start phrase ended (for the latency benchmark)."""
    offer: ScheduleEntry | None = None
    """From the schedule: ask this entry's question first."""


def spoken(text: str) -> str:
    """A phrase as the grammar spells it: lower case words ("Check-in" -> "check in")."""
    return normalize(text)


def start_phrases(config: Config) -> dict[str, str]:
    """Every phrase that starts a session -> its script: the configured ones, and (with
    ``spoken_names``) "start" + each script's title ("start gratitude"). Titles are read
    without checking the scripts, which keeps the daemon's start quick; a script with a
    mistake is refused, and logged, when it is started."""
    from voice_attune.errors import UserError
    from voice_attune.script.loader import library_names, resolve, user_names

    phrases = dict(config.daemon.start_phrases)
    if config.daemon.spoken_names:
        for name in [*library_names(), *user_names(config)]:
            try:
                text = resolve(name, config).read_text(encoding="utf-8")
            except (UserError, OSError):
                continue
            found = re.search(r"^title:\s*['\"]?(.+?)['\"]?\s*$", text, re.MULTILINE)
            if found:
                phrases.setdefault(spoken(f"start {found.group(1)}"), name)
    return phrases


@dataclass(frozen=True)
class PhraseHeard:
    phrase: str
    end: float
    """Audio seconds at which the utterance's words ended."""


class PhraseListener:
    """Voice activity and a grammar recognizer listening for a few phrases, and nothing else."""

    def __init__(self, config: Config, engine: Any, phrases: Sequence[str]):
        self.gate = SpeechGate(config.vad)
        self.recognizer = grammar_recognizer(engine)
        self._pre_roll = config.vad.pre_roll_ms / 1000.0
        self._buffer: deque[Frame] = deque(maxlen=frames_for_ms(config.vad.pre_roll_ms + 1000) + 2)
        self.phrases: tuple[str, ...] = ()
        self.expect(phrases)

    def expect(self, phrases: Sequence[str]) -> None:
        """Listen for these phrases from the next utterance on."""
        self.phrases = tuple(spoken(p) for p in phrases)
        if not self.recognizer.expect(self.phrases):
            raise ValueError("none of the phrases can be recognized: " + ", ".join(self.phrases))

    def feed(self, frame: Frame) -> PhraseHeard | None:
        """Hear one frame; a phrase once an utterance holding it has ended."""
        was_speaking = self.gate.in_speech
        change = self.gate.update(frame)
        if not was_speaking:
            self._buffer.append(frame)
        if change is not None and change.started:
            first = change.onset - self._pre_roll
            for buffered in self._buffer:
                if buffered.t >= first - 1e-9:
                    self.recognizer.accept(buffered)
            self._buffer.clear()
        elif was_speaking:
            self.recognizer.accept(frame)
        if change is not None and not change.started:
            return self._heard(change.offset or frame.end)
        return None

    def reset(self) -> None:
        """Forget any utterance in progress (after the daemon spoke, or a session ran)."""
        self.gate.close(0.0)
        self.recognizer.reset()
        self._buffer.clear()

    def _heard(self, offset: float) -> PhraseHeard | None:
        hyp = self.recognizer.flush()
        if hyp is None or not hyp.text.strip():
            return None
        phrase = best_match(hyp.text, {p: (p,) for p in self.phrases}, threshold=95.0)
        if phrase is None:
            return None
        end = hyp.words[-1].end if hyp.words and hyp.words[-1].end is not None else offset
        return PhraseHeard(phrase, end)


def grammar_recognizer(engine: Any) -> Any:
    """The engine's expected-answer recognizer, or PocketSphinx's when the engine has none
    that can refuse other speech (a Vosk model without "[unk]")."""
    found = engine.answer_recognizer(()) if hasattr(engine, "answer_recognizer") else None
    if found is None:
        from voice_attune.asr.sphinx_engine import SphinxEngine

        log.info("the speech model cannot refuse other words; start phrases are heard by PocketSphinx")
        found = SphinxEngine().answer_recognizer(())
    return found
