"""The bundled session library: every script valid, kindly worded, and run along its path.

Each scenario in tests/scenarios/ (NAME.yaml, or NAME-pause.yaml for the pause-and-resume path)
runs its script with the scripted driver, and must take the path written in
tests/library_paths.yaml: the steps visited, how each turn ended, the choices and answers
kept, the pauses. Two (marked slow) also run through the real pipeline with synthesized
partners, and must take the same path.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from voice_attune.config import Config
from voice_attune.dialog import actions
from voice_attune.dialog.engine import Engine
from voice_attune.dialog.host import DialogSettings
from voice_attune.script.checks import spoken_texts
from voice_attune.script.loader import library_names, load_script
from voice_attune.script.steps import Say, walk
from voice_attune.session.scenario import load_scenario
from voice_attune.session.scripted import ScriptedRun, from_scenario
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


PATHS = yaml.safe_load((Path(__file__).parent / "library_paths.yaml").read_text())
REAL_AUDIO = ("mirroring-pause", "feelings-menu")
"""Scenarios also run through the real pipeline: turns, mirroring, yes/no questions, a check-in
and a pause in the one; a menu in the other. (All 22 took their scripted path with real audio when
this was written; the demo's test runs the daily check-in with a pause.)"""


def path_of(events: list) -> dict:
    """A session's path, in the form of library_paths.yaml."""
    of = lambda kind: [e for e in events if e.type == kind]  # noqa: E731
    return {
        "steps": [e.id for e in of("step")],
        "turns": [f"{e.partner} {e.reason}" for e in of("turn_end")],
        "choices": [f"{e.id} {e.value}" for e in of("choice")],
        "answers": [f"{e.id} {e.value}" for e in of("answer")],
        "paused": len(of("paused")),
        "end": of("session_end")[0].reason if of("session_end") else None,
    }


def scripted(scenario: Path) -> tuple[ScriptedRun, object]:
    config = Config()
    plan = load_scenario(scenario)
    script = load_script(scenario.stem.removesuffix("-pause"), config)
    replies, barge_in = from_scenario(plan, config)
    engine = Engine(script, DialogSettings.of(config, plan.partners))
    return ScriptedRun(engine, replies, barge_in).run(), script


def test_every_scenario_has_a_path_and_every_script_a_scenario():
    assert sorted(PATHS) == sorted(s.stem for s in SCENARIOS)
    assert {s.stem.removesuffix("-pause") for s in SCENARIOS} == set(library_names())


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.stem)
def test_the_script_takes_its_path_with_scripted_partners(scenario: Path):
    run, script = scripted(scenario)
    assert path_of(run.events) == PATHS[scenario.stem]
    assert run.replies == [], "the session ended before every reply of the scenario was used"
    # Each say step visited is said, with its own words around the filled-in values.
    texts = {s.id or f"{s.kind}-{s.line}": s.text for s in walk(script.steps) if isinstance(s, Say)}
    outs = run.outs
    for i, out in enumerate(outs):
        if getattr(out, "type", None) == "step" and out.kind == "say":
            said = next(o.text for o in outs[i:] if isinstance(o, actions.Say))
            literal = max(re.split(r"\{[^}]*\}", texts[out.id]), key=len).strip()
            assert " ".join(literal.split()) in " ".join(said.split()), (out.id, said)


@pytest.mark.slow
@pytest.mark.skipif(not piper_available(), reason="the simulated partners speak with Piper")
@pytest.mark.parametrize("name", REAL_AUDIO)
def test_real_audio_takes_the_same_path_as_the_scripted_partners(name: str, tmp_path_factory):
    scenario = Path(__file__).parent / "scenarios" / f"{name}.yaml"
    config = Config()
    result = simulate(load_script(name.removesuffix("-pause"), config), load_scenario(scenario), config,
                      voice=_voice(tmp_path_factory), notice=lambda m: None)
    assert path_of(result.events) == PATHS[name]


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
