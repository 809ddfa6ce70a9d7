"""What the synthesizers built from recordings share here (Flite, Pico): a voice named
"engine:name", and a pitch of 0-99 that moves the voice's own pitch."""

from __future__ import annotations

from typing import Callable, Iterable

from voice_attune.errors import UserError


def voice_name(voice: str, prefix: str, known: Iterable[str], engine: str, available: Callable[[], bool],
               install: str) -> str:
    """The name of ``voice`` ("flite:awb" -> "awb"), or one clear error if ``engine`` has no such
    voice or is not installed (``install`` says how to install it)."""
    name = voice[len(prefix):] if voice.startswith(prefix) else voice
    known = list(known)
    if name not in known:
        raise UserError(f"{engine} has no voice '{name}'; known: {', '.join(known)}")
    if not available():
        raise UserError(f"{engine} is not installed ({install})")
    return name


def pitch_factor(pitch: int) -> float:
    """espeak-ng's pitch 0-99 as a factor on a voice's own pitch: 0.75 to 1.25."""
    return 0.75 + 0.5 * min(99, max(0, pitch)) / 99
