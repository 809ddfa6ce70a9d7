"""Echo cancellation: the guide's own voice taken out of the microphone before anything listens.

The guide knows exactly what it plays, so that audio is the cancellers' reference. Two
cancellers hear every frame, each for the listeners it suits:
- for the keyword models, Speex's linear echo canceller (libspeexdsp, Xiph's library, Debian
  package ``libspeexdsp1``): an adaptive filter half a second long learns the path from the
  speaker to the microphone (the devices' delay, the room's reverberation) and subtracts the
  guide's voice. Being linear, it leaves a partner speaking over the guide exactly as they
  sound, which the models need; it takes about ten seconds of the guide's voice to learn a room;
- for the voice-activity gate and the recognizers, WebRTC's AEC3 (the audio processing module
  of the ``livekit`` package): it learns a room within a second or two and its suppressor takes
  out what the filter leaves, so the guide's words never become a transcript. The same
  suppressor would take a third of a partner's pause word away, hence the two.
Either one alone serves both; without either the listener works as before, listening less
while the guide speaks, and says so once. While the guide and its echo are silent the
listeners hear the microphone unchanged and the cancellers rest: with nothing played they have
nothing to learn or take out, and they pick up where they were when the guide speaks again (a
partner's long turn cost both cancellers 1.3% of one core for nothing).
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections import deque
from typing import Any, Callable

import numpy as np

from voice_attune import FRAME_SAMPLES, SAMPLE_RATE
from voice_attune.asr.frames import Frame

FILTER_MS = 512
"""How much of the echo's path the filter covers: the devices' delay plus the reverberation."""
_SET_SAMPLING_RATE = 24
"""SPEEX_ECHO_SET_SAMPLING_RATE in speex_echo.h."""
UNAVAILABLE = ("echo cancellation is off: neither libspeexdsp ({speex}) nor livekit ({webrtc}) loads; "
               "the guide's own voice is kept out as before, by listening less while it speaks "
               "(Debian: sudo apt-get install libspeexdsp1; pip install livekit)")
CHUNK = SAMPLE_RATE // 100
"""AEC3 works on 10 ms pieces."""
TAIL = SAMPLE_RATE * (FILTER_MS + 300) // 1000
"""Samples after the guide's audio ends during which its echo may still sound. Outside that
the microphone's frames go on unchanged and the cancellers rest: by then the filters' memory of
what was played (FILTER_MS) holds only silence, as it would had they heard every frame."""
LEARNED_DB = 15.0
"""The linear canceller has learned the room when, over the last LEARNED_FRAMES frames in
which the guide sounded, it took out at least this much of the microphone's sound (median, so
that a partner talking over the guide for a while does not count against it)."""
LEARNED_FRAMES = 100
NEAR_END_DB = 8.0
"""Sound in the keyword models' stream counts as someone in the room only where it is at
least this much louder than what the canceller is known to leave of the guide's voice (what
it took out, less its recent echo reduction): otherwise it is that residue."""


def _library() -> ctypes.CDLL:
    name = ctypes.util.find_library("speexdsp") or "libspeexdsp.so.1"
    lib = ctypes.CDLL(name)
    pcm = np.ctypeslib.ndpointer(np.int16, flags="C_CONTIGUOUS")
    lib.speex_echo_state_init.restype = ctypes.c_void_p
    lib.speex_echo_state_init.argtypes = [ctypes.c_int, ctypes.c_int]
    lib.speex_echo_cancellation.restype = None
    lib.speex_echo_cancellation.argtypes = [ctypes.c_void_p, pcm, pcm, pcm]
    lib.speex_echo_ctl.restype = ctypes.c_int
    lib.speex_echo_ctl.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p]
    lib.speex_echo_state_reset.restype = None
    lib.speex_echo_state_reset.argtypes = [ctypes.c_void_p]
    lib.speex_echo_state_destroy.restype = None
    lib.speex_echo_state_destroy.argtypes = [ctypes.c_void_p]
    return lib


class _Linear:
    """Speex's echo canceller on 30 ms frames."""

    def __init__(self, lib: ctypes.CDLL):
        self._lib = lib
        self._state = lib.speex_echo_state_init(FRAME_SAMPLES, SAMPLE_RATE * FILTER_MS // 1000)
        if not self._state:
            raise OSError("speex_echo_state_init failed")
        rate = ctypes.c_int(SAMPLE_RATE)
        lib.speex_echo_ctl(self._state, _SET_SAMPLING_RATE, ctypes.byref(rate))

    def cancel(self, mic: np.ndarray, reference: np.ndarray) -> np.ndarray:
        out = np.empty(FRAME_SAMPLES, np.int16)
        self._lib.speex_echo_cancellation(self._state, mic, reference, out)
        return out

    def reset(self) -> None:
        self._lib.speex_echo_state_reset(self._state)

    def __del__(self) -> None:
        state, self._state = getattr(self, "_state", None), None
        if state:
            self._lib.speex_echo_state_destroy(state)


class _Suppressing:
    """WebRTC's AEC3 on 10 ms pieces."""

    def __init__(self) -> None:
        from livekit import rtc

        self._rtc = rtc
        self._apm = rtc.AudioProcessingModule(echo_cancellation=True)

    def cancel(self, mic: np.ndarray, reference: np.ndarray) -> np.ndarray:
        out = np.empty_like(mic)
        frame = self._rtc.AudioFrame
        for i in range(0, mic.size, CHUNK):
            self._apm.process_reverse_stream(frame(reference[i:i + CHUNK].tobytes(), SAMPLE_RATE, 1, CHUNK))
            near = frame(mic[i:i + CHUNK].tobytes(), SAMPLE_RATE, 1, CHUNK)
            self._apm.process_stream(near)
            out[i:i + CHUNK] = np.frombuffer(near.data, dtype=np.int16)
        return out

    def reset(self) -> None:
        self._apm = self._rtc.AudioProcessingModule(echo_cancellation=True)


class EchoCanceller:
    """Subtracts what the guide plays (given with ``play``) from each microphone frame."""

    def __init__(self, linear: _Linear | None, suppressing: _Suppressing | None):
        if linear is None and suppressing is None:
            raise ValueError("an echo canceller needs at least one of its two parts")
        self._linear = linear
        self._suppressing = suppressing
        self._reference = np.zeros(0, np.int16)
        self._reference_at = -TAIL
        """Audio sample at which the reference's first sample was played. Until the guide first
        plays, long enough before the stream began that no echo of it is left: at 0, the first
        TAIL of every stream counted as the guide's echo tail, and the linear canceller's own
        filtering of the microphone (it takes out the lowest tones even with nothing played)
        was taken for echo it had removed, so a pause word said at once in brown noise was
        judged to be the guide's residue and dropped (scripts/bench_opening.py)."""
        self._taken_out: deque[float] = deque(maxlen=LEARNED_FRAMES)
        """dB the linear canceller took out of recent frames in which the guide sounded."""
        self._recent: deque[tuple[float, float, float]] = deque(maxlen=50)
        """(frame end, power left in the keyword stream, power of the guide's residue to expect)
        of the last 1.5 s."""

    @property
    def learned(self) -> bool:
        """True once the linear canceller takes the guide's voice out well in this room."""
        return len(self._taken_out) >= LEARNED_FRAMES // 3 and float(np.median(self._taken_out)) >= LEARNED_DB

    def someone_else(self, start: float, end: float) -> bool:
        """True if the keyword stream between ``start`` and ``end`` (audio seconds) holds more
        than the residue of the guide's voice (always, when the guide was silent then)."""
        got = [(left, residue) for t, left, residue in self._recent if start <= t <= end]
        if not got:
            return True
        left, residue = (sum(v) for v in zip(*got))
        return residue <= 0 or 10 * np.log10(max(left, 1e-9) / residue) >= NEAR_END_DB

    @property
    def parts(self) -> list[str]:
        """Which cancellers run: "speex" (linear), "webrtc" (AEC3)."""
        return [name for name, part in (("speex", self._linear), ("webrtc", self._suppressing)) if part is not None]

    def play(self, pcm: np.ndarray, t: float) -> None:
        """The guide starts playing ``pcm`` (16 kHz int16) at audio time ``t``."""
        self._reference = np.ascontiguousarray(pcm, dtype=np.int16)
        self._reference_at = int(round(t * SAMPLE_RATE))

    def stop(self, t: float) -> None:
        """The guide's voice was cut at audio time ``t``: nothing after it is played."""
        keep = max(int(round(t * SAMPLE_RATE)) - self._reference_at, 0)
        self._reference = self._reference[:keep]

    def reset(self, room: bool = False) -> None:
        """Forget the reference; with ``room``, also what was learned of the room."""
        self._reference = np.zeros(0, np.int16)
        self._recent.clear()
        if room:
            self._taken_out.clear()
            for part in (self._linear, self._suppressing):
                if part is not None:
                    part.reset()

    def process(self, frame: Frame) -> tuple[Frame, Frame]:
        """The frame with the guide's echo taken out: (for the keyword models, for the rest)."""
        mic = np.frombuffer(frame.pcm, dtype=np.int16)
        if mic.size != FRAME_SAMPLES:
            return frame, frame
        mic = np.ascontiguousarray(mic)
        start = int(round(frame.t * SAMPLE_RATE))
        reference = self._reference_for(start)
        sounding = self._reference_at <= start < self._reference_at + self._reference.size + TAIL
        if not sounding:  # the microphone is heard as it is; the cancellers rest (see TAIL)
            if self._linear is not None:
                self._recent.append((frame.end, _power(mic), 0.0))  # all of it someone's
            return frame, frame
        kept = None
        if self._linear is not None:
            out = self._linear.cancel(mic, reference)
            kept = Frame(out.tobytes(), frame.t)
            played, heard, left = _power(reference), _power(mic), _power(out)
            if played > 1e4 and heard > 1e4:
                self._taken_out.append(10 * np.log10(heard / max(left, 1.0)))
            reduction = float(np.median(self._taken_out)) if len(self._taken_out) >= 10 else 0.0
            removed = _power(mic.astype(np.int32) - out) if sounding else 0.0
            self._recent.append((frame.end, left, removed * 10 ** (-reduction / 10)))
        quiet = None
        if self._suppressing is not None:
            quiet = Frame(self._suppressing.cancel(mic, reference).tobytes(), frame.t)
        return kept or quiet, quiet or kept

    def _reference_for(self, start: int) -> np.ndarray:
        got = np.zeros(FRAME_SAMPLES, np.int16)
        lo = max(start - self._reference_at, 0)
        hi = min(start + FRAME_SAMPLES - self._reference_at, self._reference.size)
        if lo < hi:
            at = self._reference_at + lo - start
            got[at:at + hi - lo] = self._reference[lo:hi]
        return got


def _power(pcm: np.ndarray) -> float:
    x = pcm.astype(np.float64)
    return float(np.dot(x, x) / x.size)


def echo_canceller(enabled: bool, notice: Callable[[str], None]) -> EchoCanceller | None:
    """The cancellers that load here, or None (with one notice) when off or none loads."""
    if not enabled:
        return None
    linear, speex_why = _try(lambda: _Linear(_library()))
    suppressing, webrtc_why = _try(_Suppressing)
    if linear is None and suppressing is None:
        notice(UNAVAILABLE.format(speex=speex_why, webrtc=webrtc_why))
        return None
    return EchoCanceller(linear, suppressing)


def canceller_missing() -> list[str]:
    """What of echo cancellation cannot run here (for `devices`); empty when all can."""
    missing = []
    for name, make in (("libspeexdsp", lambda: _Linear(_library())), ("livekit", _Suppressing)):
        part, why = _try(make)
        if part is None:
            missing.append(f"{name}: {why}")
    return missing


def _try(make: Callable[[], object]) -> tuple[Any, str]:
    try:
        return make(), ""
    except Exception as exc:  # noqa: BLE001 - an import or a native library failing to load
        return None, (str(exc).splitlines() or [type(exc).__name__])[0][:120]
