"""Voice settings: which synthesizer speaks, how fast and how loud (config key `voice`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from voice_attune.config.wyoming import CONNECT_TIMEOUT_S, check_service, parse_uri

ENGINES = ("auto", "piper", "pyttsx3", "wyoming")

MIN_RATE, MAX_RATE = 80, 300
"""Words per minute: slower than 80 falls apart into single words, faster than 300 is a blur."""


@dataclass(frozen=True)
class VoiceSettings:
    """How the assistant speaks. The speaker itself is `audio.output_device`."""

    engine: Literal["auto", "piper", "pyttsx3", "wyoming"] = "auto"
    """auto: Piper when installed (it sounds human), else pyttsx3; wyoming: a Wyoming
    text-to-speech service (``uri``), with the local voice standing in when it fails."""
    voice: str | None = None
    """pyttsx3: a voice id or part of its name ("en-us", "English (America)"); Piper: a .onnx
    model path; wyoming: a voice the service offers ("en_US-joe-medium"). None: the engine's
    default voice."""
    rate: int = 150
    """Words per minute; slower is calmer. A Wyoming service speaks at its own pace (its own
    settings, like wyoming-piper's --length-scale)."""
    volume: float = 0.8
    """0-1, a gain on the rendered audio (earcons included)."""
    cache_mb: int = 50
    """Megabytes of rendered prompts kept on disk; 0 keeps them in memory only."""
    earcons: bool = True
    """Soft tones when a turn starts and ends, and on a pause."""
    uri: str | None = field(default=None, metadata={"check": parse_uri})
    """wyoming: the text-to-speech service, tcp://HOST:PORT (wyoming-piper: port 10200)."""
    connect_timeout_s: float = CONNECT_TIMEOUT_S
    """wyoming: seconds to wait for the service to accept a connection."""
    reply_timeout_s: float = 10.0
    """wyoming: seconds a whole prompt's audio may take to arrive."""

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise ValueError(f"engine is '{self.engine}'; allowed: {', '.join(ENGINES)}")
        if self.voice is not None and not self.voice.strip():
            raise ValueError("voice is empty; leave it out to use the engine's default voice")
        if isinstance(self.rate, bool) or not isinstance(self.rate, int):
            raise ValueError(f"rate is {self.rate!r}; use a whole number of words per minute")
        if not MIN_RATE <= self.rate <= MAX_RATE:
            raise ValueError(
                f"rate is {self.rate} words per minute; use {MIN_RATE} to {MAX_RATE} (150 is calm)"
            )
        if not 0.0 < self.volume <= 1.0:
            # Zero is refused too: a silent guide could not tell anyone it has paused.
            raise ValueError(f"volume is {self.volume}; use a number above 0 and at most 1")
        if not 0 <= self.cache_mb <= 10_000:
            raise ValueError(f"cache_mb is {self.cache_mb}; use 0 (no disk cache) to 10000 MB")
        check_service(self.engine, self.uri, self.connect_timeout_s, self.reply_timeout_s)
