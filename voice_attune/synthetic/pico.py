"""SVOX Pico's voices: speech from a fourth synthesizer (the one Android shipped), built from
recordings: a British woman (``pico:en-GB``) and an American woman (``pico:en-US``). Keyword
networks that learn voices built from recordings learn the American one
(keywords/voices.PICO_TRAINING; the shipped pause-word model does); no model learns the British
one, whom the benchmarks hear as a voice from outside everything the models met. Needs the PyPI
package ``ttspico`` (in the ``dev`` extra; it builds Pico's C sources, so a C compiler and
Python's headers); in memory only."""

from __future__ import annotations

import functools
import threading

import numpy as np

from voice_attune.errors import UserError
from voice_attune.synthetic.recorded import pitch_factor, voice_name

PREFIX = "pico:"
"""A voice name "pico:en-GB" means Pico's British English voice."""
PACE = {"en-GB": 200.0, "en-US": 225.0}
"""Words a minute of each voice at Pico's own rate (100%)."""
_LOCK = threading.Lock()


def pico_available() -> bool:
    try:
        import ttspico  # noqa: F401
    except ImportError:
        return False
    return True


def is_pico(voice: str) -> bool:
    return voice.startswith(PREFIX)


def _engine(language: str):
    """A fresh engine: one that has spoken before says the same text differently (its state
    carries over from call to call), so a training whose threads take Pico's turns in another
    order heard other sounds and was not reproducible. A new engine costs a few milliseconds."""
    import ttspico

    return ttspico.TtsEngine(language)


@functools.lru_cache(maxsize=512)
def pico(text: str, voice: str, speed: int = 160, pitch: int = 50) -> np.ndarray:
    """``text`` spoken by Pico's ``voice`` ("pico:en-GB") into int16 samples at 16 kHz. ``pitch``
    0-99 moves the voice's own pitch from 0.75 to 1.25 times; ``speed`` is words a minute."""
    language = voice_name(voice, PREFIX, PACE, "Pico", pico_available, "pip install ttspico; it needs a C compiler")
    rate = int(round(100 * max(60, speed) / PACE[language]))
    tone = int(round(100 * pitch_factor(pitch)))
    with _LOCK:
        engine = _engine(language)
        engine.rate = max(20, min(500, rate))
        engine.pitch = tone
        pcm = engine.speak(text) or b""
    if len(pcm) < 2:
        raise UserError(f"Pico could not speak with voice '{language}': no audio")
    return np.frombuffer(pcm[: len(pcm) // 2 * 2], "<i2").copy()
