"""The guide's voice for a session: the configured synthesizer behind the prompt cache.

A low-energy session speaks a little slower; each speed has its own cached renderings. In a
session a Wyoming service's voice has the local one standing by (voice/fallback.py).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Callable

import numpy as np

from voice_attune.config.voice import MAX_RATE, MIN_RATE, VoiceSettings
from voice_attune.voice.cache import PromptCache
from voice_attune.voice.fallback import INSTEAD, RETRY_S, FallbackSynthesizer
from voice_attune.voice.synth import Synthesizer, choose_synthesizer
from voice_attune.wyoming.outage import Outage


class Voice:
    """Renders prompts at a relative speed, each one once."""

    def __init__(self, settings: VoiceSettings, cache_dir: Path | None = None, lazy: bool = False,
                 notice: Callable[[str], None] | None = None):
        """``notice``: in a session, a Wyoming service that fails hands over to the local voice
        and this hears it once (None: its failure is the caller's one-line error)."""
        self.settings = settings
        self._cache_dir = cache_dir
        self._lazy = lazy
        self._outage = Outage(notice, INSTEAD, retry_s=RETRY_S) if notice is not None else None
        self._by_rate: dict[int, PromptCache] = {}
        self.name = self._cache(settings.rate).name

    def render(self, text: str, speed: float = 1.0, private: bool = False) -> np.ndarray:
        """``text`` spoken at ``speed`` times the configured rate, 16 kHz int16. A ``private``
        text (the couple's own words read back) is rendered afresh and never cached."""
        rate = int(round(min(MAX_RATE, max(MIN_RATE, self.settings.rate * speed))))
        return self._cache(rate).render(text, private)

    def _cache(self, rate: int) -> PromptCache:
        if rate not in self._by_rate:
            settings = dataclasses.replace(self.settings, rate=rate)
            synth: Synthesizer = choose_synthesizer(settings, self._lazy)
            if settings.engine == "wyoming" and self._outage is not None:
                local = dataclasses.replace(settings, engine="auto", voice=None, uri=None)
                synth = FallbackSynthesizer(synth, lambda: choose_synthesizer(local, lazy=True), self._outage)
            self._by_rate[rate] = PromptCache(synth, settings, self._cache_dir)
        return self._by_rate[rate]
