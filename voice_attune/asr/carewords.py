"""Finding words that suggest danger in what the recognizers heard (config key ``care.words``).

The listener marks such an utterance ``final.care`` and withholds its words; the dialog then
pauses gently (``dialog/care.py``). Whole words count, a little fuzzy for long ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from voice_attune.text import normalize, ratio

_FUZZY = 80
"""How closely (rapidfuzz ratio) a recognized word must match a phrase's word of ``_LONG``
letters or more; shorter words, and a phrase of one word, must be heard exactly ("want to drive" is not "want
to die", "we can go on" is not "can't go on", "pausing" is not "abusing")."""
_LONG = 6
GAP = "__"
"""In a phrase, a place where a few other words may come ("giving __ away": "giving my books
away"); written ``...`` in config.yaml."""
GAP_WORDS = 4


@dataclass(frozen=True)
class CareWords:
    """Finds the care phrases in recognized text: whole words, a little fuzzy for long ones."""

    phrases: tuple[str, ...]

    def find(self, text: str, final: bool = True) -> str | None:
        """The first phrase heard in ``text``, or None (partial or final alike)."""
        words = normalize(text).split()
        if not words:
            return None
        for phrase in self.phrases:
            if GAP in phrase.split():
                if _gapped(phrase, words):
                    return phrase
                continue
            wanted = phrase.split()
            n = len(wanted)
            joined = phrase.replace(" ", "")
            for i in range(0, len(words) - n + 1):
                window = words[i:i + n]
                if window == wanted or (n > 1 and all(_same(w, h) for w, h in zip(wanted, window))):
                    return phrase
                if n > 1 and "".join(words[i:i + n + 1]) == joined:
                    return phrase  # "kill my self" for "kill myself"
        return None


def _gapped(phrase: str, words: list[str]) -> bool:
    """Whether the parts of ``phrase`` (split at its gaps) come in order, each right where it
    starts, with at most GAP_WORDS other words between one part and the next."""
    parts = [part.split() for part in f" {phrase} ".split(f" {GAP} ")]
    parts = [part for part in parts if part]

    def from_(k: int, start: int, last: int) -> bool:
        if k == len(parts):
            return True
        part = parts[k]
        for i in range(start, min(last, len(words) - len(part)) + 1):
            if all(_same(w, h) for w, h in zip(part, words[i:i + len(part)])):
                if from_(k + 1, i + len(part), i + len(part) + GAP_WORDS):
                    return True
        return False

    return from_(0, 0, len(words))


def _same(wanted: str, heard: str) -> bool:
    if wanted == heard:
        return True
    return len(wanted) >= _LONG and ratio(wanted, heard) >= _FUZZY
