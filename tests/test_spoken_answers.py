"""Answers that are not a clean single word, spoken through the real pipeline end to end.

The scripted driver checks the same behaviour in tests/test_engine.py; here the partners are
synthesized (Piper, and espeak-ng's British English voice for one of them), and the VAD,
PocketSphinx and the dialog engine hear them in a simulated room.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from voice_attune.config import Config, Partners
from voice_attune.script.loader import load_script
from voice_attune.session.scenario import load_scenario
from voice_attune.session.simulation import Simulation, simulate
from voice_attune.synthetic.speech import piper_available

needs_piper = pytest.mark.skipif(not piper_available(), reason="needs the Piper voice")


def run(script: str, scenario: str, tmp_path: Path) -> Simulation:
    path = tmp_path / "scenario.yaml"
    path.write_text(textwrap.dedent(scenario))
    config = Config(partners=Partners("Sam", "Alex"))
    return simulate(load_script(script, config), load_scenario(path), config, notice=lambda m: None)


FEELINGS_IN_SENTENCES = """
    partners: {A: Sam, B: Alex}
    voice: piper
    echo: 0.3
    replies:
      # Sam: heavy, tense, or lighter? / You chose grateful. Is that right? / say a little more?
      - [{silence: 0.8}, {say: "I think I feel grateful."}]
      - [{silence: 0.8}, {say: "Yes."}]
      - [{silence: 0.8}, {say: "No."}]
      # Alex, in a British voice: the same three
      - [{silence: 0.8}, {say: "Mostly I feel tired.", voice: en-gb}]
      - [{silence: 0.8}, {say: "Yes.", voice: en-gb}]
      - [{silence: 0.8}, {say: "No.", voice: en-gb}]
"""


@pytest.mark.slow
@needs_piper
def test_a_feeling_said_in_a_sentence_at_the_group_question_is_confirmed_and_chosen(tmp_path: Path):
    result = run("feelings-menu", FEELINGS_IN_SENTENCES, tmp_path)
    said = [e.text for e in result.of_type("say_start")]
    assert "You chose grateful. Is that right?" in said
    assert "You chose tired. Is that right?" in said
    # Taken at the group question: no "Lighter: is it ...?", no "Sorry, I didn't catch that".
    assert not any(": is it " in t or t.startswith("Sorry, I didn't catch") for t in said), said
    assert [(c.id, c.value) for c in result.of_type("choice")] == [("feeling", "grateful"), ("feeling", "tired")]
    assert any("Sam feels grateful and would like a moment to say thanks." in t for t in said)
    assert result.end is not None and result.end.reason == "finished"


UNCLEAR_THEN_CLARIFIED = """
    partners: {A: Sam, B: Alex}
    voice: piper
    echo: 0.3
    replies:
      # A moment to breathe before Sam begins?
      - [{silence: 0.8}, {say: "No."}]
      # Sam speaks, in a British voice throughout
      - [{silence: 0.8}, {say: "I feel alone in the evenings.", voice: en-gb}, {silence: 1.0}, {say: "I'm done.", voice: en-gb}]
      # Alex mirrors
      - [{silence: 0.8}, {say: "What I heard is that you feel tired at night."}, {silence: 1.0}, {say: "I'm done."}]
      # Sam: did that capture it? No clear answer, twice
      - [{silence: 0.8}, {say: "Hmm, well.", voice: en-gb}]
      - [{silence: 0.8}, {say: "Hard to say.", voice: en-gb}]
      # Sam clarifies; Alex mirrors again; yes; no more
      - [{silence: 0.8}, {say: "I feel alone, not tired.", voice: en-gb}, {silence: 1.0}, {say: "I'm done.", voice: en-gb}]
      - [{silence: 0.8}, {say: "What I heard is that you feel alone."}, {silence: 1.0}, {say: "I'm done."}]
      - [{silence: 0.8}, {say: "Yes.", voice: en-gb}]
      - [{silence: 0.8}, {say: "No.", voice: en-gb}]
      # Alex: what makes sense; are you both comfortable continuing?
      - [{silence: 0.8}, {say: "That makes sense because I am often busy."}, {silence: 1.0}, {say: "I'm done."}]
      - [{silence: 0.8}, {say: "Yes."}]
      # Alex's round, without a breath first or anything more
      - [{silence: 0.8}, {say: "No."}]
      - [{silence: 0.8}, {say: "I feel worried about money."}, {silence: 1.0}, {say: "I'm done."}]
      - [{silence: 0.8}, {say: "What I heard is that money worries you.", voice: en-gb}, {silence: 1.0}, {say: "I'm done.", voice: en-gb}]
      - [{silence: 0.8}, {say: "Yes."}]
      - [{silence: 0.8}, {say: "No."}]
      - [{silence: 0.8}, {say: "That makes sense because it is a lot to carry.", voice: en-gb}, {silence: 1.0}, {say: "I'm done.", voice: en-gb}]
      - [{silence: 0.8}, {say: "Yes."}]
      # Something still open to come back to?
      - [{silence: 0.8}, {say: "No."}]
"""


@pytest.mark.slow
@needs_piper
def test_no_clear_answer_to_did_that_capture_it_spoken_twice_gives_a_clarify_turn(tmp_path: Path):
    result = run("mirroring", UNCLEAR_THEN_CLARIFIED, tmp_path)
    roles = [(t.partner, t.role) for t in result.of_type("turn_start")]
    assert roles[:4] == [("A", "speak"), ("B", "mirror"), ("A", "clarify"), ("B", "mirror")], roles
    said = [e.text for e in result.of_type("say_start")]
    assert any(t.startswith("I'm not sure I understood. Sam,") for t in said), said
    assert result.end is not None and result.end.reason == "finished"
