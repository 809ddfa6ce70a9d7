"""Phrases that sound almost like a keyword: the hard negatives a model must learn to refuse.

Two sources, both automatic, so any word espeak-ng can say gets them (a made-up word too):
- real words whose pronunciation (CMU dictionary, shipped with PocketSphinx) is a phoneme or
  two away from one of the phrase's words, and the phrase's own parts ("pine", "apple");
- the phrase's espeak-ng phonemes with one consonant swapped for a near one, or a syllable cut,
  spoken through espeak-ng's phoneme input ``[[...]]``.
"""

from __future__ import annotations

import functools
import re
import subprocess
from pathlib import Path

import numpy as np
from rapidfuzz.distance import Levenshtein

from voice_attune.keywords.texts import FREQUENT

_VOWEL = re.compile(r"[aeiouAEIOUV@03&]")


def espeak_phonemes(text: str, voice: str = "en-us") -> list[list[str]]:
    """The phonemes of each word of ``text`` as espeak-ng spells them (stress marks kept)."""
    result = subprocess.run(
        ["espeak-ng", "-q", "-x", "--sep=_", "-v", voice, "--stdin"],
        input=text.encode(), capture_output=True, check=False,
    )
    words = result.stdout.decode(errors="replace").split()
    return [[p for p in w.split("_") if p] for w in words]


def is_vowel(phoneme: str) -> bool:
    return bool(_VOWEL.search(phoneme.strip("'%,=")))


_ONSETS = ("", "b", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "w", "S", "tS", "st", "bl")


def spoken(words: list[list[str]]) -> str:
    return "[[" + " ".join("".join(w) for w in words if w) + "]]"


def perturbations(text: str, rng: np.random.Generator) -> list[str]:
    """The phrase with one syllable's onset swapped for another ("pineapple": "nineapple",
    "pinewapple"), or its first or last syllable cut, as espeak-ng phoneme input. Changes in
    the middle of a syllable are left out: they sound too like the phrase itself."""
    words = espeak_phonemes(text)
    found: list[str] = []
    for wi, word in enumerate(words):
        vowels = [i for i, p in enumerate(word) if is_vowel(p)]
        for v in vowels:
            onset_start = v
            while onset_start > 0 and not is_vowel(word[onset_start - 1]):
                onset_start -= 1
            onset = "".join(word[onset_start:v]).strip("'%,=")
            for new in rng.permutation(len(_ONSETS))[:4]:
                if _ONSETS[new] == onset:
                    continue
                changed = [list(w) for w in words]
                vowel = word[v]
                mark = vowel[: len(vowel) - len(vowel.lstrip("'%,="))]
                changed[wi] = word[:onset_start] + [mark + _ONSETS[new], vowel.lstrip("'%,=")] + word[v + 1 :]
                found.append(spoken(changed))
        if len(vowels) >= 2:
            cut_first = [list(w) for w in words]
            cut_first[wi] = word[vowels[1] - (0 if vowels[1] == 0 or is_vowel(word[vowels[1] - 1]) else 1):]
            found.append(spoken(cut_first))
            cut_last = [list(w) for w in words]
            cut_last[wi] = word[: vowels[-1]]
            found.append(spoken(cut_last))
    return list(dict.fromkeys(found))


@functools.lru_cache(maxsize=1)
def _dictionary() -> tuple[dict[str, str], list[str], list[str]]:
    """CMU dictionary: word -> phoneme string, and parallel lists of words and coded phonemes."""
    path = _dictionary_path()
    pron: dict[str, str] = {}
    if path is not None:
        for line in path.read_text(errors="replace").splitlines():
            parts = line.split()
            if len(parts) >= 2 and "(" not in parts[0]:
                pron[parts[0]] = " ".join(parts[1:])
    symbols: dict[str, str] = {}
    coded = [_code(p, symbols) for p in pron.values()]
    return pron, list(pron.keys()), coded


def _dictionary_path() -> Path | None:
    try:
        import pocketsphinx
    except ImportError:
        return None
    path = Path(pocketsphinx.__file__).parent / "model" / "en-us" / "cmudict-en-us.dict"
    return path if path.is_file() else None


def _code(pron: str, symbols: dict[str, str]) -> str:
    """One character per phoneme, so edit distance counts phonemes."""
    return "".join(symbols.setdefault(p, chr(0x100 + len(symbols))) for p in pron.split())


def dictionary_neighbours(word: str, limit: int = 12) -> list[str]:
    """Real words one or two phonemes from ``word`` (none that merely adds an ending to it)."""
    pron, words, coded = _dictionary()
    mine = pron.get(word.lower())
    if mine is None:
        return []
    target = coded[words.index(word.lower())]
    budget = 1 if len(target) <= 3 else 2
    scored = []
    for w, c in zip(words, coded):
        if w == word.lower() or c.startswith(target) or not w.isalpha():
            continue
        if abs(len(c) - len(target)) > budget:
            continue
        d = Levenshtein.distance(c, target, score_cutoff=budget)
        if 0 < d <= budget:
            scored.append((d, len(w), w))
    scored.sort(key=lambda item: (item[2] not in FREQUENT, item))
    return [w for _, _, w in scored[:limit]]


def longer_words(word: str, limit: int = 6) -> list[str]:
    """Real words that begin with all of ``word``'s sounds and go on ("yes": "yesterday"; "stop":
    "stopwatch"): the detector hears them before it hears that they go on."""
    pron, words, coded = _dictionary()
    if word.lower() not in pron:
        return []
    target = coded[words.index(word.lower())]
    # Everyday words first, then those spelt on from it (real words more than names).
    found = [(w not in FREQUENT, not w.startswith(word.lower()), len(c), w) for w, c in zip(words, coded)
             if w.isalpha() and c.startswith(target) and len(c) >= len(target) + 2]
    return [w for *_, w in sorted(found)[:limit]]


def word_parts(text: str) -> list[str]:
    """The phrase's own parts: each word of a phrase of several, and for a compound word its
    halves ("pineapple": "pine", "apple")."""
    words = text.lower().split()
    if len(words) > 1:
        return [w for w in words if len(w) > 1]
    word = words[0] if words else ""
    pron, _, _ = _dictionary()
    parts = []
    for cut in range(2, len(word) - 1):
        head, tail = word[:cut], word[cut:]
        if head in pron and tail in pron and len(head) > 2 and len(tail) > 2:
            parts += [head, tail]  # a compound: both halves are words
    return list(dict.fromkeys(parts))


def rhymes(word: str, limit: int = 6) -> list[str]:
    """Real words that differ from ``word`` only before its first vowel ("pine": "nine", "fine")."""
    pron, words, _ = _dictionary()
    mine = pron.get(word.lower())
    if mine is None:
        return []
    phones = mine.split()
    first = next((i for i, p in enumerate(phones) if p[-1:].isdigit() or p in _ARPA_VOWELS), None)
    if first is None:
        return []
    rest = " ".join(phones[first:])
    own_head = phones[:first]
    found = []
    for w, p in pron.items():
        if w != word.lower() and w.isalpha() and len(w) > 1 and p.endswith(rest):
            head = p[: len(p) - len(rest)].split()
            if head != own_head and len(head) <= 2 and not any(h[-1:].isdigit() or h in _ARPA_VOWELS for h in head):
                found.append(w)
    found.sort(key=lambda w: (w not in FREQUENT, len(w), w))
    return found[:limit]


_ARPA_VOWELS = {"AA", "AE", "AH", "AO", "AW", "AY", "EH", "ER", "EY", "IH", "IY", "OW", "OY", "UH", "UW"}


def neighbours(text: str, rng: np.random.Generator, limit: int = 40) -> list[str]:
    """Confusable sayings of ``text``: its parts alone and with other words, the parts swapped
    for rhymes, near real words, and phoneme changes."""
    words = text.lower().split()
    parts = word_parts(text)
    found = list(parts)
    for w in words[-1:]:  # the phrase's last word going on into a longer one
        found += [" ".join(words[:-1] + [longer]) for longer in longer_words(w.strip("'"), 6)]
    frequent = sorted(FREQUENT)
    for part in parts:
        # Each part beside everyday words, as it comes up in talk ("pine tree", "the apple").
        for k in rng.choice(len(frequent), size=6, replace=False):
            other = frequent[int(k)]
            found += [f for f in (f"{part} {other}", f"{other} {part}")
                      if f.replace(" ", "").rstrip("s") != text.lower().replace(" ", "")]
    if len(parts) == 2 and len(words) == 1:
        # A compound: each half, or a word near it, beside the other half or a word near that
        # ("nine apples", "a pile of apples", "pine chapel").
        first, second = parts
        # The first half swapped for each of its rhymes, the second kept: the nearest of all.
        found += [f"{r} {b}" for r in rhymes(first, 10) for b in (second, second + "s")]
        near = [[p] + rhymes(p, 10) + dictionary_neighbours(p, 6) + [p + "s"] for p in parts]
        combos = [(a, b) for a in near[0] for b in near[1] if (a, b) != (first, second) and a + b != words[0]]
        for k in rng.permutation(len(combos))[:24]:
            a, b = combos[int(k)]
            found.append(f"a {a} of {b}" if rng.random() < 0.25 else f"{a} {b}")
    for i, w in enumerate(words):
        for near in dictionary_neighbours(w.strip("'"), limit=8):
            found.append(" ".join(words[:i] + [near] + words[i + 1 :]))
    changed = perturbations(text, rng)
    rng.shuffle(changed)
    found.extend(changed)
    found = [" ".join(f.split()) for f in found]
    found = [f for f in dict.fromkeys(found) if f.lower() != text.lower()]
    return found[:limit]



def random_sentences(rng: np.random.Generator, count: int, length: tuple[int, int] = (6, 11)) -> list[str]:
    """Strings of dictionary words drawn at random: every sound of English, in new orders."""
    pron, words, _ = _dictionary()
    plain = [w for w in words if w.isalpha() and 3 <= len(w) <= 9]
    if not plain:
        return []
    return [" ".join(plain[int(i)] for i in rng.integers(0, len(plain), int(rng.integers(*length))))
            for _ in range(count)]
