"""Flite's voices: speech built from recordings of real people (a Scottish man, two American men,
an American woman) by another synthesizer than espeak-ng's formant voices or Piper. Keyword
networks can learn from the American ones (keywords/voices.FLITE_TRAINING; the shipped
pause-word model and `train-word` do); no model trains on the Scottish one, which the keyword
benchmarks hear as a voice from outside everything the models met. Needs the Debian package
``flite``; in memory only (the audio comes back on stdout)."""

from __future__ import annotations

import functools
import shutil
import subprocess

import numpy as np

from voice_attune.errors import UserError
from voice_attune.synthetic.recorded import pitch_factor, voice_name
from voice_attune.voice.pcm import wav_to_16k

PREFIX = "flite:"
"""A voice name "flite:awb" means Flite's voice awb."""
VOICES = {"awb": 105, "rms": 100, "slt": 175, "kal16": 105}
"""Flite's 16 kHz English voices and each one's usual pitch (Hz): awb is a Scottish man, rms an
American man, slt an American woman, kal16 an American man (diphones)."""
PACE = 165.0
"""Words a minute of Flite's own pace (duration_stretch 1)."""


def flite_available() -> bool:
    return shutil.which("flite") is not None


def is_flite(voice: str) -> bool:
    return voice.startswith(PREFIX)


@functools.lru_cache(maxsize=512)
def flite(text: str, voice: str, speed: int = 160, pitch: int = 50) -> np.ndarray:
    """``text`` spoken by Flite's ``voice`` ("flite:awb") into int16 samples at 16 kHz. ``pitch``
    0-99 moves the voice's own pitch from 0.75 to 1.25 times; ``speed`` is words a minute."""
    name = voice_name(voice, PREFIX, VOICES, "Flite", flite_available, "Debian: apt-get install flite")
    f0 = VOICES[name] * pitch_factor(pitch)
    stretch = PACE / max(60, speed)
    result = subprocess.run(
        # -t takes the next argument as the text, whatever it starts with; Flite's -f waits on a pipe.
        ["flite", "-voice", name, "-o", "/dev/stdout", "--setf", f"duration_stretch={stretch:.3f}",
         "--setf", f"int_f0_target_mean={f0:.1f}", "-t", " " + text],
        capture_output=True, check=False, timeout=60,
    )
    if result.returncode != 0 or len(result.stdout) <= 44:
        reason = result.stderr.decode(errors="replace").strip() or "no audio"
        raise UserError(f"flite could not speak with voice '{name}': {reason}")
    return wav_to_16k(result.stdout)
