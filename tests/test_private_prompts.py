"""What the couple says is theirs: a prompt that reads back their words (or a choice, or a topic
set aside) is never kept in the prompt cache, and `forget --all` empties the cache (issue 15)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from voice_attune.cli import main
from voice_attune.config import Config
from voice_attune.dialog import actions
from voice_attune.dialog.engine import Engine
from voice_attune.dialog.host import DialogSettings
from voice_attune.script.loader import load_script
from voice_attune.session.scenario import load_scenario
from voice_attune.session.scripted import ScriptedRun, from_scenario
from voice_attune.voice.cache import PromptCache, default_cache_dir
from voice_attune.voice.speaking import Voice

SCENARIOS = Path(__file__).parent / "scenarios"


def _says(name: str) -> list[actions.Say]:
    config = Config()
    plan = load_scenario(SCENARIOS / f"{name}.yaml")
    replies, barge_in = from_scenario(plan, config)
    engine = Engine(load_script(name, config), DialogSettings.of(config, plan.partners))
    return ScriptedRun(engine, replies, barge_in).run().actions(actions.Say)


def test_the_joint_message_read_back_is_private_and_the_guides_own_words_are_not():
    says = _says("joint-message")
    private = [s.text for s in says if s.private]
    assert private and all(t.startswith("Here is your message") for t in private)
    assert "i feel close to you" in private[0]  # their own sentences, read back
    own = [s.text for s in says if not s.private]
    assert any("please say the first sentence" in t for t in own)


def test_a_menu_choice_read_back_is_private_but_the_menu_is_not():
    says = _says("feelings-menu")
    confirms = [s for s in says if s.text.startswith("You chose")]
    assert confirms and all(s.private for s in confirms)
    summary = [s for s in says if " chose " in s.text and not s.text.startswith("You chose")]
    assert summary and all(s.private for s in summary)  # the spoken summary names the choices
    assert not any(s.private for s in says if "or" in s.text and s.text.endswith("?") and "chose" not in s.text)


class Counting:
    name = "counting"

    def __init__(self):
        self.calls = 0

    def render(self, text: str) -> np.ndarray:
        self.calls += 1
        return np.full(1600, len(text), np.int16)


def test_a_private_prompt_leaves_nothing_on_disk_or_in_memory(tmp_path):
    synth, settings = Counting(), Config().voice
    cache = PromptCache(synth, settings, tmp_path / "prompts")
    cache.render("Take a slow breath in.")
    cache.render("Here is your message: I feel alone.", private=True)
    cache.render("Here is your message: I feel alone.", private=True)
    files = sorted(p.name for p in (tmp_path / "prompts").iterdir())
    assert files == [cache.key("Take a slow breath in.") + ".npy"]
    assert synth.calls == 3  # rendered afresh each time: never kept, not even in memory
    assert (tmp_path / "prompts").stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "prompts" / files[0]).stat().st_mode & 0o777 == 0o600


def test_forget_all_empties_the_prompt_cache(chdir_tmp, capsys):
    voice = Voice(Config().voice)
    voice.render("Let's start with two slow breaths together.")
    assert list(default_cache_dir().glob("*.npy"))
    assert main(["forget", "--all", "--yes"]) == 0
    assert list(default_cache_dir().glob("*.npy")) == []
    assert "Emptied the prompt cache (1 rendered prompt(s))." in capsys.readouterr().out


@pytest.mark.slow
def test_a_simulated_session_never_caches_the_couples_words(tmp_path):
    from voice_attune.session.simulation import simulate

    config = Config()
    voice = Voice(config.voice, cache_dir=tmp_path / "prompts")
    result = simulate(load_script("joint-message", config), load_scenario(SCENARIOS / "joint-message.yaml"),
                      config, voice=voice, notice=lambda m: None)
    said = [e.text for e in result.events if e.type == "say_start"]
    on_disk = {p.stem for p in (tmp_path / "prompts").glob("*.npy")}
    keys = lambda text: {cache.key(text) for cache in voice._by_rate.values()}  # noqa: E731
    read_back = [t for t in said if t.startswith("Here is your message")]
    assert read_back and not any(keys(t) & on_disk for t in read_back)
    assert sum(bool(keys(t) & on_disk) for t in said) > 10  # the guide's own words are cached


def test_exports_and_event_logs_are_readable_by_you_only(tmp_path, chdir_tmp, capsys):
    from datetime import datetime

    from tests.test_history import session_events
    from voice_attune.config import data_dir
    from voice_attune.history import History

    History.open(data_dir()).record(session_events(), datetime(2026, 11, 3, 8, 0))
    out = tmp_path / "summary.md"
    out.write_text("an older file, once readable by all")
    out.chmod(0o644)
    assert main(["export", "--since", "2026-11-01", "--out", str(out), "--with-words"]) == 0
    assert out.stat().st_mode & 0o777 == 0o600 and "older file" not in out.read_text()
    events = tmp_path / "events.jsonl"
    wav = tmp_path / "quiet.wav"
    from voice_attune.asr.audiofile import write_wav

    write_wav(wav, np.zeros(16000, np.int16))
    assert main(["listen", "--audio", str(wav), "--events", str(events), "--engine", "pocketsphinx"]) == 0
    assert events.stat().st_mode & 0o777 == 0o600


@pytest.mark.slow
def test_a_simulation_never_reads_or_changes_the_real_history(tmp_path, chdir_tmp, capsys):
    from datetime import datetime

    from tests.test_history import COME_BACK, session_events
    from voice_attune.config import data_dir
    from voice_attune.history import History, simulated_folder

    real = History.open(data_dir())
    real.record(session_events(script="morning", follow_up=True), datetime(2026, 11, 3, 8, 0))
    before = real.path.read_bytes()
    scenario = tmp_path / "back.yaml"
    scenario.write_text(COME_BACK)
    assert main(["simulate", "morning", "--scenario", str(scenario), "--history"]) == 0
    assert "Last time" not in capsys.readouterr().out  # the real follow-up was not raised
    assert real.path.read_bytes() == before and len(real.open_follow_ups()) == 1
    assert [s.script for s in History.open(simulated_folder()).sessions()] == ["morning"]


class _FileWritingEngine:
    """A pyttsx3 engine for a driver other than espeak (SAPI 5, say) that writes a real WAV."""

    files: list = []

    def __init__(self, driver=None):
        self.done = None

    def connect(self, topic, callback):
        self.done = callback
        return topic

    def disconnect(self, token):
        pass

    def setProperty(self, name, value):
        pass

    def save_to_file(self, text, path):
        from voice_attune.asr.audiofile import write_wav
        from voice_attune.voice.espeak import espeak_uncached

        write_wav(path, espeak_uncached(text))
        type(self).files.append(path)

    def runAndWait(self):
        self.done(name=None, completed=True)


def test_pyttsx3_keeps_no_prompt_on_disk_between_renders_and_none_of_a_private_one(tmp_path, monkeypatch):
    import os
    import subprocess
    import sys
    import tempfile
    import types

    from voice_attune.config.voice import VoiceSettings
    from voice_attune.voice.synth import Pyttsx3Synthesizer, Pyttsx3Worker

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setitem(sys.modules, "pyttsx3", types.SimpleNamespace(Engine=_FileWritingEngine))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    leftover = tmp_path / f"voice-attune-tts-{dead.stdout.strip()}-x1y2"
    leftover.mkdir()
    (leftover / "prompt.wav").write_bytes(b"RIFF words of a killed process")
    worker = Pyttsx3Worker("sapi5")
    assert not leftover.exists()  # a killed process's render folder is swept at the next start
    assert os.stat(worker._dir).st_mode & 0o777 == 0o700
    synth = Pyttsx3Synthesizer(VoiceSettings(rate=150), worker=worker)
    assert np.abs(synth.render("Take a slow breath in.")).max() > 500
    assert _FileWritingEngine.files and not synth.direct  # pyttsx3 wrote a file...
    assert list(worker._dir.iterdir()) == []  # ...that lived only while the prompt rendered
    cache = PromptCache(synth, VoiceSettings(rate=150), tmp_path / "prompts")
    said = cache.render("Here is your message: I feel alone.", private=True)
    assert np.abs(said).max() > 500 and len(_FileWritingEngine.files) == 2
    assert list(worker._dir.iterdir()) == [] and not (tmp_path / "prompts").exists()
    on_linux = Pyttsx3Synthesizer(VoiceSettings(rate=150), worker=Pyttsx3Worker())
    assert np.abs(PromptCache(on_linux, VoiceSettings(rate=150), tmp_path / "p2").render(
        "Here is your message: I feel alone.", private=True)).max() > 500
    assert len(_FileWritingEngine.files) == 2  # espeak-ng's program, in memory: no file at all
