"""A Wyoming speech-to-text service around voice-attune's PocketSphinx engine, offline.

    python -m voice_attune.wyoming_stt_server --uri tcp://0.0.0.0:10300

Any Wyoming client can use it (Home Assistant, or voice-attune's ``recognizer: {engine:
wyoming}``): Describe is answered with what it is; Transcribe, AudioStart, AudioChunk...,
AudioStop with one Transcript, after which the connection closes, as wyoming-faster-whisper's
does. Audio in any rate, width or channel count is converted to 16 kHz mono 16-bit first.
It transcribes one utterance at a time: PocketSphinx keeps a core busy while it decodes.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import threading
from functools import partial
from typing import Any, Sequence

import numpy as np

from voice_attune import SAMPLE_RATE, __version__
from voice_attune.asr.frames import frames_from_array

log = logging.getLogger("voice_attune.wyoming_stt_server")

DEFAULT_URI = "tcp://127.0.0.1:10300"


class SphinxTranscriber:
    """One PocketSphinx transcriber, used by one request at a time."""

    def __init__(self) -> None:
        from voice_attune.asr.sphinx_engine import SphinxEngine

        self.engine = SphinxEngine()
        self._recognizer = self.engine.transcriber()
        self._recognizer.partials = False
        self._lock = threading.Lock()

    def words(self, pcm: bytes) -> str:
        """The words of 16 kHz mono int16 audio."""
        with self._lock:
            self._recognizer.reset()
            for frame in frames_from_array(np.frombuffer(pcm, dtype="<i2")):
                self._recognizer.accept(frame)
            hyp = self._recognizer.flush()
        return hyp.text if hyp is not None else ""


def describe(transcriber: SphinxTranscriber) -> Any:
    """The Info this service answers Describe with."""
    from wyoming.info import AsrModel, AsrProgram, Attribution, Info

    made_by = Attribution(name="CMU Sphinx", url="https://cmusphinx.github.io")
    model = AsrModel(name="en-us", attribution=made_by, installed=True, version=None,
                     description=transcriber.engine.model, languages=["en"])
    program = AsrProgram(name="voice-attune-pocketsphinx", attribution=made_by, installed=True,
                         version=__version__, description="PocketSphinx through voice-attune, offline",
                         models=[model])
    return Info(asr=[program])


def handler_class() -> type:
    """The event handler (its base class comes from the wyoming package, imported late)."""
    from wyoming.asr import Transcribe, Transcript
    from wyoming.audio import AudioChunk, AudioChunkConverter, AudioStart, AudioStop
    from wyoming.error import Error
    from wyoming.info import Describe
    from wyoming.server import AsyncEventHandler

    class SphinxHandler(AsyncEventHandler):
        """One client's connection."""

        def __init__(self, transcriber: SphinxTranscriber, info: Any, *args: Any, **kwargs: Any):
            super().__init__(*args, **kwargs)
            self.transcriber = transcriber
            self.info = info
            self.converter = AudioChunkConverter(rate=SAMPLE_RATE, width=2, channels=1)
            self.audio: list[bytes] = []

        async def handle_event(self, event: Any) -> bool:
            if Describe.is_type(event.type):
                await self.write_event(self.info.event())
                return True
            if Transcribe.is_type(event.type) or AudioStart.is_type(event.type):
                self.audio = []
                return True
            if AudioChunk.is_type(event.type):
                self.audio.append(self.converter.convert(AudioChunk.from_event(event)).audio)
                return True
            if AudioStop.is_type(event.type):
                pcm = b"".join(self.audio)
                self.audio = []
                try:
                    text = await asyncio.get_running_loop().run_in_executor(None, self.transcriber.words, pcm)
                except Exception as exc:  # noqa: BLE001 - the client hears why, the service goes on
                    log.exception("transcribing failed")
                    await self.write_event(Error(text=str(exc), code=type(exc).__name__).event())
                    return False
                # How much, never what: the words are the couple's and stay out of every log.
                log.info("%.1f s of audio: %d words", len(pcm) / 2 / SAMPLE_RATE, len(text.split()))
                await self.write_event(Transcript(text=text).event())
                return False  # one transcript per connection
            return True

    return SphinxHandler


async def serve(uri: str, ready: Any = None) -> None:
    """Serve until cancelled; ``ready`` (an asyncio.Event or threading.Event) is set once listening."""
    from wyoming.server import AsyncServer

    transcriber = SphinxTranscriber()
    server = AsyncServer.from_uri(uri)
    handler = partial(handler_class(), transcriber, describe(transcriber))
    await server.start(handler)
    log.info("Ready: %s", uri)
    if ready is not None:
        ready.set()
    try:
        await asyncio.Event().wait()
    finally:
        await server.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m voice_attune.wyoming_stt_server",
        description="A Wyoming speech-to-text service: PocketSphinx's en-us model, offline.",
    )
    parser.add_argument("--uri", default=DEFAULT_URI, help=f"where to listen, tcp://HOST:PORT (default {DEFAULT_URI})")
    parser.add_argument("--debug", action="store_true", help="log every event")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.INFO,
                        format="%(levelname)s:%(name)s:%(message)s", stream=sys.stderr)
    from voice_attune.config.wyoming import parse_uri
    from voice_attune.wyoming.link import installed

    try:
        parse_uri(args.uri)
    except ValueError as exc:
        parser.error(str(exc))
    if not installed():
        parser.error("the wyoming package is missing: pip install 'voice-attune[wyoming]'")
    try:
        asyncio.run(serve(args.uri))
    except KeyboardInterrupt:
        pass
    except OSError as exc:  # the port is taken, the address is not this computer's
        print(f"{parser.prog}: cannot listen on {args.uri}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
