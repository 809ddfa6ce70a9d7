"""Understanding short spoken answers: yes or no, a word from a menu, an answer from a list.

Recognizers mishear, so matching is fuzzy (rapidfuzz) over windows of the words heard; very
short words must be heard exactly ("no" and "now" are one letter apart).
"""

from __future__ import annotations

from typing import Iterable, Mapping, Sequence

from voice_attune.text import normalize, score, sizes

YES_WORDS = ("yes", "yeah", "yep", "okay", "ok", "sure", "that's right", "right", "exactly",
             "that's it", "i'm ready", "ready", "go on", "let's go on")
NO_WORDS = ("no", "nope", "not quite", "not really", "not now", "not yet", "later", "not today")
AGAIN_WORDS = ("say it again", "say that again", "again", "repeat", "once more")
NEGATIONS = ("not", "don't", "isn't", "never", "can't")
ELSE_WORDS = ("something else", "something different", "none of those", "other", "my own words")
OPENERS = ("okay", "ok", "alright", "all right", "right", "so", "well", "um", "uh")
"""Words people open any answer with ("okay, no"): when more follows, the answer is in the rest."""


def best_match(heard: str, choices: Mapping[str, Sequence[str]], threshold: float = 88.0) -> str | None:
    """The choice whose phrases best match some window of ``heard``, or None.

    ``choices`` maps a name to the phrases that mean it; the best score wins and ties go to
    the phrase heard last (people correct themselves: "tired, no, tense").
    """
    found = _best(normalize(heard).split(), choices, threshold)
    return None if found is None else found[3]


def _best(tokens: list[str], choices: Mapping[str, Sequence[str]], threshold: float,
          first: bool = False, negated: bool = False) -> tuple[float, int, int, str] | None:
    """(score, end, start, name) of the best-matching window, or None; with ``first``, the
    earliest match wins instead of the best-scoring latest one. A phrase right after "not"
    does not count, or with ``negated`` only such a phrase counts."""
    best: tuple[float, int, int, str] | None = None
    for name, phrases in choices.items():
        for phrase in phrases:
            text = normalize(phrase)
            for size in sizes(text):
                for start in range(0, len(tokens) - size + 1):
                    after_not = start > 0 and tokens[start - 1] in NEGATIONS and text.split()[0] not in NEGATIONS
                    if after_not != negated:
                        continue  # "not ready", "I'm not okay" are no answer of "ready", "okay"
                    s = score(text, " ".join(tokens[start:start + size]))
                    candidate = (s, start + size, start, name)
                    if s < threshold:
                        continue
                    if best is None or (((-start, s) > (-best[2], best[0])) if first else candidate[:2] > best[:2]):
                        best = candidate
    return best


def yes_no(heard: str, commands: Iterable[str] = (), yes: Sequence[str] = YES_WORDS,
           no: Sequence[str] = NO_WORDS) -> str | None:
    """"yes", "no" or None for an answer to a yes/no question.

    The answer must open the utterance ("No, I'd rather stop") or be most of it ("not now,
    thanks"): a sentence that merely contains "other today" or "ready" is not an answer. The
    first answer heard counts: "yes, let's go on" misheard as "yes it's no longer" is yes.
    ``commands`` are the spotted command names in the same words, used the same way. An opener
    ("okay", "all right", "so") followed by an answer is that answer: "okay, no" is no.
    """
    tokens = normalize(heard).split()
    rest = _after_openers(tokens)
    if len(rest) < len(tokens):
        answer = yes_no(" ".join(rest), (), yes, no)
        if answer is not None:
            return answer
    found = _best(tokens, {"yes": yes, "no": no}, 88.0, first=True)
    if found is not None:
        _, end, start, name = found
        if start <= 1 or len(tokens) <= (end - start) + 3:
            return name
        return None
    if len(tokens) > 4:
        return None
    if _best(tokens, {"yes": yes}, 88.0, negated=True) is not None:
        return "no"  # "I'm not ready", "not okay"
    names = set(commands)
    if "yes" in names or "resume" in names:
        return "yes"
    if "no" in names:
        return "no"
    return None


SHORT_ANSWER_WORDS = 4
"""What the expected-answer recognizer heard is a yes or no when it heard only that ("yes",
"not quite"), or when the utterance was short: its words and the transcript's this many or
fewer ("yeah I think so"). A partner asking back instead ("Whose turn is it to take the bins
out tonight?") is no answer, but the answer grammar turns such a sentence into its filler
words, among them "yeah", "sure" and "right" ("just sure that that today ..."), and those were
taken for yes (scripts/bench_answers.py, "question/expected"). A phrase the keyword model heard
is handed on alone (and not when it ended the speaker's own sentence: asr/listener.py,
SENTENCE_S), so a "yes" said under babble, whose transcript is the babble's many words, counts."""


def yes_no_heard_alone(answer: str, words: str = "") -> str | None:
    """yes_no of what the expected-answer recognizer or a keyword model heard (``answer``) in an
    utterance the transcript heard as ``words``: if it is one answer alone, or both are short
    (SHORT_ANSWER_WORDS)."""
    alone = normalize(answer) in {normalize(p) for p in YES_WORDS + NO_WORDS}
    short = all(len(normalize(x).split()) <= SHORT_ANSWER_WORDS for x in (answer, words))
    return yes_no(answer) if alone or short else None


def _after_openers(tokens: list[str]) -> list[str]:
    """``tokens`` without the openers they start with, keeping at least one word."""
    start, moved = 0, True
    while moved:
        moved = False
        for opener in OPENERS:
            words = opener.split()
            if tokens[start:start + len(words)] == words and len(tokens) > start + len(words):
                start, moved = start + len(words), True
                break
    return tokens[start:]


LEAD_INS = ("i think i'm feeling", "i think i feel", "i'm feeling", "i am feeling", "i feel", "i'm",
            "i am", "feeling", "probably", "maybe", "i think", "it's", "it feels")


def own_words(heard: str) -> str:
    """An answer in someone's own words, as it reads back after "Sam feels ...": the lead-in
    goes ("i feel a bit numb" -> "a bit numb"); the rest is theirs, word for word."""
    text = normalize(heard)
    for lead in sorted(LEAD_INS, key=len, reverse=True):
        if text.startswith(lead + " "):
            return text[len(lead) + 1:]
    return text


def menu_text(options: Sequence[str]) -> str:
    """"tired, tense, or hopeful": a list as it is said aloud."""
    items = list(options)
    if len(items) <= 1:
        return "".join(items)
    if len(items) == 2:
        return f"{items[0]} or {items[1]}"
    return ", ".join(items[:-1]) + f", or {items[-1]}"
