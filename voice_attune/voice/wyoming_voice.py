"""The guide's voice from a Wyoming text-to-speech service (wyoming-piper on a home server).

The service answers in its own format (wyoming-piper: 22050 Hz mono); it is resampled to the
16 kHz every player takes. Its pace is the service's own: ``voice.rate`` cannot reach it.
"""

from __future__ import annotations

import numpy as np

from voice_attune.config.voice import VoiceSettings
from voice_attune.voice.pcm import apply_gain, to_16k
from voice_attune.wyoming import exchanges, link
from voice_attune.wyoming.link import Service


def tts_service(settings: VoiceSettings) -> Service:
    """The configured text-to-speech service."""
    assert settings.uri is not None  # the settings refuse engine: wyoming without a uri
    return Service(settings.uri, "text-to-speech", "voice.uri", settings.connect_timeout_s,
                   settings.reply_timeout_s)


class WyomingSynthesizer:
    """Renders each prompt through the service; a ServiceError (one line) when it cannot."""

    name = "wyoming"

    def __init__(self, settings: VoiceSettings):
        self.settings = settings
        self.service = tts_service(settings)
        link.require(self.service)
        self.cache_tag = settings.uri
        """Part of the prompt cache's key: another server may speak in another voice."""

    def render(self, text: str) -> np.ndarray:
        if not text.strip():
            return np.zeros(0, np.int16)
        service, voice = self.service, self.settings.voice
        spoken = link.call(service, lambda client: exchanges.synthesize(service, client, text, voice))
        return apply_gain(to_16k(spoken.pcm, spoken.rate), self.settings.volume)


def describe_tts(service: Service) -> str:
    """"piper (174 voices)": the service's text-to-speech programs, or a ServiceError."""
    info = link.call(service, lambda client: exchanges.describe(service, client))
    programs = [p for p in info.tts if p.installed]
    if not programs:
        offers = "speech-to-text" if info.asr else "nothing"
        raise service.error(f"answers, but offers no text-to-speech ({offers})")
    return ", ".join(f"{p.name} ({len(p.voices)} voice{'s' if len(p.voices) != 1 else ''})" for p in programs)
