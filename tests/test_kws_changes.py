"""A keyword network that sees its window as changes (kws_model.as_changes): learnt, kept in its
file, adapted and read back as such; files of a format this version does not know are refused."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from voice_attune.asr.kws_model import BadModelFile, KeywordModel, as_changes, fit
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
