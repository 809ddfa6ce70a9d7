"""Choosing and loading a speech recognition engine: Vosk when a model is there, else PocketSphinx."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from voice_attune.asr.recognizer import SpeechModel
from voice_attune.config import Config, models_dir
from voice_attune.errors import UserError

INSTALL_HINT = "voice-attune models download  (or: voice-attune models --from-zip FILE.zip)"


def find_vosk_model(config: Config) -> Path | None:
    """The configured Vosk model, else the best complete one in the models folder.

    Known models come in catalog order (the small default first: it loads quickly and runs
    on a Raspberry Pi), then any other model folder by name; damaged ones are passed over.
    """
    if config.recognizer.vosk_model:
        return Path(config.recognizer.vosk_model).expanduser()
    from voice_attune.models import vosk as models

    folder = models_dir(config)
    if not folder.is_dir():
        return None
    order = {entry.name: i for i, entry in enumerate(models.CATALOG)}
    candidates = sorted(
        (p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: (order.get(p.name, len(order)), p.name),
    )
    for candidate in candidates:
        if not models.verify(candidate):
            return candidate
    return None


def open_engine(config: Config, choice: str | None = None, notice: Callable[[str], None] = print) -> SpeechModel:
    """Load the engine named by ``choice`` (or the config): auto, vosk or pocketsphinx."""
    choice = choice or config.recognizer.engine
    if choice not in ("auto", "vosk", "pocketsphinx"):
        raise UserError(f"unknown engine '{choice}'; choose auto, vosk or pocketsphinx")
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
