"""Operating points (keywords/operating.py): a model's scores over a stream, worked out once, give
the detector's own decisions at any threshold, so models can be compared at the same false
pauses an hour (scripts/bench_keywords.py --curve)."""

from __future__ import annotations

import numpy as np
import pytest

from voice_attune.asr import kws_store
from voice_attune.asr.kws_features import FrontEnd
from voice_attune.asr.kws_model import KeywordModel
from voice_attune.keywords import augment
from voice_attune.keywords.measure import compose, detect
from voice_attune.keywords.operating import Trace, fires, lowest_threshold, trace
from voice_attune.keywords.voices import Voice


def _trace(scores: list[float]) -> Trace:
    return Trace(0.08 * np.arange(1, len(scores) + 1), np.array(scores))


def test_a_pause_fires_after_confirm_steps_in_a_row_and_once_a_saying():
    scores = [0.1, 0.96, 0.2, 0.96, 0.97, 0.99, 0.98, 0.1] + [0.1] * 12 + [0.97, 0.97]
    assert fires(_trace(scores), 0.95, 2) == pytest.approx([0.40, 1.76])
    assert fires(_trace(scores), 0.95, 1) == pytest.approx([0.16, 1.68])  # 0.32 is within a second of 0.16
    assert fires(_trace(scores), 0.975, 2) == pytest.approx([0.56])
    assert fires(_trace(scores), 0.995, 1) == []


def test_the_lowest_threshold_within_the_budget_is_chosen():
    false_per_hour = {0.5: 20.0, 0.9: 6.0, 0.95: 3.0, 0.99: 0.0}
    rate = lambda t: false_per_hour[t]  # noqa: E731
    thresholds = sorted(false_per_hour)
    assert lowest_threshold(rate, 4.0, thresholds) == 0.95
    assert lowest_threshold(rate, 6.0, thresholds) == 0.9
    assert lowest_threshold(rate, 100.0, thresholds) == 0.5
    assert lowest_threshold(lambda t: 1.0, 0.5, thresholds) is None


def test_scores_worked_out_once_decide_as_the_streaming_detector_does():
    # The shipped model and the real front end on a stream of the word, a sound-alike and talk:
    # at the model's own threshold, the decisions from the trace are the detector's, to the step.
    model = KeywordModel.load(kws_store.find_model("pineapple"))
    items = [("alone", "{w}"), ("end", "I need a minute, {w}."), ("c", "I bought nine apples."),
             ("e", "The car needs new tires before winter."), ("start", "{w}, give me a minute.")]
    stream = compose(Voice("en-gb-scotland", 160), "pineapple", items, np.random.default_rng(3))
    audio = augment.mix(stream.audio, augment.noise("pink", stream.audio.size, np.random.default_rng(4)), 20)
    streamed = [t for t, _ in detect(model, audio)[0]]
    scores = trace(model, augment.to_int16(audio), FrontEnd())
    worked_out = fires(scores, model.thresholds[0], model.confirm)
    assert len(streamed) >= 2
    assert worked_out == pytest.approx(streamed, abs=1e-6)
    # A higher threshold can only take decisions away.
    assert len(fires(scores, 0.999, model.confirm)) <= len(streamed)


def test_the_benchmark_reports_its_curve_and_agrees_with_itself_at_the_models_own_threshold():
    import json
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    model = kws_store.find_model("pineapple")
    out = subprocess.run([sys.executable, str(root / "scripts" / "bench_keywords.py"), "--quick", "--curve",
                          "--model", str(model), "--jobs", "1"], capture_output=True, text=True, timeout=600, check=True)
    report = json.loads(out.stdout)
    curve = report["operating_points"]
    assert [p["everyday_per_hour_at_most"] for p in curve["points"]] == [1.0, 2.0, 4.0, 8.0]
    assert curve["too_little_talk"] is True  # a quick run has minutes of talk, not hours
    # Worked out from the scores, the model's own threshold gives what the streaming detector heard.
    own = curve["own_threshold"]
    for room, figures in report["recall_by_room"]["held_out"].items():
        assert own["held_out"][room] == figures["recall"], room
    assert own["everyday_false_pauses"] == report["everyday"]["false_pauses"]
    assert own["confusable_false_pauses"] == report["confusables"]["false_pauses"]
    thresholds = [p["threshold"] for p in curve["points"]]
    assert thresholds == sorted(thresholds, reverse=True)  # more false pauses allowed: never a higher one
    # The same trade-off for one confirming step fewer and one more, from the same scores.
    assert curve["confirm"] == 2 and sorted(report["other_confirms"]) == ["1", "3"]
    for confirm, other in report["other_confirms"].items():
        assert other["confirm"] == int(confirm) and other["own_threshold"]["threshold"] == own["threshold"]
        assert [p["everyday_per_hour_at_most"] for p in other["points"]] == [1.0, 2.0, 4.0, 8.0]
