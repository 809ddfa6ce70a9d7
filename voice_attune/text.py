"""Words as the guide compares them: one spelling for what was heard, and fuzzy matching of a
phrase against windows of it.

Recognizers mishear, so matching is fuzzy (rapidfuzz), over windows of the heard words one
shorter, as long as and one longer than the phrase, with the spaces also ignored ("pine apple"
still counts as "pineapple"). Very short phrases must be heard exactly: "now" and "no" are one
letter apart. The spotter, the answers, the engine's echo check, the care words and the script
checks all compare words this way.
"""

from __future__ import annotations

import re
from typing import Iterator, Sequence

from rapidfuzz import fuzz

SHORT = 4
"""Phrases of at most this many letters (spaces left out) must be heard exactly."""


def normalize(text: str) -> str:
    """Lower case, letters, digits, apostrophes and single spaces ("Check-in!" -> "check in")."""
    text = text.lower().replace("’", "'")
    text = re.sub(r"[^\w' ]+", " ", text)
    return " ".join(text.split())


def score(phrase: str, heard: str) -> float:
    """How closely heard words match a phrase, 0-100 (both normalized)."""
    if len(phrase.replace(" ", "")) <= SHORT:
        return 100.0 if heard == phrase else 0.0
    return max(fuzz.ratio(phrase, heard), fuzz.ratio(phrase.replace(" ", ""), heard.replace(" ", "")))


def ratio(a: str, b: str) -> float:
    """Plain rapidfuzz ratio of two words, 0-100."""
    return fuzz.ratio(a, b)


def sizes(phrase: str) -> set[int]:
    """The window lengths, in words, that a phrase is compared with."""
    n = max(1, len(phrase.split()))
    return {max(1, n - 1), n, n + 1}


def windows(tokens: Sequence[str], phrase: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, words) of every window of ``tokens`` the phrase is compared with."""
    for size in sorted(sizes(phrase)):
        for start in range(0, len(tokens) - size + 1):
            yield start, start + size, " ".join(tokens[start:start + size])


def contains(text: str, phrase: str, threshold: float) -> bool:
    """Whether some window of ``text`` matches ``phrase`` at ``threshold`` or better."""
    tokens = text.split()
    if len(tokens) < min(sizes(phrase)):
        return score(phrase, text) >= threshold  # shorter than every window: all of it
    return any(score(phrase, words) >= threshold for _, _, words in windows(tokens, phrase))


def ends_with(text: str, phrase: str, threshold: float, after: Sequence[str] = ()) -> bool:
    """Whether ``text`` ends with ``phrase`` (heard fuzzily), perhaps followed by one of ``after``
    ("...I'm done, thanks")."""
    for tail in ("", *after):
        if tail and not text.endswith(" " + tail):
            continue
        body = text[: len(text) - len(tail)].split() if tail else text.split()
        n = len(phrase.split())
        if len(body) >= n and score(phrase, " ".join(body[-n:])) >= threshold:
            return True
    return False


def position(text: str, phrase: str) -> float:
    """Roughly how far into ``text`` (0-1, by letters) the words best matching ``phrase`` end."""
    best, where = -1.0, 0.5
    tokens = text.split()
    n = max(1, len(phrase.split()))
    letters = 0
    for i, token in enumerate(tokens):
        window = " ".join(tokens[i:i + n])
        s = score(phrase, window)
        if s > best:
            best, where = s, (letters + len(window)) / max(1, len(text))
        letters += len(token) + 1
    return min(1.0, where)
