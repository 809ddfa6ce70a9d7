"""espeak-ng run directly: the voice pyttsx3 drives on Linux, and its fallback."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess

import numpy as np

from voice_attune.errors import UserError
from voice_attune.voice.pcm import wav_to_16k


def espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None


def espeak_voice(voice: str) -> str:
    """The name to give espeak-ng for ``voice``. espeak-ng 1.51 drops a variant given after the
    language code en-gb: "en-gb+m6" and "en-gb+f4" speak exactly as plain "en-gb" does. Its voice
    "en" is that same British English voice and keeps the variant, so it is asked for instead."""
    base, plus, variant = voice.partition("+")
    if plus and base.lower() in ("en-gb", "en-uk"):
        return f"en+{variant}"
    return voice


def quiet_environment() -> dict[str, str]:
    """espeak-ng's environment: no sound server. It writes to stdout, but still opens PulseAudio,
    and where that first meets a fresh home folder it uses up the random numbers that voices with
    breath (the variant Alicia) draw: the same text came out otherwise, and a training of one seed
    learnt from other sounds in a test's home folder than in the user's."""
    return {**os.environ, "PULSE_SERVER": "unix:/dev/null/none"}


def espeak_uncached(text: str, voice: str = "en-us", speed: int = 160, pitch: int = 50) -> np.ndarray:
    """``text`` spoken by espeak-ng into int16 samples at 16 kHz, in memory only (the text goes in
    on stdin, the audio comes back on stdout). ``pitch`` is 0-99."""
    if not espeak_available():
        raise UserError("espeak-ng is not installed (Debian: apt-get install espeak-ng)")
    result = subprocess.run(
        # The text goes in on stdin, so a text that starts with "-" is never read as an option.
        ["espeak-ng", "-v", espeak_voice(voice), "-s", str(speed), "-p", str(pitch), "--stdin", "--stdout"],
        input=text.encode(),
        capture_output=True,
        check=False,
        env=quiet_environment(),
    )
    if result.returncode != 0 or not result.stdout:
        reason = result.stderr.decode(errors="replace").strip() or "no audio"
        raise UserError(f"espeak-ng could not speak with voice '{voice}': {reason}")
    return wav_to_16k(result.stdout)


espeak = functools.lru_cache(maxsize=512)(espeak_uncached)
"""The same, cached: the same words again cost nothing (never for the couple's own words)."""
