"""A service's voice with a local one standing by: in a session the guide never falls silent.

When the service fails, the local voice (Piper or pyttsx3, as ``auto`` would choose) speaks,
with one notice; the service is asked again after ``RETRY_S``, so a home server that was
restarting is back within a session or two without the guide switching voices at every prompt.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from voice_attune.voice.synth import Synthesizer
from voice_attune.wyoming.link import ServiceError
from voice_attune.wyoming.outage import Outage

RETRY_S = 300.0
"""Seconds (wall clock) the local voice speaks after a failure before the service is tried again."""
INSTEAD = "the local voice speaks until it answers again"


class FallbackSynthesizer:
    """``service`` while it answers, else the synthesizer ``make_local`` makes (once)."""

    def __init__(self, service: Synthesizer, make_local: Callable[[], Synthesizer], outage: Outage):
        self.service = service
        self._make_local = make_local
        self._local: Synthesizer | None = None
        self.outage = outage
        """Shared by every speed of one Voice, so an outage is said once."""

    @property
    def name(self) -> str:
        """The engine that renders now (the prompt cache files audio under it)."""
        return self.local.name if self._standing_in else self.service.name

    @property
    def cache_tag(self) -> str | None:
        return None if self._standing_in else getattr(self.service, "cache_tag", None)

    @property
    def local(self) -> Synthesizer:
        if self._local is None:
            self._local = self._make_local()
        return self._local

    @property
    def _standing_in(self) -> bool:
        return not self.outage.worth_trying()

    def render(self, text: str) -> np.ndarray:
        return self._render(text, private=False)

    def render_private(self, text: str) -> np.ndarray:
        """A prompt with the couple's words: the local voice renders it its private way."""
        return self._render(text, private=True)

    def _render(self, text: str, private: bool) -> np.ndarray:
        if not self._standing_in:
            try:
                pcm = self.service.render(text)
                self.outage.answered()
                return pcm
            except ServiceError as exc:
                self.outage.failed(exc)
        render = getattr(self.local, "render_private", self.local.render) if private else self.local.render
        return render(text)
