"""Care when words suggest danger, through the real pipeline: synthesized partners, the real
VAD and PocketSphinx, the real engine. The pause, the configured line, and the words kept
out of every event and the printed transcript."""

from __future__ import annotations

import json

import pytest

from voice_attune.cli import main
from voice_attune.synthetic.speech import piper_available

SCENARIO = """
partners: {A: Sam, B: Alex}
voice: piper
echo: 0.3
replies:
  - [{silence: 0.8}, {say: "I slept badly. Some days I just want to die."}, {silence: 8}]
  - [{silence: 1.0}, {say: "%s"}]
  - [{silence: 0.8}, {say: "I'm thinking about my meeting."}, {silence: 1.0}, {say: "I'm done."}]
""" + """  - [{silence: 0.8}, {say: "Just a quiet morning."}, {silence: 1.0}, {say: "I'm done."}]
""" * 5


@pytest.mark.slow
@pytest.mark.skipif(not piper_available(), reason="the simulated partners speak with Piper")
@pytest.mark.parametrize("answer", ["Go on.", "Stop."])
def test_words_of_danger_in_a_simulated_turn_pause_with_the_configured_line(answer, tmp_path, capsys):
    config, scenario, events = tmp_path / "config.yaml", tmp_path / "s.yaml", tmp_path / "e.jsonl"
    config.write_text("care: {country: AU}\n")
    scenario.write_text(SCENARIO % answer)
    assert main(["simulate", "morning", "--scenario", str(scenario), "--config", str(config),
                 "--events", str(events)]) == 0
    printed = capsys.readouterr().out
    logged = [json.loads(line) for line in events.read_text().splitlines()]
    kinds = [e["type"] for e in logged]
    care = kinds.index("step", kinds.index("turn_start"))
    assert logged[care]["id"] == "care" and "paused" in kinds[:care + 1]
    said = [e["text"] for e in logged[care:] if e["type"] == "say_start"]
    assert said[1].startswith("In Australia, you can call Lifeline at any time on 13 11 14.")
    end = logged[-1]
    assert end["type"] == "session_end" and end["summary"]["care"] == 1
    if answer == "Go on.":
        assert end["reason"] == "finished" and "resumed" in kinds
    else:
        assert end["reason"] == "stop" and "resumed" not in kinds
        assert "13 11 14" in said[-2] or "13 11 14" in said[-1]
    # the words are nowhere: not in the log, not on the screen
    for text in (events.read_text(), printed):
        assert "die" not in text.split() and "want to" not in text and "badly" not in text
