"""The spotter: finds the pause word and spoken commands in what the recognizers hear.

It reads partial results, so the pause word fires while the utterance is still going. Words
are compared as ``voice_attune.text`` compares them: fuzzily, over windows of the recognized
words, and exactly for very short phrases.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Collection, Sequence

from voice_attune.asr.recognizer import Hypothesis
from voice_attune.text import normalize, score, sizes

_REPEAT_WINDOW = 0.6  # seconds: the same phrase ending this close again is the same saying


@dataclass(frozen=True)
class Phrase:
    """Something the spotter listens for."""

    name: str
    """pause, or a command name."""
    kind: str
    """"pause" or "command"."""
    text: str


@dataclass(frozen=True)
class Spot:
    """A phrase heard in a hypothesis."""

    phrase: Phrase
    heard: str
    """The recognized words that matched."""
    score: float
    """0-100."""
    word_end: float | None
    """Audio seconds at which the matched words ended, if the recognizer said."""
    word_start: float | None = None
    """Audio seconds at which the matched words began, if the recognizer said."""


def phrases_for(pause_words: Sequence[str], commands: dict[str, Sequence[str]]) -> list[Phrase]:
    """The pause phrases first (they win ties), then every command phrase."""
    found = [Phrase("pause", "pause", normalize(w)) for w in pause_words]
    for name, texts in commands.items():
        found.extend(Phrase(name, "command", normalize(t)) for t in texts)
    return found


class Spotter:
    """Matches hypotheses against the phrases and reports each saying once.

    Phrases in ``exact`` (a trained keyword model hears them too) match only when their letters
    are all there ("pine apple" for "pineapple", not "pineapples", which the transcriber made
    of "nine apples"): the keyword model is their first line, this their second.
    """

    def __init__(self, phrases: Sequence[Phrase], threshold: float, exact: Collection[str] = ()):
        self.phrases = list(phrases)
        self.threshold = threshold
        self.exact = frozenset(exact)
        self._recent: list[tuple[str, float | None, float | None, int]] = []
        self._utterance = 0

    def forget(self) -> None:
        """Forget every saying reported (a new session, on a clock that starts again at 0)."""
        self._recent = []
        self._utterance = 0

    def new_utterance(self) -> None:
        """A new utterance began: phrases without word times may be reported again."""
        self._utterance += 1
        self._recent = self._recent[-20:]

    def match(self, hyp: Hypothesis, kinds: tuple[str, ...] = ("pause", "command")) -> list[Spot]:
        """Every phrase of these kinds newly heard in this hypothesis, in the order spoken.

        Pause phrases claim their words first, so a command inside the pause phrase
        ("stop now") can never hide the pause.
        """
        tokens = _tokens(hyp)
        taken: set[int] = set()
        found: list[tuple[int, Spot]] = []
        for kind in ("pause", "command"):
            if kind not in kinds:
                continue
            phrases = [p for p in self.phrases if p.kind == kind]
            for end_index in range(len(tokens)):
                best = self._best_at(tokens, end_index, phrases, taken)
                if best is not None:
                    spot, span = best
                    taken.update(span)
                    found.append((end_index, spot))
        found.sort(key=lambda item: item[0])
        return [spot for _, spot in found if self._is_new(spot)]

    def _best_at(self, tokens, end_index: int, phrases: list[Phrase], taken: set[int]):
        best: tuple[Spot, range] | None = None
        for phrase in phrases:
            for size in sizes(phrase.text):
                start_index = end_index - size + 1
                span = range(start_index, end_index + 1)
                if start_index < 0 or taken.intersection(span):
                    continue
                heard = " ".join(tokens[i][0] for i in span)
                s = score(phrase.text, heard)
                if s >= (100.0 if phrase.text in self.exact else self.threshold) and (best is None or s > best[0].score):
                    best = (Spot(phrase, heard, s, tokens[end_index][2], tokens[start_index][1]), span)
        return best

    def claim(self, name: str, start: float | None, end: float | None) -> bool:
        """Another detector (the keyword model) heard ``name`` ending at ``end``: True if that
        saying is new, and from now on the transcript's copy of it is not reported again."""
        phrase = Phrase(name, "", name)
        return self._is_new(Spot(phrase, name, 100.0, end, start))

    def _is_new(self, spot: Spot) -> bool:
        # The same saying comes back in every growing partial and in the final, and its word
        # times may move as the recognizer firms up (a partial's word can end 1 s early): it
        # is the same saying if its words overlap a recent report or end close to it.
        name, start, end = spot.phrase.name, spot.word_start, spot.word_end
        for prev_name, prev_start, prev_end, utterance in self._recent:
            if prev_name != name:
                continue
            if end is None or prev_end is None:
                if utterance == self._utterance:
                    return False
                continue
            if abs(end - prev_end) < _REPEAT_WINDOW:
                return False
            if start is not None and prev_start is not None and start < prev_end and prev_start < end:
                return False
        self._recent.append((name, start, end, self._utterance))
        return True


def _tokens(hyp: Hypothesis) -> list[tuple[str, float | None, float | None]]:
    if hyp.words:
        out = []
        for word in hyp.words:
            for token in normalize(word.text).split():
                out.append((token, word.start, word.end))
        return out
    return [(token, None, None) for token in normalize(hyp.text).split()]
