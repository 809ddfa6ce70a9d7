"""A keyword network that sees its window as changes (kws_model.as_changes): learnt, kept in its
file, adapted and read back as such; files of a format this version does not know are refused."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from voice_attune.asr.kws_model import BadModelFile, KeywordModel, as_changes, fit, network
from voice_attune.keywords.train import TEST, Dataset, TrainingData, fit_model


def _windows(n: int = 2000):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((n, 8, 96)).astype(np.float32)
    y = ((x[:, -1, 5] - x[:, -2, 5]) > 0).astype(np.float32)[:, None]  # a change between the last two steps
    return x, y, np.ones(n, np.float32)


def _header(path) -> dict:
    with np.load(path) as data:
        return json.loads(bytes(data["header"]).decode())


def test_changes_are_the_same_numbers_arranged_otherwise():
    x, _, _ = _windows(20)
    c = as_changes(x)
    assert c.shape == x.shape
    assert np.allclose(c[:, 0], x[:, -1]) and np.allclose(c[:, 1:], np.diff(x, axis=1))


def test_a_network_that_sees_changes_is_scored_and_kept_as_one(tmp_path):
    x, y, w = _windows()
    moving = fit(x, y, w, 1, hidden=16, epochs=30, changes=True)
    plain = fit(x, y, w, 1, hidden=16, epochs=30)
    assert "changes" in moving and "changes" not in plain
    model = KeywordModel(["zorblat"], ["pause"], [0.5], 8, moving)
    heard = (model.scores(x)[:, 0] > 0.5) == (y[:, 0] > 0)
    assert heard.mean() > 0.95  # scored as it learnt: the change it was taught is one of its inputs
    unflagged = KeywordModel(["zorblat"], ["pause"], [0.5], 8, {k: v for k, v in moving.items() if k != "changes"})
    assert ((unflagged.scores(x)[:, 0] > 0.5) == (y[:, 0] > 0)).mean() < 0.9  # the flag is what makes it so

    model.save(tmp_path / "moving.npz")
    assert _header(tmp_path / "moving.npz")["format"] == 2  # a reader of format 1 alone says "retrain"
    loaded = KeywordModel.load(tmp_path / "moving.npz")
    assert "changes" in loaded.weights and np.array_equal(loaded.scores(x), model.scores(x))

    # A model of both kinds of network keeps each as it is; plain networks alone: format 1 as before.
    both = KeywordModel(["zorblat"], ["pause"], [0.5], 8, plain, members=[moving])
    both.save(tmp_path / "both.npz")
    again = KeywordModel.load(tmp_path / "both.npz")
    assert "changes" not in again.weights and "changes" in again.members[0]
    assert np.allclose(again.scores(x), both.scores(x))
    KeywordModel(["zorblat"], ["pause"], [0.5], 8, plain).save(tmp_path / "plain.npz")
    assert _header(tmp_path / "plain.npz")["format"] == 1

    # Adapting (enrolment) goes on from the network as it is, changes and all.
    adapted = fit(x[:50], y[:50], w[:50], 2, hidden=16, epochs=1, init=moving)
    assert "changes" in adapted and np.array_equal(adapted["mean"], moving["mean"])


def test_networks_stacked_score_as_each_alone(tmp_path):
    # The detector scores every network of a model in one go, their scaling and changes folded
    # into the first layer: the median must be that of each network scored by itself.
    x, y, w = _windows(600)
    nets = [fit(x, y, w, seed, hidden=hidden, epochs=3, changes=changes)
            for seed, hidden, changes in ((1, 16, False), (2, 16, True), (3, 8, True), (4, 16, False), (5, 16, True))]
    model = KeywordModel(["zorblat"], ["pause"], [0.5], 8, nets[0], members=nets[1:])
    flat = x.reshape(len(x), -1)
    alone = np.stack([network(net, flat) for net in nets])
    assert np.allclose(model.scores(x), np.median(alone, axis=0), atol=1e-5)
    assert np.allclose(model.scores(x[:1]), np.median(alone[:, :1], axis=0), atol=1e-5)  # one window, as live

    # Networks replaced after scoring (training sets members, enrolment makes new ones) count at once.
    model.members = nets[1:3]
    assert np.allclose(model.scores(x), np.median(alone[:3], axis=0), atol=1e-5)
    model.weights = nets[4]
    assert np.allclose(model.scores(x), np.median(alone[[4, 1, 2]], axis=0), atol=1e-5)
    gated = dataclasses.replace(model, gate=nets[0], gate_members=[], gate_at=0.5)
    expected = np.where(alone[0] >= 0.5, np.median(alone[[4, 1, 2]], axis=0),
                        np.minimum(np.median(alone[[4, 1, 2]], axis=0), alone[0]))
    assert np.allclose(gated.scores(x), expected, atol=1e-5)


def test_a_model_file_of_an_unknown_format_is_refused(tmp_path):
    x, y, w = _windows(100)
    KeywordModel(["zorblat"], ["pause"], [0.5], 8, fit(x, y, w, 1, hidden=8, epochs=1)).save(tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz") as data:
        arrays = {k: data[k] for k in data.files}
    header = json.loads(bytes(arrays["header"]).decode()) | {"format": 3}
    arrays["header"] = np.frombuffer(json.dumps(header).encode(), np.uint8)
    np.savez(tmp_path / "later.npz", **arrays)
    with pytest.raises(BadModelFile, match="format 3.*retrain"):
        KeywordModel.load(tmp_path / "later.npz")


def test_training_makes_networks_that_see_changes_when_the_budget_says_so():
    x, y, _ = _windows(1200)
    data = []
    for part in (slice(0, 900), slice(900, 1200)):
        sets = Dataset()
        for g, (window, label) in enumerate(zip(x[part], y[part, 0]), start=1):
            sets.add(window[None], 0 if label else None, 1, 1.0, g)
        data.append(sets)
    kept = TrainingData(data[0], data[1], {})
    small = dataclasses.replace(TEST, hidden=16, epochs=20, window=8)
    for changes in (False, True):
        model = fit_model(kept, ["zorblat"], ["pause"], dataclasses.replace(small, changes=changes), seed=3)
        assert ("changes" in model.weights) is changes
        assert 0.5 <= model.thresholds[0] <= 0.98 and model.meta["validation"]["zorblat"]["held_out_clips"] > 0
