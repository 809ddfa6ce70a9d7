"""The phrase as other accents might say it: its vowels moved, its stress shifted.

espeak-ng's accents differ mostly in how they sound the same phonemes, and a couple's accent may
be none of them. Training only on the accents espeak-ng has, a model heard a Scottish or a
Caribbean voice it never met 65 times in 100 in a quiet room. Said again with each vowel
sometimes swapped for a near one (the "aI" of "pine" as "eI", "OI" or a long "A:") and the stress
sometimes on another syllable, through espeak-ng's phoneme input, the phrase keeps its consonants
(what tells it from "fine apple" or "nine apples") and gains the spread of vowels that accents
bring. Those sayings are taught lighter than the phrase itself (ACCENT_WEIGHT in train.py).
"""

from __future__ import annotations

import numpy as np

from voice_attune.keywords.neighbours import espeak_phonemes, is_vowel, spoken

NEAR_VOWELS = (
    ("aI", "eI", "OI", "a", "A:", "aI@"),
    ("a", "E", "A:", "aa", "V", "0"),
    ("@L", "@l", "Ul", "Vl", "0l", "o@l"),
    ("@", "V", "I", "E", "3:", "a#"),
    ("i:", "I", "eI", "i"),
    ("u:", "U", "oU"),
    ("oU", "O:", "0", "u:"),
    ("eI", "e", "E", "aI"),
)
"""Groups of espeak-ng English vowels that accents trade for one another."""

SWAP_CHANCE = 0.5
"""Chance that a vowel with near ones is swapped."""
STRESS_CHANCE = 0.3
"""Chance that the stress moves to another vowel of the word."""

_MARKS = "'%,="


def accent_variants(text: str, rng: np.random.Generator, count: int) -> list[str]:
    """Up to ``count`` different sayings of ``text`` as espeak-ng phoneme input ``[[...]]``,
    each with some vowels swapped for near ones and perhaps the stress moved; seeded by ``rng``."""
    words = espeak_phonemes(text)
    if not any(words):
        return []
    found: dict[str, None] = {}
    for _ in range(count * 6):
        changed = [_vary(word, rng) for word in words]
        saying = spoken(changed)
        if saying != spoken(words):
            found[saying] = None
        if len(found) >= count:
            break
    return list(found)


def _vary(word: list[str], rng: np.random.Generator) -> list[str]:
    out = []
    for phoneme in word:
        bare = phoneme.lstrip(_MARKS)
        mark = phoneme[: len(phoneme) - len(bare)]
        groups = [g for g in NEAR_VOWELS if bare in g]
        if groups and rng.random() < SWAP_CHANCE:
            group = groups[int(rng.integers(len(groups)))]
            bare = group[int(rng.integers(len(group)))]
        out.append(mark + bare)
    vowels = [i for i, p in enumerate(out) if is_vowel(p)]
    if len(vowels) >= 2 and rng.random() < STRESS_CHANCE:
        out = [p.lstrip(_MARKS) if is_vowel(p) else p for p in out]
        k = vowels[int(rng.integers(len(vowels)))]
        out[k] = "'" + out[k]
    return out
