"""The three things voice-attune asks of a Wyoming service, each on a connection of its own.

describe: Describe -> Info (what it offers).
transcribe: Transcribe, AudioStart, AudioChunk..., AudioStop -> Transcript.
synthesize: Synthesize -> AudioStart, AudioChunk..., AudioStop.
Each is a coroutine over a connected client (see link.start and link.call); an answer that is
not what was asked for becomes a ServiceError saying what came instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from voice_attune import SAMPLE_RATE
from voice_attune.wyoming.link import Service

CHUNK_SAMPLES = 1600
"""Samples per AudioChunk sent to a speech-to-text service: 100 ms at 16 kHz."""
MAX_PROMPT_S = 600.0
"""Seconds of audio one prompt may bring; a service sending more is sending nonsense."""
RATES = (8000, 96000)
"""Hertz: the sample rates a text-to-speech service may answer in (resampled to 16 kHz)."""


@dataclass(frozen=True)
class Spoken:
    """A text-to-speech service's audio as it sent it."""

    pcm: np.ndarray
    """int16 samples, mono (a stereo answer is mixed down)."""
    rate: int
    """Hertz."""


async def describe(service: Service, client: Any) -> Any:
    """The service's wyoming.info.Info."""
    from wyoming.info import Describe, Info

    await client.write_event(Describe().event())
    while True:
        event = await _next(service, client)
        if Info.is_type(event.type):
            return Info.from_event(event)
        _refuse(service, event, "its description")


async def transcribe(service: Service, client: Any, pcm: bytes, language: str | None = None) -> str:
    """The words of one utterance (16 kHz mono int16 ``pcm``)."""
    from wyoming.asr import Transcribe, Transcript
    from wyoming.audio import AudioChunk, AudioStart, AudioStop

    await client.write_event(Transcribe(language=language).event())
    await client.write_event(AudioStart(rate=SAMPLE_RATE, width=2, channels=1).event())
    step = CHUNK_SAMPLES * 2
    for i in range(0, len(pcm), step):
        await client.write_event(AudioChunk(rate=SAMPLE_RATE, width=2, channels=1, audio=pcm[i:i + step]).event())
    await client.write_event(AudioStop().event())
    while True:
        event = await _next(service, client)
        if Transcript.is_type(event.type):
            return str(Transcript.from_event(event).text or "").strip()
        if event.type in ("transcript-start", "transcript-chunk", "transcript-stop"):
            continue  # a streaming service: its whole transcript still comes at the end
        _refuse(service, event, "a transcript")


async def synthesize(service: Service, client: Any, text: str, voice: str | None = None) -> Spoken:
    """``text`` spoken by the service (in ``voice``, or its default one)."""
    from wyoming.audio import AudioChunk, AudioStart, AudioStop
    from wyoming.tts import Synthesize, SynthesizeVoice

    await client.write_event(Synthesize(text, voice=SynthesizeVoice(name=voice) if voice else None).event())
    form: tuple[int, int, int] | None = None
    parts: list[bytes] = []
    size = 0
    while True:
        event = await _next(service, client)
        if AudioStart.is_type(event.type) or AudioChunk.is_type(event.type):
            data = event.data
            this = (int(data.get("rate", 0)), int(data.get("width", 0)), int(data.get("channels", 0)))
            if form is None:
                form = _usable(service, *this)
            elif this != form:
                raise service.error(f"changed its audio format in the middle of a prompt ({_say(*form)}, "
                                    f"then {_say(*this)})")
            if event.payload:
                parts.append(event.payload)
                size += len(event.payload)
                if size > MAX_PROMPT_S * form[0] * form[1] * form[2]:
                    raise service.error(f"sent more than {MAX_PROMPT_S / 60:.0f} minutes of audio for one prompt")
        elif AudioStop.is_type(event.type):
            break
        elif event.type == "synthesize-stopped":
            continue
        else:
            _refuse(service, event, "audio")
    if form is None:
        raise service.error("answered with no audio at all")
    rate, width, channels = form
    pcm = np.frombuffer(b"".join(parts), dtype="<i2")
    pcm = pcm[: pcm.size - pcm.size % channels]
    if channels == 2:
        pcm = pcm.reshape(-1, 2).mean(axis=1).astype(np.int16)
    return Spoken(pcm.astype(np.int16, copy=False), rate)


async def _next(service: Service, client: Any) -> Any:
    event = await client.read_event()
    if event is None:  # the connection closed, or what came was not Wyoming's JSON lines
        raise service.error("closed the connection without a Wyoming answer (is it a Wyoming service?)")
    return event


def _refuse(service: Service, event: Any, wanted: str) -> None:
    """Raise the error an unexpected answer deserves; return for harmless chatter."""
    if event.type == "error":
        said = (str(event.data.get("text") or event.data.get("code") or "").strip().splitlines() or ["no reason"])[0]
        raise service.error(f"answered with an error: {said}")
    if event.type in ("ping", "pong"):
        return
    other = "text-to-speech" if event.type.startswith("audio") else "speech-to-text"
    hint = f" (is it a {other} service?)" if event.type.startswith(("audio", "transcript")) else ""
    raise service.error(f"answered '{event.type}' where {wanted} was expected{hint}")


def _usable(service: Service, rate: int, width: int, channels: int) -> tuple[int, int, int]:
    if width == 2 and channels in (1, 2) and RATES[0] <= rate <= RATES[1]:
        return rate, width, channels
    raise service.error(f"answered in an audio format voice-attune cannot play ({_say(rate, width, channels)}); "
                        "it takes 16-bit mono or stereo at 8-96 kHz")


def _say(rate: int, width: int, channels: int) -> str:
    return f"{rate} Hz, {8 * width}-bit, {channels} channel{'s' if channels != 1 else ''}"
