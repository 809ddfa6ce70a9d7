"""`voice-attune daemon`: the kitchen device, always ready (a systemd user service on a Pi)."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from contextlib import ExitStack, closing

from voice_attune.config import Config
from voice_attune.errors import UserError


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "daemon",
        help="wait quietly, start sessions when asked or at set times (the kitchen device)",
        description=(
            "Wait for a start, run the session, wait again, until stopped (SIGTERM or Ctrl+C). "
            "A session starts when someone says a start phrase ('start check in', 'morning "
            "ritual', or 'start' and any script's name), presses Enter on this terminal, presses "
            "the push button (daemon.gpio_pin), or says yes when the schedule offers one. While "
            "waiting, only the start phrases are listened for, by a recognizer that can hear "
            "nothing else; privacy.listen_for_start: false turns voice starts off. A microphone "
            "or speaker unplugged and plugged back is picked up again without a restart. Logs "
            "go to stderr (the journal under systemd); what you say is never logged."
        ),
        epilog="Settings: daemon and privacy in config.yaml. Install on a Raspberry Pi: "
               "scripts/install_pi.sh (a systemd user service that starts at boot).",
    )
    p.add_argument("--verbose", action="store_true", help="log more (debug level)")
    p.add_argument("--events", metavar="OUT.jsonl",
                   help="append every session's events as JSON lines (they hold what was said)")
    p.add_argument("--engine", choices=("auto", "vosk", "pocketsphinx"), help="recognizer (default: config)")
    p.add_argument("--audio", metavar="FILE.wav",
                   help="listen to a recording at its real pace instead of the microphone (to try it out)")
    p.add_argument("--no-keys", action="store_true", help="do not read Enter from this terminal")
    return p


def run(args: argparse.Namespace, config: Config) -> int:
    from voice_attune.daemon.loop import Daemon
    from voice_attune.daemon.notify import Notifier
    from voice_attune.daemon.triggers import watch_button, watch_keys
    from voice_attune.events import EventLog
    from voice_attune.voice.speaking import Voice

    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s", force=True)
    from voice_attune.config import settings_line

    logging.getLogger("voice_attune.daemon").info("%s", settings_line(config))
    engine, phrase_engine = _engines(config, args.engine)
    # First words come from the prompt cache; a Wyoming voice that fails hands over to the local one.
    voice = Voice(config.voice, lazy=True, notice=logging.getLogger("voice_attune.voice").warning)
    with ExitStack() as stack:
        log = EventLog.to_file(args.events, stack, "a")
        daemon = Daemon(config, engine, voice.render, _microphone(config, args.audio), _speaker(config),
                        on_event=lambda event: log.write([event]), phrase_engine=phrase_engine,
                        engines={"voice": voice.name}, notifier=Notifier.from_environment())
        signal.signal(signal.SIGTERM, lambda *_: daemon.stop())
        if config.daemon.gpio_pin is not None:
            stack.enter_context(closing(watch_button(daemon, config.daemon.gpio_pin, config.daemon.key_script)))
        if not args.no_keys and sys.stdin is not None and sys.stdin.isatty():
            watch_keys(daemon, sys.stdin, config.daemon.key_script)
        warming, done = _warm_up(daemon, voice.render)
        try:
            daemon.run()
        except KeyboardInterrupt:
            daemon.stop()
        done.set()
        warming.join(0.2)
    # A synthesizer's native threads abort the process if the interpreter exits under them
    # ("terminate called without an active exception"), and tearing down the speech models
    # takes most of a second: the events file is closed, so leave at once.
    logging.shutdown()
    sys.stdout.flush()
    os._exit(0)


def _engines(config: Config, choice: str | None):
    """The sessions' engine (loaded in the background) and the start phrases' engine.

    English start phrases are heard by PocketSphinx's grammar search, which is ready in a
    second, while a Vosk model (seconds to load, more on a Pi) loads for the sessions behind
    it; in another language the start phrases need the Vosk model, loaded before ready."""
    from voice_attune.asr.engines import find_vosk_model, open_engine

    def notice(message: str) -> None:
        logging.getLogger("voice_attune").info(message)

    if not config.language.lower().startswith("en"):
        engine = open_engine(config, choice, notice)
        return engine, engine
    if (choice or config.recognizer.engine) == "vosk" and find_vosk_model(config) is None:
        open_engine(config, choice, notice)  # says which model is missing, in one line
    from voice_attune.asr.sphinx_engine import SphinxEngine

    return (lambda: open_engine(config, choice, notice)), SphinxEngine()


def _microphone(config: Config, audio: str | None):
    """Opens the microphone afresh each time (or a recording, paced like one)."""
    if audio:
        from voice_attune.asr.audiofile import AudioFileSource

        AudioFileSource(audio)  # a bad file is said now, in one line
        return lambda: _paced(AudioFileSource(audio).frames())

    def open_mic():
        from voice_attune.asr.mic import MicrophoneSource

        return MicrophoneSource(config.audio.input_device).frames()

    return open_mic


def _paced(frames):
    import time

    began = time.monotonic()
    for frame in frames:
        delay = began + frame.t - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        yield frame


def _speaker(config: Config):
    def open_speaker():
        from voice_attune.voice.player import SoundDevicePlayer

        return SoundDevicePlayer(config.audio.output_device)

    return open_speaker


def _warm_up(daemon, render):
    """Render the first prompt of every script a start can name, and the daemon's own words, in
    the background, so a session's first word comes from the cache (on a Pi, Piper takes
    seconds per sentence); each session renders the rest of its prompts as it begins.
    Returns the thread and the event that asks it to stop after the sentence it is on."""
    import threading

    from voice_attune.daemon.loop import APOLOGY
    from voice_attune.dialog import prompts
    from voice_attune.dialog.basics import text_of
    from voice_attune.dialog.engine import Engine
    from voice_attune.dialog.host import DialogSettings
    from voice_attune.script.loader import load_script
    from voice_attune.script.steps import Say

    config = daemon.config
    names = dict.fromkeys([*daemon.phrases.values(), config.daemon.key_script,
                           *(e.script for e in config.daemon.schedule)])
    done = threading.Event()

    def first_words():
        yield APOLOGY, 1.0
        yield from ((e.ask, 1.0) for e in config.daemon.schedule)
        for name in names:
            try:
                engine = Engine(load_script(name, config), DialogSettings.of(config))
            except UserError:
                continue
            speed = engine.settings.voice_speed
            yield prompts.FIRST_SESSION, speed  # whichever of these a session begins with
            if config.privacy.transcripts == "ask":
                yield text_of(engine, prompts.KEEP_WORDS_QUESTION, "A"), speed
            first = engine.script.steps[0] if engine.script.steps else None
            if isinstance(first, Say):
                yield text_of(engine, first.text, None), speed

    def work() -> None:
        for text, speed in first_words():
            if done.is_set():
                return
            try:
                render(text, speed)
            except UserError:
                return

    thread = threading.Thread(target=work, name="daemon-warm-up", daemon=True)
    thread.start()
    return thread, done
