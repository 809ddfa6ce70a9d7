"""Choosing and loading a speech recognition engine: Vosk when a model is there, else PocketSphinx."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from voice_attune.asr.recognizer import SpeechModel
from voice_attune.config import Config, models_dir
from voice_attune.errors import UserError

INSTALL_HINT = "voice-attune models download  (or: voice-attune models --from-zip FILE.zip)"


def vosk_own_folders() -> list[Path]:
    """Where Vosk itself looks for models: $VOSK_MODEL_PATH, /usr/share/vosk, ~/.cache/vosk."""
    found = [os.environ.get("VOSK_MODEL_PATH"), "/usr/share/vosk", str(Path.home() / ".cache" / "vosk")]
    return [Path(f).expanduser() for f in found if f]


def find_vosk_model(config: Config) -> Path | None:
    """The configured Vosk model, else the best complete one in the models folder, else one where
    Vosk itself keeps models (for the configured language only: other programs share those).

    Known models come in catalog order (the small default first: it loads quickly and runs
    on a Raspberry Pi), then any other model folder by name; damaged ones are passed over.
    """
    if config.recognizer.vosk_model:
        return Path(config.recognizer.vosk_model).expanduser()
    found = _best_in(models_dir(config), None)
    if found is not None:
        return found
    language = config.language.lower().split("-")[0]
    for folder in vosk_own_folders():
        found = _best_in(folder, language)
        if found is not None:
            return found
    return None


def _best_in(folder: Path, language: str | None) -> Path | None:
    from voice_attune.models import vosk as models

    if not folder.is_dir():
        return None
    if not models.verify(folder) and (language is None or _speaks(folder.name, language)):
        return folder  # the folder is itself a model
    order = {entry.name: i for i, entry in enumerate(models.CATALOG)}
    candidates = sorted(
        (p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: (order.get(p.name, len(order)), p.name),
    )
    for candidate in candidates:
        if (language is None or _speaks(candidate.name, language)) and not models.verify(candidate):
            return candidate
    return None


def _speaks(name: str, language: str) -> bool:
    """Whether a Vosk model's folder name says it is for ``language`` ("vosk-model-small-en-us-0.15")."""
    return f"-{language}-" in f"-{name.lower()}-"


def open_engine(config: Config, choice: str | None = None, notice: Callable[[str], None] = print) -> SpeechModel:
    """Load the engine named by ``choice`` (or the config): auto, vosk, pocketsphinx, or
    wyoming (a speech-to-text service for the words, auto's choice here for the rest)."""
    choice = choice or config.recognizer.engine
    if choice not in ("auto", "vosk", "pocketsphinx", "wyoming"):
        raise UserError(f"unknown engine '{choice}'; choose auto, vosk, pocketsphinx or wyoming")
    if choice == "wyoming":
        from voice_attune.asr.wyoming_engine import WyomingEngine, stt_service

        if config.recognizer.uri is None:
            raise UserError("the wyoming engine needs recognizer.uri: tcp://HOST:PORT in config.yaml")
        # Here the local engine hears only the pause word and commands: its advice on better
        # transcripts ("install a Vosk model") would be beside the point.
        local = open_engine(config, "auto", notice=lambda message: None)
        return WyomingEngine(local, stt_service(config), notice, config.language.split("-")[0])
    model = find_vosk_model(config) if choice in ("auto", "vosk") else None
    if model is not None:
        from voice_attune.asr.vosk_engine import VoskEngine

        return VoskEngine(model)
    if choice == "vosk":
        raise UserError(f"no Vosk model found in {models_dir(config)}; install one with: {INSTALL_HINT}")
    if not config.language.lower().startswith("en"):
        raise UserError(
            f"PocketSphinx here only knows English, and language is '{config.language}'; "
            f"install a Vosk model for it: {INSTALL_HINT}"
        )
    from voice_attune.asr.sphinx_engine import SphinxEngine

    if choice == "auto":
        notice(f"Using PocketSphinx: no Vosk model found. For better recognition: {INSTALL_HINT}")
    return SphinxEngine()
