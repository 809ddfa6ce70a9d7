"""The first session says once that voice-attune is not therapy or a crisis service."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from voice_attune.config import Config, data_dir
from voice_attune.dialog import actions, prompts
from voice_attune.dialog.engine import Engine
from voice_attune.dialog.host import DialogSettings
from voice_attune.script.loader import load_script
from voice_attune.session.scenario import load_scenario
from voice_attune.session.scripted import ScriptedRun, Utter
from voice_attune.session.simulation import simulate
from voice_attune.synthetic.speech import piper_available
from voice_attune.welcome import is_first_session, remember_notice_said

SCENARIOS = Path(__file__).parent / "scenarios"


def test_the_notice_is_remembered_in_a_private_folder():
    assert is_first_session()
    remember_notice_said()
    assert not is_first_session()
    folder = data_dir()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    marker = next(folder.iterdir())
    assert stat.S_IMODE(marker.stat().st_mode) & 0o077 == 0


def test_a_folder_that_cannot_be_written_only_means_the_notice_comes_again(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    remember_notice_said(blocked / "voice-attune")  # must not raise
    assert is_first_session(blocked / "voice-attune")


@pytest.mark.parametrize("first", [True, False])
def test_the_notice_comes_before_the_first_step_only_in_a_first_session(first):
    config = Config()
    script = load_script("breathing-break", config)
    engine = Engine(script, DialogSettings.of(config), first_session=first)
    run = ScriptedRun(engine, [[Utter("yes", commands=("yes",))]] * 4).run()
    said = [a.text for a in run.actions(actions.Say)]
    assert (said[0] == prompts.FIRST_SESSION) is first
    assert said.count(prompts.FIRST_SESSION) == int(first)
    assert engine.first_notice_said is first
    assert run.of_type("session_end")[0].reason == "finished"


@pytest.mark.slow
@pytest.mark.skipif(not piper_available(), reason="the simulated partners speak with Piper")
def test_a_first_session_says_the_notice_and_runs_on_through_the_real_pipeline():
    config = Config()
    result = simulate(load_script("breathing-break", config), load_scenario(SCENARIOS / "breathing-break.yaml"),
                      config, notice=lambda m: None, first_session=True)
    said = [e.text for e in result.of_type("say_start")]
    assert said[0] == prompts.FIRST_SESSION
    assert "{pause_word}" in load_script("breathing-break", config).steps[0].text
    assert config.pause_words[0] in said[1]
    assert result.end is not None and result.end.reason == "finished"
