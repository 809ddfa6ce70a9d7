"""The bundled session library: every script valid, kindly worded, and run to its end.

Each scenario in tests/scenarios/ (NAME.yaml, or NAME-pause.yaml for the pause-and-resume
path) runs its script through the real pipeline with synthesized partners.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from voice_attune.config import Config
from voice_attune.script.checks import spoken_texts
from voice_attune.script.loader import library_names, load_script
from voice_attune.script.steps import Say
from voice_attune.session.scenario import load_scenario
from voice_attune.session.simulation import simulate
from voice_attune.synthetic.speech import piper_available
from voice_attune.voice.speaking import Voice

SCENARIOS = sorted((Path(__file__).parent / "scenarios").glob("*.yaml"))
ADVICE_OR_BLAME = (
    "you should", "you shouldn't", "calm down", "always", "never", "you must", "you need to",
    "your fault", "overreact", "too sensitive", "just relax", "get over", "cheer up",
    "don't worry", "fix it",
)
"""Wording a guide that listens and never judges does not use."""


@pytest.mark.parametrize("name", library_names())
def test_no_prompt_gives_advice_or_blames(name):
    script = load_script(name, Config())
    found = [
        (line, phrase)
        for line, text in spoken_texts(script)
        for phrase in ADVICE_OR_BLAME
        if re.search(rf"\b{re.escape(phrase)}\b", text.lower())
    ]
    assert found == [], f"{name}: advice or blame in prompts at {found}"


@pytest.mark.parametrize("name", library_names())
def test_every_script_says_how_to_pause_first(name):
    first = load_script(name, Config()).steps[0]
    assert isinstance(first, Say) and "{pause_word}" in first.text


@pytest.mark.skipif(not piper_available(), reason="the simulated partners speak with Piper")
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.stem)
def test_the_script_runs_to_its_end_with_simulated_partners(scenario: Path, tmp_path_factory):
    name = scenario.stem.removesuffix("-pause")
    config = Config()
    voice = _voice(tmp_path_factory)
    result = simulate(load_script(name, config), load_scenario(scenario), config, voice=voice,
                      notice=lambda m: None)
    assert result.end is not None and result.end.reason == "finished"
    kinds = [e.type for e in result.events]
    if scenario.stem.endswith("-pause"):
        assert kinds.count("paused") == kinds.count("resumed") >= 1


_VOICES: dict[str, Voice] = {}


def _voice(factory) -> Voice:
    """One guide voice for all the library's simulations (each prompt rendered once)."""
    if "voice" not in _VOICES:
        _VOICES["voice"] = Voice(Config().voice, cache_dir=factory.mktemp("library-prompts"))
    return _VOICES["voice"]


def test_the_guide_never_says_words_that_would_start_the_care_pause():
    """A prompt heard back through the microphone must never look like words of danger."""
    from voice_attune.asr.carewords import CareWords
    from voice_attune.config import care
    from voice_attune.dialog import prompts

    finder = CareWords(care.CareSettings().words)
    texts = [v for k, v in vars(prompts).items() if k.isupper() and isinstance(v, str)]
    texts += [line.text for line in care.LINES.values()] + [care.UNKNOWN.text]
    for name in library_names():
        texts += [text for _, text in spoken_texts(load_script(name, Config()))]
    assert len(texts) > 200
    assert [t for t in texts if finder.find(t)] == []


def test_a_script_that_says_words_of_danger_is_refused_with_its_line(tmp_path):
    from voice_attune.errors import UserError

    path = tmp_path / "mine.yaml"
    path.write_text(
        "title: Mine\n"
        "description: x\n"
        "minutes: 1\n"
        "steps:\n"
        "  - say: 'To pause, say {pause_word}.'\n"
        "  - say: Some days feel like you can't go on anymore.\n"
    )
    with pytest.raises(UserError) as caught:
        load_script(path, Config())
    assert "mine.yaml:6" in str(caught.value) and "can't go on" in str(caught.value)
