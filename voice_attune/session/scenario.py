"""Scenario files: the simulated partners of `voice-attune simulate` (DESIGN.md, "Contract: scenario files").

    partners: {A: Sam, B: Alex}      # optional, overrides config
    voice: en-us                     # default voice for `say`: an espeak-ng voice, or "piper"
    echo: 0.3                        # how loud the assistant's own voice leaks into the microphone; or
                                     # the full form {gain: 0.5, delay_ms: 30, reverb_ms: 250}
    noise: {kind: pink, snr_db: 20}  # optional background: steady noise (white, pink, brown), or
                                     # talk (babble: four people; talker: one voice, a radio)
    replies:                         # one entry each time the assistant waits for someone, in order
      - [{silence: 0.8}, {say: "I feel tired but okay", voice: en-us+f3}, {silence: 2.5}]
      - [{wav: clips/mirror.wav}]    # paths relative to the scenario file
    barge_in:                        # spoken while the assistant is talking
      - {during_say: 3, at: 1.2, say: "pineapple"}

The truth of a simulation comes from here: what was said, by which voice, and when.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import yaml

from voice_attune import SAMPLE_RATE, schema
from voice_attune.config import Partners
from voice_attune.errors import UserError
from voice_attune.yamlio import compose_file


@dataclass(frozen=True)
class Segment:
    """One piece of a reply: silence, synthesized speech, or a recorded clip."""

    silence: float | None = None
    """Seconds of silence."""
    say: str | None = None
    """Words to synthesize."""
    voice: str | None = None
    """Voice for `say` (default: the scenario's voice)."""
    speed: int | None = None
    """Words per minute for `say` (default 160)."""
    wav: str | None = None
    """A WAV clip, relative to the scenario file."""
    gain: float = 1.0
    """Loudness of this piece relative to as rendered."""

    def __post_init__(self) -> None:
        given = [k for k in ("silence", "say", "wav") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("each piece is exactly one of silence, say or wav"
                             + (f" (this one has {', '.join(given)})" if given else ""))
        if self.silence is not None and not 0 <= self.silence <= 3600:
            raise ValueError(f"silence is {self.silence}; use 0 to 3600 seconds")
        if (self.voice is not None or self.speed is not None) and self.say is None:
            raise ValueError("voice and speed go with say")
        if self.speed is not None and not 60 <= self.speed <= 400:
            raise ValueError(f"speed is {self.speed}; use 60 to 400 words a minute")
        if not 0 < self.gain <= 10:
            raise ValueError(f"gain is {self.gain}; use a number above 0, at most 10")


@dataclass(frozen=True)
class Noise:
    """Background noise or talk under everything."""

    kind: Literal["white", "pink", "brown", "babble", "talker"] = "pink"
    """Steady noise (white, pink, brown), or talk: ``babble`` (four people chatting) or
    ``talker`` (one voice, as from a radio in the next room; synthetic/background.py)."""
    snr_db: float = 20.0
    """Signal-to-noise ratio in decibels, measured over the voiced parts."""

    def __post_init__(self) -> None:
        if not -10 <= self.snr_db <= 80:
            raise ValueError(f"snr_db is {self.snr_db}; use -10 to 80")


@dataclass(frozen=True)
class Echo:
    """The guide's voice as the microphone hears it: from a small speaker pushed a little too
    hard (slightly clipped), after ``delay_ms`` (the sound devices' buffers and the distance),
    with the room's reverberation."""

    gain: float = 0.3
    """0 (none) to 2: its level in the microphone, relative to as played."""
    delay_ms: float = 30.0
    reverb_ms: float = 250.0
    """The room's RT60: how long its reverberation takes to fall by 60 dB."""

    def __post_init__(self) -> None:
        if not 0 <= self.gain <= 2:
            raise ValueError(f"gain is {self.gain}; use 0 (none) to 2")
        if not 0 <= self.delay_ms <= 1000:
            raise ValueError(f"delay_ms is {self.delay_ms}; use 0 to 1000")
        if not 0 <= self.reverb_ms <= 2000:
            raise ValueError(f"reverb_ms is {self.reverb_ms}; use 0 to 2000")


@dataclass(frozen=True)
class BargeIn:
    """Words spoken while the assistant talks."""

    during_say: int
    """Which prompt, counting from 1."""
    at: float
    """Seconds into that prompt."""
    say: str
    voice: str | None = None

    def __post_init__(self) -> None:
        if self.during_say < 1:
            raise ValueError(f"during_say is {self.during_say}; prompts count from 1")
        if self.at < 0:
            raise ValueError(f"at is {self.at}; use seconds from the start of the prompt")


@dataclass(frozen=True)
class Scenario:
    """Simulated partners for one session."""

    partners: Partners | None = None
    voice: str = "en-us"
    echo: Echo | float = Echo()
    """The guide's voice in the microphone. A number is its gain (0 to 2) in a usual room:
    30 ms late, reverberating for 250 ms (kept as an Echo)."""
    noise: Noise | None = None
    replies: tuple[tuple[Segment, ...], ...] = ()
    barge_in: tuple[BargeIn, ...] = ()
    base_dir: str = "."
    """Folder that wav paths are relative to (the scenario file's own)."""

    def __post_init__(self) -> None:
        if not isinstance(self.echo, Echo):
            if not 0 <= self.echo <= 2:
                raise ValueError(f"echo is {self.echo}; use 0 (none) to 2")
            object.__setattr__(self, "echo", Echo(gain=float(self.echo)))


def load_scenario(path: str | Path) -> Scenario:
    """Read and check a scenario file; wav clips must exist (named with the line that uses them)."""
    node = compose_file(path)
    scenario = schema.build(Scenario, node, str(path))
    base = Path(path).resolve().parent
    _check_clips(node, scenario, base, str(path))
    return Scenario(scenario.partners, scenario.voice, scenario.echo, scenario.noise,
                    scenario.replies, scenario.barge_in, str(base))


def _check_clips(node, scenario: Scenario, base: Path, name: str) -> None:
    from voice_attune.yamlio import line_of

    if not scenario.replies or not isinstance(node, yaml.MappingNode):
        return  # an empty file is a scenario of silent partners
    replies_node = next((v for k, v in node.value if k.value == "replies"), None)
    for i, reply in enumerate(scenario.replies):
        for j, segment in enumerate(reply):
            if segment.wav is not None and not (base / segment.wav).is_file():
                piece = replies_node.value[i].value[j]
                raise UserError(f"no such clip: {segment.wav}", name, line_of(piece))


def render_reply(scenario: Scenario, reply: tuple[Segment, ...]) -> np.ndarray:
    """A reply as 16 kHz mono int16 audio, piece by piece."""
    from voice_attune.synthetic.compose import trim
    from voice_attune.synthetic.speech import synthesize

    parts = []
    for segment in reply:
        if segment.silence is not None:
            audio = np.zeros(int(round(segment.silence * SAMPLE_RATE)), np.int16)
        elif segment.say is not None:
            audio = trim(synthesize(segment.say, segment.voice or scenario.voice, segment.speed or 160))
        else:
            audio = _read_clip(Path(scenario.base_dir) / str(segment.wav))
        if segment.gain != 1.0:
            audio = np.clip(audio.astype(np.float32) * segment.gain, -32768, 32767).astype(np.int16)
        parts.append(audio)
    return np.concatenate(parts) if parts else np.zeros(0, np.int16)


def _read_clip(path: Path) -> np.ndarray:
    from voice_attune.asr.audiofile import AudioFileSource

    return np.frombuffer(b"".join(f.pcm for f in AudioFileSource(path).frames()), dtype=np.int16)
