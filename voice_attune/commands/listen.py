"""`voice-attune listen`: the listening pipeline alone, over a WAV file or the microphone."""

from __future__ import annotations

import argparse
import sys
import time
from contextlib import ExitStack
from typing import Iterable

from voice_attune.asr.engines import open_engine
from voice_attune.asr.frames import Frame
from voice_attune.asr.listener import build_listener
from voice_attune.config import Config
from voice_attune.errors import UserError
from voice_attune.events import Event, EventLog, Final, Partial, SpeechEnd, SpeechStart, Spotted


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "listen",
        help="hear a recording or the microphone: speech, words, pause word, commands",
        description=(
            "Run the listening pipeline alone: voice activity, offline recognition and the "
            "spotter for the pause word and commands. Over a file it runs as fast as the CPU "
            "allows; without --audio it listens to the microphone until Ctrl+C."
        ),
    )
    p.add_argument("--audio", metavar="FILE.wav", help="a WAV recording (any rate, channels, width)")
    p.add_argument("--events", metavar="OUT.jsonl", help="also write JSON-lines events to this file")
    p.add_argument("--engine", choices=("auto", "vosk", "pocketsphinx"), help="recognizer (default: config)")
    p.add_argument("--pause-word", action="append", metavar="WORD", help="pause word (repeatable)")
    p.add_argument("--partials", action="store_true", help="also show and log partial transcripts")
    p.add_argument("--quiet", action="store_true", help="no lines on the terminal")
    return p


def run(args: argparse.Namespace, config: Config) -> int:
    if args.pause_word:
        import dataclasses

        try:
            config = dataclasses.replace(config, pause_words=tuple(args.pause_word))
        except ValueError as exc:
            raise UserError(str(exc)) from None
    if args.audio:
        from voice_attune.asr.audiofile import AudioFileSource

        source = AudioFileSource(args.audio)  # reads the header now: bad files fail before loading models
        frames: Iterable[Frame] = source.frames()
    else:
        from voice_attune.asr.mic import MicrophoneSource

        source = MicrophoneSource(config.audio.input_device)
        frames = source.frames()
    out = None if args.quiet else sys.stdout
    engine = open_engine(config, args.engine, notice=lambda m: print(m, file=sys.stderr))
    if hasattr(engine, "check"):
        engine.check()  # a speech-to-text service that does not answer is said now, in one line
    listener = build_listener(config, engine, partials=args.partials, notice=lambda m: print(m, file=sys.stderr),
                              live=not args.audio)
    with ExitStack() as stack:
        log = EventLog.to_file(args.events, stack)
        if out and not args.audio:
            print(f"Listening on the microphone with {engine.name}. Say '{config.pause_words[0]}' "
                  "to test the pause word; Ctrl+C to stop.", file=out)
        started = time.process_time()
        for event in listener.run(frames):
            log.write([event])
            if out:
                line = describe(event)
                if line:
                    print(line, file=out, flush=True)
        if out and args.audio:
            cpu = time.process_time() - started
            audio_s = listener.now
            print(f"-- {audio_s:.1f} s of audio heard in {cpu:.1f} s of CPU "
                  f"({engine.name}, {audio_s / max(cpu, 1e-6):.0f}x real time)", file=out)
    return 0


def describe(event: Event) -> str | None:
    """One readable terminal line for a listening event."""
    stamp = f"{event.t:7.2f}s"
    if isinstance(event, SpeechStart):
        return f"{stamp}  speech starts"
    if isinstance(event, SpeechEnd):
        return f"{stamp}  speech ends ({event.duration:.1f} s)"
    if isinstance(event, Final) and event.care:
        return f"{stamp}  heard: (words withheld: they suggested danger; a session would pause with care)"
    if isinstance(event, Final):
        return f"{stamp}  heard: \"{event.text}\""
    if isinstance(event, Partial):
        return f"{stamp}  ... {event.text}"
    if isinstance(event, Spotted):
        what = "PAUSE WORD" if event.kind == "pause" else f"command '{event.name}'"
        ended = f", word ended {event.word_end:.2f}s" if event.word_end is not None else ""
        return f"{stamp}  >> {what}: \"{event.text}\" (score {event.score:.0f}{ended}, {_BY.get(event.source, event.source)})"
    return None


_BY = {"keyword": "keyword model", "transcript": "recognizer"}
