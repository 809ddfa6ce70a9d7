"""Voice activity: webrtcvad says per frame "speech or not"; a hysteresis decides start and end.

The split follows pipecat: the model only judges single frames, while :class:`SpeechGate` owns
QUIET -> STARTING -> SPEAKING -> STOPPING with audio-time thresholds.
"""

from __future__ import annotations

import enum
from collections import deque
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from voice_attune import FRAME_MS, SAMPLE_RATE
from voice_attune.asr.frames import Frame
from voice_attune.config import VadSettings


class FrameClassifier(Protocol):
    """Answers one question: is this frame speech?"""

    def is_speech(self, frame: Frame) -> bool: ...


class WebRtcClassifier:
    """webrtcvad at a given aggressiveness (0-3), ignoring frames that are all but silent.

    webrtcvad keeps saying "speech" for a few frames after any loud sound (its own hangover);
    a floor on the frame's level keeps a click followed by silence from starting an utterance.
    """

    def __init__(self, aggressiveness: int = 2, floor_rms: float = 60.0):
        import webrtcvad

        self._vad = webrtcvad.Vad(aggressiveness)
        self._floor_sq = floor_rms * floor_rms

    def is_speech(self, frame: Frame) -> bool:
        samples = np.frombuffer(frame.pcm, dtype=np.int16).astype(np.float32)
        if float(np.mean(samples * samples)) < self._floor_sq:
            return False
        return self._vad.is_speech(frame.pcm, SAMPLE_RATE)


class State(enum.Enum):
    QUIET = "quiet"
    STARTING = "starting"
    SPEAKING = "speaking"
    STOPPING = "stopping"


@dataclass(frozen=True)
class Change:
    """A decision of the gate: speech started at ``onset`` or ended at ``offset``."""

    started: bool
    onset: float
    """Audio seconds at the first frame of the speech."""
    offset: float | None = None
    """Audio seconds at the end of the last speech frame (for an end)."""


class SpeechGate:
    """Hysteresis over per-frame decisions: start after enough speech, end after enough silence."""

    def __init__(self, settings: VadSettings, classifier: FrameClassifier | None = None):
        self.settings = settings
        self.classifier = classifier or WebRtcClassifier(settings.aggressiveness)
        self._start_frames = max(1, round(settings.start_ms / FRAME_MS))
        # Speech may have short gaps while starting: look at a slightly longer window.
        self._window = self._start_frames + max(1, self._start_frames // 2)
        self._end_frames = max(1, round(settings.end_silence_ms / FRAME_MS))
        self._recent: deque[tuple[float, bool]] = deque(maxlen=self._window)
        self.state = State.QUIET
        self._onset = 0.0
        self._last_speech_end = 0.0
        self._silent_run = 0

    @property
    def in_speech(self) -> bool:
        """True between a start and its end."""
        return self.state in (State.SPEAKING, State.STOPPING)

    def update(self, frame: Frame) -> Change | None:
        """Judge one frame; return a Change when speech starts or ends."""
        speech = self.classifier.is_speech(frame)
        if not self.in_speech:
            self._recent.append((frame.t, speech))
            voiced = [t for t, s in self._recent if s]
            if len(voiced) >= self._start_frames:
                self.state = State.SPEAKING
                self._onset = voiced[0]
                self._last_speech_end = frame.end
                self._silent_run = 0
                self._recent.clear()
                return Change(True, self._onset)
            self.state = State.STARTING if voiced else State.QUIET
            return None
        if speech:
            self.state = State.SPEAKING
            self._last_speech_end = frame.end
            self._silent_run = 0
            return None
        self.state = State.STOPPING
        self._silent_run += 1
        if self._silent_run >= self._end_frames:
            self.state = State.QUIET
            return Change(False, self._onset, self._last_speech_end)
        return None

    def close(self, t: float) -> Change | None:
        """End of audio: close speech that is still going."""
        if self.in_speech:
            self.state = State.QUIET
            return Change(False, self._onset, self._last_speech_end)
        return None


def frames_for_ms(ms: int) -> int:
    """Whole frames in ``ms`` milliseconds."""
    return max(0, round(ms / FRAME_MS))


__all__ = ["Change", "FrameClassifier", "SpeechGate", "State", "WebRtcClassifier", "frames_for_ms"]
