"""The benchmarks' everyday talk stays apart from what training reads, and every sentence of it is said."""

from __future__ import annotations

import re
from collections import Counter

from rapidfuzz import fuzz

from voice_attune.keywords import texts
from voice_attune.keywords.kept_talk import KEPT_BACK_TALK
from voice_attune.keywords.talk import EVERYDAY, HELD_OUT_TALK, MORE_EVERYDAY, everyday_talk


def test_no_training_text_is_benchmark_talk():
    trained = [*texts.EVERYDAY, *texts.CARRIERS, *texts.COMMAND_CARRIERS]
    assert len(set(HELD_OUT_TALK)) == len(HELD_OUT_TALK) == len(EVERYDAY) + len(MORE_EVERYDAY)
    for said in HELD_OUT_TALK:
        close = [t for t in trained if fuzz.ratio(said.lower(), str(t).lower()) >= 85]
        assert not close, (said, close)
        assert "pineapple" not in said.lower()


def test_every_sentence_is_said_about_equally_often():
    voices, per = 18, 80  # bench_keywords.py's espeak-ng and Piper voices, EVERYDAY_PER_VOICE
    said = Counter(t for i in range(voices) for t in everyday_talk(i, voices, per))
    assert set(said) == set(HELD_OUT_TALK)
    assert max(said.values()) - min(said.values()) <= 1
    # each voice says sentences of every topic, not one topic after another
    first = everyday_talk(3, voices, 20)  # starts among the chores (sentences 10-29 of MORE_EVERYDAY)
    assert len(set(first)) == 20 and sum(t in MORE_EVERYDAY[:30] for t in first) <= 4


def test_the_talk_kept_back_for_thresholds_is_neither_trained_on_nor_benchmark_talk():
    elsewhere = [*texts.EVERYDAY, *texts.CARRIERS, *texts.COMMAND_CARRIERS, *HELD_OUT_TALK]
    assert len(set(KEPT_BACK_TALK)) == len(KEPT_BACK_TALK) >= 150
    for said in KEPT_BACK_TALK:
        close = [t for t in elsewhere if fuzz.ratio(said.lower(), str(t).lower()) >= 70]
        assert not close, (said, close)
        assert "pineapple" not in said.lower()
        # nor five words in a row of it: the benchmark's false pauses came from one such run
        # ("I'm so tired I could cry"), and a threshold chosen on the same words would be tuned on them
        shared = [t for t in elsewhere if _runs(said) & _runs(str(t))]
        assert not shared, (said, shared)


def _runs(text: str, n: int = 5) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z']+", text.lower())
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}
