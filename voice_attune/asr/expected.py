"""Listening for expected answers: a menu's words, yes or no, while a question is open.

A free transcriber often mishears one short word said alone ("heavy" as "eddie"). While a
question is open, a second recognizer hears the same utterance through a grammar of only
the expected answers, the commands, and a few dozen words that go around an answer ("I feel
... today"). Whatever is not an answer comes out as those filler words, so a sentence that
is no answer stays no answer; the dialog reads this recognizer's words only when the
transcript matched nothing.
"""

from __future__ import annotations

from typing import Any, Sequence

from voice_attune.asr.frames import Frame
from voice_attune.asr.recognizer import Hypothesis
from voice_attune.text import normalize

FILLERS = (
    "i'm feel feeling little kind very really just today think guess maybe pretty quite like "
    "that don't know not sure yeah well right mostly probably nothing what about let me"
).split()
"""Words heard around an answer ("I think I'm feeling mostly tense today"), and in the most
common non-answers ("I don't know", "nothing really"). Words of one or two sounds ("a", "the",
"and") are left out: they soaked up short answers said alone (measured over 192 menu answers
in four espeak-ng voices: 107 heard with them, 130 without)."""


def usable(phrase: str, knows) -> str | None:
    """The phrase in the grammar's spelling, or None if a word is unknown to the model."""
    words = normalize(phrase).split()
    return " ".join(words) if words and all(knows(w) for w in words) else None


def answer_grammar(answers: Sequence[str], extra: Sequence[str]) -> str:
    """JSGF: filler words, perhaps one answer (or extra phrase) among them."""
    options = " | ".join(sorted(set(answers) | set(extra)))
    return (
        "#JSGF V1.0;\ngrammar answers;\n"
        f"<filler> = {' | '.join(FILLERS)};\n"
        f"<option> = {options};\n"
        "public <answer> = <filler>* [<option>] <filler>*;\n"
    )


class SphinxAnswers:
    """One PocketSphinx decoder with a grammar search per set of expected answers."""

    def __init__(self, engine: Any, extra: Sequence[str]):
        self._engine = engine
        self._extra = [p for p in (usable(x, engine.knows) for x in extra) if p]
        self._recognizer = None
        self._searches: dict[tuple[str, ...], str] = {}
        self._want: str | None = None
        self._running: str | None = None
        """The search the decoder runs."""
        self.active = False

    def expect(self, phrases: Sequence[str]) -> bool:
        """Listen for these answers from the next utterance on (none: rest). True if any is usable."""
        answers = tuple(sorted({p for p in (usable(x, self._engine.knows) for x in phrases) if p}))
        self.active = bool(answers)
        if not answers:
            return False
        if self._recognizer is None:
            self._recognizer = self._engine.grammar_decoder()
        if answers not in self._searches:
            name = f"answers{len(self._searches)}"
            self._recognizer.decoder.add_jsgf_string(name, answer_grammar(answers, self._extra))
            self._searches[answers] = name
        self._want = self._searches[answers]
        if not self._recognizer.in_utterance:
            self._activate()
        return True

    def _activate(self) -> None:
        # The decoder is not asked which search is active: it starts with none (no language
        # model, see SphinxEngine.grammar_decoder), and asking it then crashes PocketSphinx.
        if self._want is not None and self._running != self._want:
            self._recognizer.decoder.activate_search(self._want)
            self._running = self._want

    def accept(self, frame: Frame) -> Hypothesis | None:
        if self.active:
            self._recognizer.accept(frame)
        return None

    def flush(self) -> Hypothesis | None:
        if not self.active or self._recognizer is None:
            return None
        hyp = self._recognizer.flush()
        self._activate()
        return hyp

    def reset(self) -> None:
        if self._recognizer is not None:
            self._recognizer.reset()
            self._activate()


class VoskAnswers:
    """A Vosk recognizer restricted to the expected answers, the extra phrases and "[unk]"."""

    def __init__(self, engine: Any, extra: Sequence[str]):
        self._engine = engine
        self._extra = [p for p in (usable(x, engine.knows) for x in extra) if p]
        self._recognizer = None
        self._heard: list[Hypothesis] = []
        self.active = False

    def expect(self, phrases: Sequence[str]) -> bool:
        answers = sorted({p for p in (usable(x, self._engine.knows) for x in phrases) if p})
        self.active = bool(answers)
        self._heard = []
        self._recognizer = self._engine.grammar_recognizer([*answers, *self._extra, "[unk]"]) if answers else None
        return self.active

    def accept(self, frame: Frame) -> Hypothesis | None:
        if self._recognizer is not None:
            hyp = self._recognizer.accept(frame)
            if hyp is not None and hyp.final:
                self._heard.append(hyp)  # Kaldi's own endpointing may cut an utterance in two
        return None

    def flush(self) -> Hypothesis | None:
        if self._recognizer is None:
            return None
        last = self._recognizer.flush()
        heard, self._heard = [*self._heard, *([last] if last else [])], []
        if not heard:
            return None
        words = tuple(w for h in heard for w in h.words)
        return Hypothesis(" ".join(h.text for h in heard), words, True)

    def reset(self) -> None:
        if self._recognizer is not None:
            self._recognizer.reset()
        self._heard = []
