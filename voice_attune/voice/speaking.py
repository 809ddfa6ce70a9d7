"""The guide's voice for a session: the configured synthesizer behind the prompt cache.

A low-energy session speaks a little slower; each speed has its own cached renderings.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from voice_attune.config.voice import MAX_RATE, MIN_RATE, VoiceSettings
from voice_attune.voice.cache import PromptCache
from voice_attune.voice.synth import Synthesizer, choose_synthesizer


class Voice:
    """Renders prompts at a relative speed, each one once."""

    def __init__(self, settings: VoiceSettings, cache_dir: Path | None = None, lazy: bool = False):
        self.settings = settings
        self._cache_dir = cache_dir
        self._lazy = lazy
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
            self._by_rate[rate] = PromptCache(synth, settings, self._cache_dir)
        return self._by_rate[rate]
