"""Players: the sound device (live) and a recorder on the audio clock (simulations).

Both stop at once and say how much was heard, which the pause protocol and the events need.
Playing while something plays replaces it: the assistant never talks over itself.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import soxr

from voice_attune import SAMPLE_RATE
from voice_attune.devices import import_sounddevice, parse_device, pick_rate, say_device
from voice_attune.errors import UserError, one_line

log = logging.getLogger(__name__)


class Player(Protocol):
    """Plays 16 kHz mono int16 audio and can stop it at once."""

    @property
    def playing(self) -> bool:
        """True from play() until the audio ends or is stopped."""
        ...

    def play(self, pcm: np.ndarray) -> None:
        """Start playing ``pcm`` (returns at once), replacing anything still playing."""
        ...

    def stop(self) -> float:
        """Stop at once; the seconds of the current audio that were played (0 if none)."""
        ...

    def wait(self) -> None:
        """Return when the current audio has finished."""
        ...


# -- simulation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlayedClip:
    """One piece of assistant audio as it went out into the (simulated) room."""

    start: float
    """Audio seconds when it began."""
    pcm: np.ndarray
    """The samples actually played: cut short where it was stopped."""
    interrupted: bool
    """True if it was stopped before its end."""

    @property
    def end(self) -> float:
        """Audio seconds when it ended."""
        return self.start + self.pcm.size / SAMPLE_RATE


class RecordingPlayer:
    """A player without a device: it keeps what was played where on the audio clock.

    The simulation driver moves its clock with ``advance(t)``; a simulated room reads the
    assistant's voice back with ``audio(start, end)`` to mix into the microphone as echo.
    """

    def __init__(self) -> None:
        self._now = 0
        """Samples since the session began."""
        self._clips: list[list[Any]] = []
        """[start sample, pcm, played samples or None while it may still play]."""

    @property
    def now(self) -> float:
        """The audio clock, in seconds."""
        return self._now / SAMPLE_RATE

    def advance(self, t: float) -> None:
        """Set the audio clock to ``t`` seconds (it never goes back)."""
        self._now = max(self._now, _samples(t))

    @property
    def ends_at(self) -> float | None:
        """Audio seconds when the current audio will end, or None if nothing plays."""
        clip = self._current()
        return None if clip is None else (clip[0] + clip[1].size) / SAMPLE_RATE

    @property
    def playing(self) -> bool:
        return self._current() is not None

    def play(self, pcm: np.ndarray) -> None:
        self.stop()
        self._clips.append([self._now, np.asarray(pcm, dtype=np.int16), None])

    def stop(self, at: float | None = None) -> float:
        """Stop at ``at`` audio seconds (default: now); the seconds played of that audio.

        ``at`` may lie before ``now``: the driver knows when the stop really took effect.
        """
        if not self._clips or self._clips[-1][2] is not None:
            return 0.0
        clip = self._clips[-1]
        start, pcm = clip[0], clip[1]
        stop = self._now if at is None else _samples(at)
        played = min(max(stop - start, 0), pcm.size)
        clip[2] = played
        return played / SAMPLE_RATE

    def wait(self) -> None:
        """Move the clock to the end of the current audio (a simulation never blocks)."""
        end = self.ends_at
        if end is not None:
            self.advance(end)

    def audio(self, start: float, end: float) -> np.ndarray:
        """What the assistant played from ``start`` to ``end`` audio seconds, silence elsewhere."""
        a, b = _samples(start), _samples(end)
        out = np.zeros(max(b - a, 0), np.int32)
        for clip_start, pcm, played in self._clips:
            pcm = pcm if played is None else pcm[:played]
            lo, hi = max(a, clip_start), min(b, clip_start + pcm.size)
            if lo < hi:
                out[lo - a:hi - a] += pcm[lo - clip_start:hi - clip_start]
        return np.clip(out, -32768, 32767).astype(np.int16)

    @property
    def clips(self) -> list[PlayedClip]:
        """Everything played so far (the current audio as far as the clock has reached)."""
        out = []
        for start, pcm, played in self._clips:
            n = played if played is not None else min(pcm.size, max(self._now - start, 0))
            out.append(PlayedClip(start / SAMPLE_RATE, pcm[:n], n < pcm.size))
        return out

    def _current(self) -> list[Any] | None:
        if not self._clips:
            return None
        clip = self._clips[-1]
        if clip[2] is not None or self._now >= clip[0] + clip[1].size:
            return None
        return clip


def _samples(t: float) -> int:
    return int(round(t * SAMPLE_RATE))


# -- live ------------------------------------------------------------------------------------


class SoundDevicePlayer:
    """The speaker, through a sounddevice OutputStream whose callback reads from a buffer.

    stop() aborts the stream, dropping what the device has queued, so the voice ends at once.
    """

    def __init__(self, device: str | None = None, block_seconds: float = 0.02):
        self.device = parse_device(device)
        self._sd = import_sounddevice()
        self._block_seconds = block_seconds
        self.rate = pick_rate(self._sd, self.device, "output", "float32")
        self._lock = threading.Lock()
        self._buffer = np.zeros(0, np.float32)
        self._pos = 0
        self._stream: Any = None
        self._done = threading.Event()
        self._done.set()

    @property
    def playing(self) -> bool:
        return self._stream is not None and not self._done.is_set()

    def play(self, pcm: np.ndarray) -> None:
        self.stop()
        audio = np.asarray(pcm, dtype=np.float32) / 32768.0
        if self.rate != SAMPLE_RATE:
            audio = soxr.resample(audio, SAMPLE_RATE, self.rate).astype(np.float32)
        with self._lock:
            self._buffer, self._pos = audio, 0
        self._done.clear()
        sd = self._sd
        try:
            stream = sd.OutputStream(
                device=self.device, samplerate=self.rate, channels=1, dtype="float32",
                blocksize=int(self.rate * self._block_seconds), callback=self._callback,
                finished_callback=self._done.set,
            )
            stream.start()
        except (ValueError, sd.PortAudioError) as exc:
            self._done.set()
            raise UserError(
                f"cannot play through the speaker ({say_device(self.device, 'output')}: {one_line(exc)}); "
                "is it plugged in?"
            ) from None
        self._stream = stream
        self._deadline = time.monotonic() + audio.size / self.rate + 2.0

    def stop(self) -> float:
        stream, self._stream = self._stream, None
        if stream is None:
            return 0.0
        finished = self._done.is_set()
        with self._lock:
            played = self._pos / self.rate
            self._buffer = np.zeros(0, np.float32)
        if not finished:
            # The callback runs ahead of the loudspeaker by the output latency: not yet heard.
            latency = getattr(stream, "latency", 0.0)
            played = max(played - (latency if isinstance(latency, float) else 0.0), 0.0)
        try:
            stream.abort()  # unlike stop(), does not wait for the device's queue to drain
            stream.close()
        except self._sd.PortAudioError as exc:  # the device may already be gone; it is silent
            log.info("closing the speaker: %s", one_line(exc))
        self._done.set()
        return played

    def wait(self) -> None:
        if self._stream is None:
            return
        # Wall time only as a watchdog: an unplugged speaker stops asking for audio.
        if not self._done.wait(timeout=max(self._deadline - time.monotonic(), 0.0)):
            self.stop()
            raise UserError("the speaker stopped playing (unplugged?)")
        self.stop()

    def _callback(self, outdata: np.ndarray, frames: int, _time: Any, status: Any) -> None:
        if status:
            log.debug("speaker status: %s", status)
        with self._lock:
            chunk = self._buffer[self._pos:self._pos + frames]
            self._pos += chunk.size
        outdata[:chunk.size, 0] = chunk
        outdata[chunk.size:] = 0
        if chunk.size < frames:
            raise self._sd.CallbackStop

