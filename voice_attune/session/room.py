"""The simulated room of `voice-attune simulate`: partners from a scenario, echo, noise.

It is an AudioSource. Each time the guide opens the microphone for someone (a ``Listen``
action) the next reply of the scenario starts; a reply still sounding stops there, as a person
stops when asked something new. Barge-ins are placed inside the prompts they name. The guide's
own voice leaks back in as the scenario's echo (late, reverberating, a little clipped), and
steady noise or talk in the background (babble, a radio) lies under everything.
The room remembers what it placed where: that is the truth benchmarks and tests check against.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np

from voice_attune import FRAME_SAMPLES, SAMPLE_RATE
from voice_attune.asr.frames import Frame
from voice_attune.keywords.augment import room_response
from voice_attune.session.scenario import Echo, Scenario, Segment, render_reply
from voice_attune.synthetic import background
from voice_attune.synthetic.compose import noise as make_noise
from voice_attune.voice.player import RecordingPlayer

REFERENCE_RMS = 3000.0
"""Speech level (int16 RMS over voiced parts) that a scenario's snr_db is measured against."""
_NOISE_LOOP_S = 13.0
_TALK_LOOP_S = 30.0
SPEAKER_KNEE, SPEAKER_LIMIT = 18000.0, 24000.0
"""The simulated speaker flattens the guide's loudest peaks: linear up to the knee, then
softly towards the limit (int16 units): -38 dB of distortion on a Piper prompt peaking at 26000."""


@dataclass
class Spoken:
    """One stretch of a simulated partner's speech, as placed in the room."""

    start: float
    end: float
    text: str
    partner: str | None
    """"A", "B", or None when the guide had asked either of them."""
    kind: str
    """"reply" or "barge_in"."""


@dataclass
class _Track:
    start: int
    pcm: np.ndarray
    spoken: list[Spoken]
    cut: int | None = None

    @property
    def end(self) -> int:
        return self.start + self.pcm.size if self.cut is None else min(self.cut, self.start + self.pcm.size)


class SimulatedRoom:
    """The microphone of a simulated session: replies, barge-ins, the guide's echo, noise."""

    def __init__(self, scenario: Scenario, player: RecordingPlayer, max_seconds: float = 4 * 3600,
                 keep_audio: bool = False):
        self.scenario = scenario
        self.player = player
        self.max_seconds = max_seconds
        self.truth: list[Spoken] = []
        self.replies_used = 0
        self._tracks: list[_Track] = []
        self._reply: _Track | None = None
        self._says = 0
        self._keep = keep_audio
        self._room: list[np.ndarray] = []
        self._noise = self._make_noise()
        self._rendered: dict[tuple, np.ndarray] = {}

    def prepare(self) -> None:
        """Synthesize every reply and barge-in now, so the session itself runs at full speed."""
        for reply in self.scenario.replies:
            for segment in reply:
                self._render(segment)
        for barge in self.scenario.barge_in:
            self._render(Segment(say=barge.say, voice=barge.voice))

    # -- what the session tells the room ---------------------------------------------------

    def on_listen(self, t: float, partner: str | None) -> None:
        """The guide waits for someone: the next reply starts now."""
        at = _samples(t)
        if self._reply is not None and self._reply.end > at:
            self._cut(self._reply, at)
        if self.replies_used >= len(self.scenario.replies):
            self._reply = None
            return
        reply = self.scenario.replies[self.replies_used]
        self.replies_used += 1
        self._reply = self._place(at, reply, partner, "reply")

    def on_say(self, t: float) -> None:
        """The guide began a prompt: barge-ins meant for it are placed inside it."""
        self._says += 1
        for barge in self.scenario.barge_in:
            if barge.during_say == self._says:
                segment = Segment(say=barge.say, voice=barge.voice)
                self._place(_samples(t + barge.at), (segment,), None, "barge_in")

    # -- the microphone ---------------------------------------------------------------------

    def frames(self) -> Iterator[Frame]:
        n = 0
        limit = _samples(self.max_seconds)
        echo = EchoPath(self.scenario.echo)
        while n < limit:
            t = n / SAMPLE_RATE
            voices = self._mix(n, n + FRAME_SAMPLES)
            guide = self.player.audio(t, t + FRAME_SAMPLES / SAMPLE_RATE).astype(np.float32)
            noise = self._noise_at(n)
            mic = voices + echo.hear(guide) + noise
            if self._keep:
                self._room.append(np.clip(voices + guide + noise, -32768, 32767).astype(np.int16))
            pcm = np.clip(np.round(mic), -32768, 32767).astype(np.int16)
            yield Frame(pcm.tobytes(), t)
            n += FRAME_SAMPLES

    def recording(self) -> np.ndarray:
        """The whole room at full level (partners, the guide, noise), if kept."""
        return np.concatenate(self._room) if self._room else np.zeros(0, np.int16)

    # -- inside ------------------------------------------------------------------------------

    def _place(self, at: int, reply: tuple[Segment, ...], partner: str | None, kind: str) -> _Track:
        parts, spoken, pos = [], [], at
        for segment in reply:
            audio = self._render(segment)
            if segment.silence is None and audio.size:
                text = segment.say if segment.say is not None else f"[{segment.wav}]"
                spoken.append(Spoken(pos / SAMPLE_RATE, (pos + audio.size) / SAMPLE_RATE, text, partner, kind))
            parts.append(audio)
            pos += audio.size
        pcm = np.concatenate(parts) if parts else np.zeros(0, np.int16)
        track = _Track(at, pcm, spoken)
        self._tracks.append(track)
        self.truth.extend(spoken)
        return track

    def _render(self, segment: Segment) -> np.ndarray:
        key = (segment.silence, segment.say, segment.voice, segment.speed, segment.wav, segment.gain)
        if key not in self._rendered:
            self._rendered[key] = render_reply(self.scenario, (segment,))
        return self._rendered[key]

    def _cut(self, track: _Track, at: int) -> None:
        track.cut = at
        t = at / SAMPLE_RATE
        for piece in list(track.spoken):
            if piece.start >= t:
                self.truth.remove(piece)
                track.spoken.remove(piece)
            elif piece.end > t:
                piece.end = t

    def _mix(self, a: int, b: int) -> np.ndarray:
        out = np.zeros(b - a, np.float32)
        self._tracks = [tr for tr in self._tracks if tr.end > a]
        for tr in self._tracks:
            lo, hi = max(a, tr.start), min(b, tr.end)
            if lo < hi:
                out[lo - a:hi - a] += tr.pcm[lo - tr.start:hi - tr.start]
        return out

    def _make_noise(self) -> np.ndarray | None:
        spec = self.scenario.noise
        if spec is None:
            return None
        if spec.kind in background.KINDS:
            loop = background.talk(spec.kind, _TALK_LOOP_S)
        else:
            loop = make_noise(spec.kind, int(_NOISE_LOOP_S * SAMPLE_RATE), np.random.default_rng(7))
        rms = float(np.sqrt(np.mean(loop.astype(np.float64) ** 2))) or 1.0
        return (loop / rms * REFERENCE_RMS / 10 ** (spec.snr_db / 20)).astype(np.float32)

    def _noise_at(self, n: int) -> np.ndarray | float:
        if self._noise is None:
            return 0.0
        size = self._noise.size
        idx = (np.arange(n, n + FRAME_SAMPLES)) % size
        return self._noise[idx]


class EchoPath:
    """The way from the guide's speaker to the microphone, one frame at a time: the speaker
    flattens loud peaks a little, then the sound arrives late, reverberates and is quieter."""

    def __init__(self, echo: Echo, seed: int = 11):
        self.gain = echo.gain
        self._h = room_response(np.random.default_rng(seed), echo.reverb_ms, echo.delay_ms)
        self._tail = np.zeros(self._h.size - 1, np.float32)
        # what earlier frames still send into the coming ones
        n = FRAME_SAMPLES + self._h.size - 1
        self._size = 1 << (n - 1).bit_length()
        self._spectrum = np.fft.rfft(self._h, self._size)

    def hear(self, played: np.ndarray) -> np.ndarray:
        """The echo in the microphone during the frame in which ``played`` went out."""
        n = played.size
        if self.gain == 0:
            return np.zeros(n, np.float32)
        if not played.any():
            if not self._tail.any():
                return np.zeros(n, np.float32)
            y = np.zeros(n + self._tail.size, np.float32)
        else:
            sound = _speaker(played)
            spectrum = np.fft.rfft(sound, self._size) * self._spectrum
            y = np.fft.irfft(spectrum, self._size)[: n + self._tail.size].astype(np.float32)
        y[: self._tail.size] += self._tail
        self._tail = y[n:].copy()
        return y[:n] * self.gain


def _samples(t: float) -> int:
    return int(round(t * SAMPLE_RATE))


def _speaker(x: np.ndarray) -> np.ndarray:
    over = np.abs(x) > SPEAKER_KNEE
    if not over.any():
        return x
    y = x.astype(np.float32).copy()
    room = SPEAKER_LIMIT - SPEAKER_KNEE
    y[over] = np.sign(x[over]) * (SPEAKER_KNEE + room * np.tanh((np.abs(x[over]) - SPEAKER_KNEE) / room))
    return y


def guide_heard(listener: Any, pcm: np.ndarray, path: EchoPath, t: float, partner: np.ndarray | None = None,
                partner_at: float = 0.0, after_s: float = 1.0, noise: np.ndarray | None = None) -> list[Any]:
    """The guide plays ``pcm`` at audio time ``t`` into a room with ``path`` as its echo, while
    ``partner`` (if any) speaks from ``partner_at`` seconds into it and ``noise`` (as long as
    the prompt and ``after_s``) lies under both; ``listener`` hears it as in a session, and is
    reset after. Returns its events; benchmarks and tests of the echo use this."""
    n = -(-(pcm.size + int(after_s * SAMPLE_RATE)) // FRAME_SAMPLES) * FRAME_SAMPLES
    played = np.zeros(n, np.float32)
    played[: pcm.size] = pcm
    near = np.zeros(n, np.float32) if noise is None else noise[:n].astype(np.float32).copy()
    if partner is not None:
        at = int(partner_at * SAMPLE_RATE)
        piece = partner[: max(n - at, 0)]
        near[at:at + piece.size] += piece
    listener.guide_plays(pcm, t)
    listener.guide_speaking = True
    events: list[Any] = []
    for i in range(0, n, FRAME_SAMPLES):
        if i >= pcm.size and listener.guide_speaking:
            listener.guide_speaking = False
        mic = path.hear(played[i:i + FRAME_SAMPLES]) + near[i:i + FRAME_SAMPLES]
        pcm16 = np.clip(np.round(mic), -32768, 32767).astype(np.int16)
        events.extend(listener.feed(Frame(pcm16.tobytes(), t + i / SAMPLE_RATE)))
    listener.guide_speaking = False
    events.extend(listener.reset())
    return events
