"""Festival's voices: speech from a third synthesizer, for benchmarks only. No model here trains
on them, so they stand in for voices from outside everything the models met: an American woman
built by HTS from recordings (``festival:slt``) and an American man of diphones
(``festival:ked``). Needs the Debian packages ``festival``, ``festvox-us-slt-hts`` and
``festvox-kdlpc16k``; in memory only (the audio comes back on stdout)."""

from __future__ import annotations

import functools
import shutil
import subprocess

import numpy as np

from voice_attune.errors import UserError

PREFIX = "festival:"
VOICES = {"slt": "cmu_us_slt_arctic_hts", "ked": "ked_diphone"}
"""Short name -> Festival's voice."""
PACE = 165.0
"""Words a minute at Festival's own pace (Duration_Stretch 1)."""
DEBIAN = ("festival", "festvox-us-slt-hts", "festvox-kdlpc16k")


def festival_available() -> bool:
    return shutil.which("text2wave") is not None


def is_festival(voice: str) -> bool:
    return voice.startswith(PREFIX)


@functools.lru_cache(maxsize=256)
def festival(text: str, voice: str, speed: int = 160) -> np.ndarray:
    """``text`` spoken by Festival's ``voice`` ("festival:slt") into int16 samples at 16 kHz;
    ``speed`` is words a minute for the diphone voice (the HTS voice keeps its own pace)."""
    name = voice[len(PREFIX):] if is_festival(voice) else voice
    if name not in VOICES:
        raise UserError(f"no Festival voice '{name}' here; known: {', '.join(VOICES)}")
    if not festival_available():
        raise UserError(f"Festival is not installed (Debian: apt-get install {' '.join(DEBIAN)})")
    stretch = PACE / max(60, speed)
    result = subprocess.run(
        ["text2wave", "-eval", f"(voice_{VOICES[name]})", "-eval", f"(Parameter.set 'Duration_Stretch {stretch:.3f})",
         "-otype", "raw", "-F", "16000", "-o", "/dev/stdout"],
        input=text.encode(), capture_output=True, check=False, timeout=60,
    )
    if result.returncode != 0 or len(result.stdout) < 2:
        reason = result.stderr.decode(errors="replace").strip().splitlines()
        raise UserError(f"Festival could not speak with voice '{name}': {reason[-1] if reason else 'no audio'}")
    return np.frombuffer(result.stdout[: len(result.stdout) // 2 * 2], "<i2").copy()
