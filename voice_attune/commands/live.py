"""`voice-attune run SCRIPT`: a live session on the microphone and the speaker."""

from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack

from voice_attune.config import Config
from voice_attune.errors import UserError


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "run",
        help="a live guided session on the microphone and speaker",
        description=(
            "Start a guided session: the guide speaks each step, times each turn and listens "
            "for the pause word the whole time, also while it talks. Either of you can say the "
            "pause word to pause, or 'stop' to end. No audio is ever recorded; the session is "
            "added to your private history (privacy in config.yaml). Ctrl+C ends at once."
        ),
        epilog="Scripts: daily-checkin, or a path to your own YAML script "
               "(check it first with: voice-attune validate FILE).",
    )
    p.add_argument("script", metavar="SCRIPT", help="a library name (daily-checkin) or a script file")
    p.add_argument("--events", metavar="OUT.jsonl", help="also write every event as JSON lines")
    p.add_argument("--engine", choices=("auto", "vosk", "pocketsphinx"), help="recognizer (default: config)")
    p.add_argument("--low-energy", action="store_true", help="the script's lighter version for heavy days")
    return p


def run(args: argparse.Namespace, config: Config) -> int:
    from voice_attune.asr.engines import open_engine
    from voice_attune.asr.listener import build_listener
    from voice_attune.asr.mic import MicrophoneSource
    from voice_attune.dialog.engine import Engine
    from voice_attune.dialog.loader import load_script
    from voice_attune.dialog.runner import Session, warm_up
    from voice_attune.dialog.transcript import Transcript
    from voice_attune.events import EventLog
    from voice_attune.voice.player import SoundDevicePlayer
    from voice_attune.voice.speaking import Voice
    from voice_attune.welcome import is_first_session, remember_notice_said
    from voice_attune.history import next_follow_up, remember, talked_about
    from datetime import datetime

    script = load_script(args.script, config)
    mic = MicrophoneSource(config.audio.input_device)
    player = SoundDevicePlayer(config.audio.output_device)
    recognizer = open_engine(config, args.engine, notice=lambda m: print(m, file=sys.stderr))
    voice = Voice(config.voice)
    transcript = Transcript(sys.stdout)
    with ExitStack() as stack:
        stream = None
        if args.events:
            try:
                stream = stack.enter_context(open(args.events, "w", encoding="utf-8"))
            except OSError as exc:
                raise UserError(f"cannot write events: {exc.strerror}", args.events) from None
        log = EventLog(stream)

        events: list = []

        def on_event(event) -> None:
            events.append(event)
            log.write([event])
            transcript.write(event)

        keep_history = config.privacy.history
        follow_up = next_follow_up() if keep_history else None
        engine = Engine(script, config, None, args.low_energy, first_session=is_first_session(),
                        follow_up=follow_up.topic.lower() if follow_up else None,
                        ask_to_keep_words=keep_history and config.privacy.transcripts == "ask")
        started = datetime.now()
        warm_up(engine, voice.render)
        session = Session(
            engine, build_listener(config, recognizer), voice.render, player, on_event,
            engines={"recognizer": recognizer.name, "voice": voice.name}, volume=config.voice.volume,
        )
        try:
            session.run(mic.frames())
        except KeyboardInterrupt:
            player.stop()
            print("\nStopped. Nothing of this session was kept.")
            return 0
        finally:
            if engine.first_notice_said:
                remember_notice_said()
            if keep_history:
                remember(events, started)  # only a session that ended; a failure is said once
            if follow_up is not None and engine.follow_up_talked:
                talked_about(follow_up, datetime.now())
    return 0
