"""A pause word's threshold held to everyday talk kept back from all training: real synthesized
talk, real front end, a real model trained on a small seeded budget."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from voice_attune.asr.kws_model import KeywordModel
from voice_attune.keywords import kept_talk
from voice_attune.keywords.bank import Stretch
from voice_attune.keywords.train import TEST, _speak, train_keyword

SMALL = dataclasses.replace(TEST, per_accent=1, rooms=1, carriers=1, neighbours=6, bank_sentence_pairs=6,
                            bank_prompts=0, bank_noise_s=6, epochs=2, piper_speeds=())


def test_the_threshold_lets_at_most_so_many_stretches_an_hour_through():
    peaks = np.array([0.99, 0.97, 0.95, 0.90, 0.40, 0.20])
    assert kept_talk.per_hour_threshold(peaks, 2.0, 1.0) > 0.95  # two allowed in two hours
    assert (peaks >= kept_talk.per_hour_threshold(peaks, 2.0, 1.0)).sum() == 2
    assert (peaks >= kept_talk.per_hour_threshold(peaks, 2.0, 0.0)).sum() == 0
    assert kept_talk.per_hour_threshold(peaks, 10.0, 1.0) == 0.0  # fewer stretches than allowed


def test_a_pause_words_threshold_is_held_to_talk_it_never_learnt(tmp_path, monkeypatch):
    monkeypatch.setattr(kept_talk, "PASSES", 1)  # about nine minutes of talk, not six hours
    plain = train_keyword(["zorblat"], ["pause"], SMALL, seed=5, bank_folder=tmp_path)
    stages = []
    held = train_keyword(["zorblat"], ["pause"], SMALL, seed=5, bank_folder=tmp_path, per_hour=0.0,
                         progress=lambda stage, fraction: stages.append(stage))
    for key in plain.weights:  # the same network; only where it fires moves
        assert np.array_equal(held.weights[key], plain.weights[key]), key
    figures = held.meta["kept_back_talk"]
    assert figures["per_hour"] == 0.0 and 0.05 < figures["hours"] < 0.5
    assert figures["zorblat"]["threshold_before"] == round(plain.thresholds[0], 3)
    assert held.thresholds[0] >= plain.thresholds[0]
    assert figures["zorblat"]["fires_an_hour"] == 0.0
    assert held.meta["validation"]["zorblat"]["threshold"] == round(held.thresholds[0], 3)
    assert "hearing kept-back talk" in stages

    # The same seed says the same talk: none of it fires at the threshold so chosen, while the
    # model's own rule let some of it through (otherwise this test would show nothing).
    talk = kept_talk.kept_back_talk(5, _speak, passes=1)
    peaks = kept_talk.loudest(held, talk, 0)
    assert peaks.size == len(talk) and (peaks >= held.thresholds[0]).sum() == 0
    assert (peaks >= plain.thresholds[0]).sum() > 0


def test_stretches_that_say_the_word_are_not_counted_against_it():
    d = 4 * 96
    model = KeywordModel(["zorblat"], ["pause"], [0.5], 4, {
        "mean": np.zeros(d, np.float32), "scale": np.ones(d, np.float32),
        "w1": np.zeros((d, 2), np.float32), "b1": np.zeros(2, np.float32), "w2": np.zeros((2, 2), np.float32),
        "b2": np.zeros(2, np.float32), "w3": np.zeros((2, 1), np.float32), "b3": np.full(1, 3.0, np.float32)})
    emb = np.zeros((10, 96), np.float32)
    peaks = kept_talk.loudest(model, [Stretch("I said zorblat twice", emb), Stretch("nothing here", emb),
                                      Stretch("", emb[:2])], 0)
    assert peaks.size == 1 and peaks[0] == pytest.approx(1 / (1 + np.exp(-3.0)), abs=1e-4)
