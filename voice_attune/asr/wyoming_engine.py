"""Words from a Wyoming speech-to-text service (a home server's Whisper, say), safety at home.

Each utterance the listener closes is sent to the service for its words; everything that must
be quick or must not fail stays with the local engine: partial words, the pause word, commands,
the expected answers and the care words. The service's answer arrives when it arrives (see
asr/later_words.py); if it fails, the local recognizer's words stand, with one notice.
"""

from __future__ import annotations

from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Callable, Sequence

from voice_attune.asr.frames import Frame
from voice_attune.asr.recognizer import Hypothesis, Recognizer, SpeechModel
from voice_attune.config import Config
from voice_attune.wyoming import exchanges, link
from voice_attune.wyoming.link import Service, ServiceError
from voice_attune.wyoming.outage import Outage

INSTEAD = "the local recognizer's words stand in until it answers again"


def stt_service(config: Config) -> Service:
    """The configured speech-to-text service."""
    r = config.recognizer
    assert r.uri is not None  # the settings refuse engine: wyoming without a uri
    return Service(r.uri, "speech-to-text", "recognizer.uri", r.connect_timeout_s, r.reply_timeout_s)


class LaterText:
    """One utterance's words on their way back from the service."""

    def __init__(self, future: "Future[str]", service: Service, outage: Outage):
        self._future = future
        self._service = service
        self._outage = outage
        self._text: str | None = None
        self._settled = False

    def ready(self) -> bool:
        return self._future.done()

    def text(self) -> str | None:
        """The service's words, waiting for them if need be (never longer than the timeouts
        allow); None when it failed, which the outage hears of (and says once)."""
        if not self._settled:
            self._settled = True
            s = self._service
            try:
                # The exchange ends itself by its timeouts; the margin only covers a stuck loop.
                self._text = self._future.result(timeout=s.connect_timeout_s + s.reply_timeout_s + 2.0)
                self._outage.answered()
            except FutureTimeout:
                self._future.cancel()
                self._outage.failed(s.error(f"did not answer within {s.reply_timeout_s:g} s"))
            except ServiceError as exc:
                self._outage.failed(exc)
        return self._text


class WyomingEngine:
    """A SpeechModel: the local engine for everything but each utterance's final words."""

    name = "wyoming"

    def __init__(self, local: SpeechModel, service: Service, notice: Callable[[str], None],
                 language: str | None = None):
        link.require(service)
        self.local = local
        self.service = service
        self.language = language
        self.model = f"{service.uri}, with {local.name} here for the pause word and commands"
        self.outage = Outage(notice, INSTEAD)

    def transcriber(self) -> "WyomingTranscriber":
        return WyomingTranscriber(self.local.transcriber(), self)

    def phrase_spotter(self, pause: Sequence[str], commands: Sequence[str], sensitivity: float,
                       barge: Sequence[str] = (), backed: Sequence[str] = ()) -> Recognizer | None:
        return self.local.phrase_spotter(pause, commands, sensitivity, barge=barge, backed=backed)

    def answer_recognizer(self, extra: Sequence[str]) -> Recognizer | None:
        make = getattr(self.local, "answer_recognizer", None)
        return make(extra) if make is not None else None

    def knows(self, word: str) -> bool:
        return self.local.knows(word)

    def send(self, pcm: bytes) -> LaterText:
        """Ask the service for the words of ``pcm`` (16 kHz mono int16), without waiting."""
        service, language = self.service, self.language
        future = link.start(service, lambda client: exchanges.transcribe(service, client, pcm, language))
        return LaterText(future, service, self.outage)

    def check(self) -> str:
        """What the service says it is; a ServiceError when it does not answer as a
        speech-to-text service should."""
        return describe_stt(self.service)


def describe_stt(service: Service) -> str:
    """"pocketsphinx (en)": the service's speech-to-text programs, or a ServiceError."""
    info = link.call(service, lambda client: exchanges.describe(service, client))
    programs = [p for p in info.asr if p.installed]
    if not programs:
        offers = "text-to-speech" if info.tts else "nothing"
        raise service.error(f"answers, but offers no speech-to-text ({offers})")
    return ", ".join(f"{p.name} ({', '.join(sorted({lang for m in p.models for lang in m.languages})) or '?'})"
                     for p in programs)


class WyomingTranscriber:
    """The local transcriber, keeping each utterance's audio for the service."""

    def __init__(self, local: Recognizer, engine: WyomingEngine):
        self.local = local
        self._engine = engine
        self._pcm: list[bytes] = []
        self._utterance: bytes = b""

    @property
    def partials(self) -> bool:
        return bool(getattr(self.local, "partials", True))

    @partials.setter
    def partials(self, value: bool) -> None:
        if hasattr(self.local, "partials"):
            self.local.partials = value

    def accept(self, frame: Frame) -> Hypothesis | None:
        self._pcm.append(frame.pcm)
        return self.local.accept(frame)

    def flush(self) -> Hypothesis | None:
        """The local words of the utterance; its audio waits for ``send``."""
        self._utterance = b"".join(self._pcm)
        self._pcm = []
        return self.local.flush()

    def send(self) -> LaterText | None:
        """Send the utterance just flushed to the service (None: there was no audio)."""
        pcm, self._utterance = self._utterance, b""
        return self._engine.send(pcm) if pcm else None

    def reset(self) -> None:
        self._pcm = []
        self._utterance = b""
        self.local.reset()
