"""Speech synthesized for tests, simulations, the demo and `check-word`: espeak-ng voices (the
voice pyttsx3 drives on Linux) and Piper, as int16 at 16 kHz; never downloads.

It speaks through the guide's own ``voice/espeak.py`` and ``voice/piper.py``, so there is one
resampler and one loaded Piper model in a process.
"""

from __future__ import annotations

import functools

import numpy as np

from voice_attune.synthetic.festival import festival, festival_available, is_festival
from voice_attune.synthetic.flite import flite, flite_available, is_flite
from voice_attune.synthetic.pico import is_pico, pico, pico_available
from voice_attune.voice import piper
from voice_attune.voice.espeak import espeak, espeak_available
from voice_attune.voice.piper import piper_available

__all__ = ["PIPER_VOICE", "espeak_available", "festival_available", "flite_available", "pico_available", "piper_available", "synthesize"]

PIPER_VOICE = "piper"
"""The voice name that means the Piper voice en_US-joe-medium rather than an espeak-ng voice."""
PIPER_PACE = 160.0
"""Words a minute at which test speech asks Piper for its natural pace (length_scale 1)."""


def synthesize(text: str, voice: str = "en-us", speed: int = 160, pitch: int = 50) -> np.ndarray:
    """Speak ``text`` into int16 samples at 16 kHz; ``voice`` is an espeak-ng voice, "piper", or
    a Flite voice ("flite:awb"), a Festival voice ("festival:slt") or a Pico voice ("pico:en-GB").

    ``pitch`` (0-99) applies to espeak-ng, Flite and Pico voices."""
    if voice == PIPER_VOICE:
        return _piper(text, speed)
    if is_flite(voice):
        return flite(text, voice, speed, pitch)
    if is_festival(voice):
        return festival(text, voice, speed)
    if is_pico(voice):
        return pico(text, voice, speed, pitch)
    return espeak(text, voice, speed, pitch)


@functools.lru_cache(maxsize=512)
def _piper(text: str, speed: int) -> np.ndarray:
    return piper.speak(piper.load(), text, PIPER_PACE / max(60, speed))
