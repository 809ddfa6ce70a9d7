"""Settings: config.yaml loaded into frozen dataclasses, with environment overrides.

Every key is documented in the repository's config.yaml. Mistakes are refused as
``file:line: what is wrong``.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from voice_attune import schema
from voice_attune.config.care import CareSettings
from voice_attune.config.daemon import DaemonSettings
from voice_attune.config.voice import VoiceSettings
from voice_attune.config.wyoming import CONNECT_TIMEOUT_S, check_service, parse_uri
from voice_attune.yamlio import compose_file

COMMAND_NAMES = ("resume", "repeat", "next", "more_time", "done", "stop", "yes", "no", "help")
"""Spoken commands the spotter knows, besides the pause word (DESIGN.md, event `spotted`)."""

DEFAULT_COMMANDS: dict[str, tuple[str, ...]] = {
    "resume": ("resume", "continue", "let's continue"),
    "repeat": ("repeat", "say that again", "say it again"),
    "next": ("next", "skip"),
    "more_time": ("more time",),
    "done": ("i'm done", "done", "i am done"),
    "stop": ("stop", "stop the session"),
    "yes": ("yes", "yeah", "okay"),
    "no": ("no", "not now", "not yet", "later"),
    "help": ("help", "what can i say"),
}


@dataclass(frozen=True)
class Partners:
    """What the assistant calls each partner."""

    A: str = "Partner A"
    B: str = "Partner B"

    def __post_init__(self) -> None:
        if not self.A.strip() or not self.B.strip():
            raise ValueError("partner names must not be empty")
        if self.A.strip().lower() == self.B.strip().lower():
            raise ValueError(f"both partners are called '{self.A}'; give each a different name")


@dataclass(frozen=True)
class RecognizerSettings:
    """Which speech recognizer to use and where its model lives."""

    engine: Literal["auto", "vosk", "pocketsphinx", "wyoming"] = "auto"
    """wyoming: each utterance's words come from a Wyoming speech-to-text service (``uri``);
    the pause word, commands and care words stay with the local recognizer (auto's choice)."""
    vosk_model: str | None = None
    """A Vosk model folder; env VOICE_ATTUNE_MODEL overrides. None: look in models_dir."""
    models_dir: str | None = None
    """Where `voice-attune models download` puts models. None: the default folder."""
    uri: str | None = field(default=None, metadata={"check": parse_uri})
    """wyoming: the speech-to-text service, tcp://HOST:PORT (wyoming-faster-whisper: port 10300)."""
    connect_timeout_s: float = CONNECT_TIMEOUT_S
    """wyoming: seconds to wait for the service to accept a connection."""
    reply_timeout_s: float = 5.0
    """wyoming: seconds an utterance's words may take once it is sent; then the local
    recognizer's words stand in for them."""

    def __post_init__(self) -> None:
        check_service(self.engine, self.uri, self.connect_timeout_s, self.reply_timeout_s)


@dataclass(frozen=True)
class VadSettings:
    """Voice activity: how much speech starts an utterance and how much silence ends it."""

    aggressiveness: int = 2
    """webrtcvad mode, 0 (lets most through) to 3 (strictest about noise)."""
    start_ms: int = 120
    """Milliseconds of speech within the start window before speech counts as started."""
    end_silence_ms: int = 600
    """Milliseconds of silence that end an utterance (not a turn: turns have their own patience)."""
    pre_roll_ms: int = 300
    """Milliseconds of audio before the start that still reach the recognizer."""

    def __post_init__(self) -> None:
        if not 0 <= self.aggressiveness <= 3:
            raise ValueError(f"aggressiveness is {self.aggressiveness}; allowed: 0, 1, 2 or 3")
        for name in ("start_ms", "end_silence_ms", "pre_roll_ms"):
            value = getattr(self, name)
            if not 0 <= value <= 10000:
                raise ValueError(f"{name} is {value}; it must be between 0 and 10000 milliseconds")
        if self.start_ms < 30 or self.end_silence_ms < 30:
            raise ValueError("start_ms and end_silence_ms must be at least one 30 ms frame")


@dataclass(frozen=True)
class SpotterSettings:
    """How readily the pause word and commands are heard."""

    fuzzy_threshold: int = 90
    """0-100: how closely recognized words must match a phrase (rapidfuzz ratio)."""
    sensitivity: float = 0.5
    """0-1: keyword spotting sensitivity; higher hears more readily but risks false spots."""
    commands: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_COMMANDS))
    """Phrases for each command; a command left out keeps its defaults."""
    keywords: bool = True
    """Listen for the pause word, the commands and the feelings menu with their keyword models
    (voice-attune train-word) as well as with the recognizer; false: the recognizer alone."""

    def __post_init__(self) -> None:
        if not 50 <= self.fuzzy_threshold <= 100:
            raise ValueError(f"fuzzy_threshold is {self.fuzzy_threshold}; use 50 to 100")
        if not 0.0 <= self.sensitivity <= 1.0:
            raise ValueError(f"sensitivity is {self.sensitivity}; use a number from 0 to 1")
        unknown = sorted(set(self.commands) - set(COMMAND_NAMES))
        if unknown:
            raise ValueError(
                f"unknown command '{unknown[0]}'; commands are: {', '.join(COMMAND_NAMES)}"
            )
        merged = dict(DEFAULT_COMMANDS)
        for name, phrases in self.commands.items():
            cleaned = tuple(p.strip().lower() for p in phrases if p.strip())
            if not cleaned:
                raise ValueError(f"command '{name}' needs at least one phrase")
            merged[name] = cleaned
        object.__setattr__(self, "commands", merged)


@dataclass(frozen=True)
class AudioSettings:
    """Sound devices, by name or number as `voice-attune devices` lists them."""

    input_device: str | None = None
    """Microphone; env VOICE_ATTUNE_INPUT_DEVICE overrides. None: the system default."""
    output_device: str | None = None
    """Speaker; env VOICE_ATTUNE_OUTPUT_DEVICE overrides. None: the system default."""
    echo_cancel: bool = True
    """Take the guide's own voice out of the microphone (WebRTC's echo canceller), so a
    partner can speak over it; false: listen less while the guide speaks, as without it."""


@dataclass(frozen=True)
class PauseBySettings:
    """Pauses without words in a session, each on or off."""

    key: bool = True
    """`run` in a terminal: Space or p pauses, Enter goes on."""
    button: bool = True
    """The push button on daemon.gpio_pin (run and daemon): a press pauses or goes on, a long
    press (2 s) ends the session."""
    knock: bool = True
    """Two knocks on the table, 0.15-0.6 s apart, heard from the microphone."""


@dataclass(frozen=True)
class PrivacySettings:
    """What voice-attune keeps on this computer (it never sends anything anywhere)."""

    history: bool = True
    """Keep a private history of sessions: dates, durations, words chosen from menus, what was
    set aside. Never audio; never what was said, unless ``transcripts`` allows it."""
    transcripts: Literal["never", "ask"] = "never"
    """ask: at the start of every session, ask both partners whether to keep today's words
    (kept only if both say yes); never: do not ask, keep none."""
    listen_for_start: bool = True
    """The daemon listens for its start phrases (and nothing else); false: voice starts are off
    entirely, and only a key, the button or the schedule start a session."""

    def __post_init__(self) -> None:
        if self.transcripts not in ("never", "ask"):
            raise ValueError(f"transcripts is '{self.transcripts}'; allowed: never, ask")


DEFAULT_FEELINGS: dict[str, dict[str, str]] = {
    "heavy": {"drained": "quiet company", "overwhelmed": "practical help", "tired": "rest"},
    "tense": {"anxious": "reassurance", "tense": "a hug", "irritable": "space to think"},
    "lighter": {"hopeful": "time together", "calm": "a slow evening", "grateful": "a moment to say thanks"},
}
"""The shared menu of feelings, in groups so a spoken menu stays short, each with a need."""
_MENU_MAX = 7


def _check_feelings(feelings: dict[str, dict[str, str]]) -> None:
    if not feelings:
        raise ValueError("feelings needs at least one group, like: heavy: {drained: quiet company}")
    if len(feelings) > _MENU_MAX:
        raise ValueError(f"feelings has {len(feelings)} groups; at most {_MENU_MAX}, so the spoken menu stays short")
    seen: set[str] = set()
    for group, words in feelings.items():
        if not words or len(words) > _MENU_MAX:
            raise ValueError(f"feelings.{group} has {len(words)} feelings; use 1 to {_MENU_MAX}")
        for word, need in words.items():
            if word in seen:
                raise ValueError(f"feeling '{word}' is in two groups")
            if not str(need).strip():
                raise ValueError(f"feeling '{word}' needs a need, like: {word}: quiet company")
            seen.add(word)


@dataclass(frozen=True)
class Config:
    """All settings of voice-attune."""

    partners: Partners = field(default_factory=Partners)
    pause_words: tuple[str, ...] = ("pineapple",)
    """One or more phrases that pause everything at once, whoever says them."""
    language: str = "en-us"
    recognizer: RecognizerSettings = field(default_factory=RecognizerSettings)
    vad: VadSettings = field(default_factory=VadSettings)
    spotter: SpotterSettings = field(default_factory=SpotterSettings)
    audio: AudioSettings = field(default_factory=AudioSettings)
    pause_by: PauseBySettings = field(default_factory=PauseBySettings)
    voice: VoiceSettings = field(default_factory=VoiceSettings)
    care: CareSettings = field(default_factory=CareSettings)
    privacy: PrivacySettings = field(default_factory=PrivacySettings)
    daemon: DaemonSettings = field(default_factory=DaemonSettings)
    scripts_dir: str | None = None
    """A folder of the couple's own session scripts; None: ~/.local/share/voice-attune/sessions."""
    feelings: dict[str, dict[str, str]] = field(default_factory=lambda: {g: dict(m) for g, m in DEFAULT_FEELINGS.items()})
    """The shared feelings menu: group -> {feeling: need}; scripts use it with ``options: feelings``."""
    source: str | None = None
    """The file these settings came from (None: built-in defaults)."""

    def __post_init__(self) -> None:
        _check_feelings(self.feelings)
        words = tuple(w.strip().lower() for w in self.pause_words if w.strip())
        if not words:
            raise ValueError("pause_words needs at least one word or phrase")
        object.__setattr__(self, "pause_words", words)
        commands = {p: name for name, ps in self.spotter.commands.items() for p in ps}
        for word in words:
            if word in commands:
                raise ValueError(
                    f"pause word '{word}' is also the command '{commands[word]}'; choose another"
                )


def default_config_path() -> Path | None:
    """The config file used when --config is not given, if there is one."""
    env = os.environ.get("VOICE_ATTUNE_CONFIG")
    if env:
        return Path(env)
    for candidate in config_candidates():
        if candidate.is_file():
            return candidate
    return None


def config_candidates() -> list[Path]:
    """Where settings are looked for when --config is not given, first found wins."""
    env = os.environ.get("VOICE_ATTUNE_CONFIG")
    return ([Path(env)] if env else []) + [Path("config.yaml"), _user_config_dir() / "config.yaml"]


def settings_line(config: Config) -> str:
    """One line saying which settings file is used, and any other one it hides."""
    if config.source is None:
        return "Settings: built-in defaults (no config.yaml here or in ~/.config/voice-attune)."
    used = Path(config.source).resolve()
    hidden = [c for c in config_candidates() if c.is_file() and c.resolve() != used]
    line = f"Settings: {config.source}"
    if hidden:
        line += f" (it hides {', '.join(str(h) for h in hidden)}: --config chooses)"
    return line + "."


def _user_config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "voice-attune"


def load_config(path: str | Path | None = None, env: dict[str, str] | None = None) -> Config:
    """Load settings from ``path`` (or the default file, or built-in defaults), then apply env."""
    env = os.environ if env is None else env
    if path is None:
        path = default_config_path()
    if path is None:
        config = Config()
    else:
        node = compose_file(path)
        config = schema.build(Config, node, str(path))
        config = dataclasses.replace(config, source=str(path))
    return apply_env(config, env)


def apply_env(config: Config, env: dict[str, str]) -> Config:
    """Environment variables override the model path and the sound devices."""
    recognizer, audio = config.recognizer, config.audio
    if env.get("VOICE_ATTUNE_MODEL"):
        recognizer = dataclasses.replace(recognizer, vosk_model=env["VOICE_ATTUNE_MODEL"])
    if env.get("VOICE_ATTUNE_MODELS_DIR"):
        recognizer = dataclasses.replace(recognizer, models_dir=env["VOICE_ATTUNE_MODELS_DIR"])
    if env.get("VOICE_ATTUNE_INPUT_DEVICE"):
        audio = dataclasses.replace(audio, input_device=env["VOICE_ATTUNE_INPUT_DEVICE"])
    if env.get("VOICE_ATTUNE_OUTPUT_DEVICE"):
        audio = dataclasses.replace(audio, output_device=env["VOICE_ATTUNE_OUTPUT_DEVICE"])
    return dataclasses.replace(config, recognizer=recognizer, audio=audio)


def data_dir() -> Path:
    """$XDG_DATA_HOME/voice-attune (~/.local/share/voice-attune when unset)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "voice-attune"


def scripts_dir(config: Config) -> Path:
    """The folder of the couple's own session scripts (it may not exist)."""
    if config.scripts_dir:
        return Path(config.scripts_dir).expanduser()
    return data_dir() / "sessions"


def models_dir(config: Config) -> Path:
    """The folder that holds downloaded Vosk models."""
    if config.recognizer.models_dir:
        return Path(config.recognizer.models_dir).expanduser()
    checkout = Path(__file__).resolve().parents[1] / "models"
    if (checkout / "README.md").is_file():
        return checkout
    return data_dir() / "models"

