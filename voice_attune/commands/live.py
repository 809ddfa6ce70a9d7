"""`voice-attune run SCRIPT`: a live session on the microphone and the speaker."""

from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack, closing

from voice_attune.config import Config


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "run",
        help="a live guided session on the microphone and speaker",
        description=(
            "Start a guided session: the guide speaks each step, times each turn and listens "
            "for the pause word the whole time, also while it talks. Either of you can say the "
            "pause word to pause, or 'stop' to end. Without words: knock twice on the table, "
            "press Space (or p) in this terminal, or press the button (daemon.gpio_pin); at the "
            "pause, Enter or the button goes on, and holding the button 2 s ends the session. "
            "No audio is ever recorded; the session is added to your private history (privacy "
            "in config.yaml). Ctrl+C ends at once."
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
    from voice_attune.errors import UserError
    from voice_attune.events import EventLog
    from voice_attune.gestures import Gestures, pause_button, pause_keys
    from voice_attune.script.loader import load_script
    from voice_attune.session.lifecycle import LiveSession
    from voice_attune.session.runner import Session, warm_up
    from voice_attune.session.transcript import Transcript
    from voice_attune.voice.player import SoundDevicePlayer
    from voice_attune.voice.speaking import Voice

    from voice_attune.config import settings_line

    print(settings_line(config))
    script = load_script(args.script, config)
    train_new_pause_words(config)
    train_new_menu(config, script)
    mic = MicrophoneSource(config.audio.input_device)
    player = SoundDevicePlayer(config.audio.output_device)
    recognizer = open_engine(config, args.engine, notice=lambda m: print(m, file=sys.stderr))
    # A Wyoming service that fails hands over to the local voice and recognizer, said once.
    voice = Voice(config.voice, notice=lambda m: print(m, file=sys.stderr))
    transcript = Transcript(sys.stdout)
    with ExitStack() as stack:
        log = EventLog.to_file(args.events, stack)

        events: list = []

        def on_event(event) -> None:
            events.append(event)
            log.write([event])
            transcript.write(event)

        live = LiveSession.prepare(script, config, args.low_energy)
        engine = live.engine
        warm_up(engine, voice.render)
        gestures = Gestures()
        session = Session(
            engine, build_listener(config, recognizer, notice=lambda m: print(m, file=sys.stderr), live=True),
            voice.render,
            player, on_event,
            engines={"recognizer": recognizer.name, "voice": voice.name}, volume=config.voice.volume,
            gestures=gestures,
        )
        if config.pause_by.key:
            stack.enter_context(pause_keys(gestures, sys.stdin))
        if config.pause_by.button and config.daemon.gpio_pin is not None:
            try:
                stack.enter_context(closing(pause_button(gestures, config.daemon.gpio_pin)))
            except UserError as exc:
                print(f"{exc}; the pause word, keys and knocks still pause.", file=sys.stderr)
        try:
            session.run(mic.frames())
        except KeyboardInterrupt:
            player.stop()
            print("\nStopped. Nothing of this session was kept.")
            return 0
        finally:
            live.close(events)  # records only a session that ended; a failure is said once
    return 0


def train_new_pause_words(config: Config) -> None:
    """On first use of a pause word without a keyword model, train one (with a notice), so the
    word is heard in any voice from the first session on."""
    from voice_attune.asr import kws_store
    from voice_attune.asr.kws_features import KeywordUnavailable
    from voice_attune.commands.train_word import train_and_save

    if not config.spotter.keywords:
        return
    for word in config.pause_words:
        if kws_store.find_model(word) is not None:
            continue
        print(f"First use of the pause word '{word}': teaching voice-attune to hear it in any voice "
              "(about 2 minutes, once).", file=sys.stderr)
        try:
            train_and_save(word, config)
        except KeywordUnavailable as exc:
            print(f"{exc}; the recognizer alone listens for '{word}'.", file=sys.stderr)
            return


def train_new_menu(config: Config, script) -> None:
    """On first use of a feelings menu (a script that offers it, a menu without a keyword
    model), train its model once, with a notice, as for a new pause word."""
    from voice_attune.asr import kws_store
    from voice_attune.asr.kws_features import KeywordUnavailable
    from voice_attune.commands.train_word import train_menu_and_save
    from voice_attune.script.steps import Choose

    menu = tuple(w for words in config.feelings.values() for w in words)
    offers = any(isinstance(step, Choose) and step.options == menu for step in script.all_steps())
    if not config.spotter.keywords or not offers or kws_store.menu_model_path(config.feelings).exists():
        return
    print("First use of your feelings menu: teaching voice-attune to hear its words in any voice "
          "(a few minutes, once; again after you change the menu).", file=sys.stderr)
    try:
        train_menu_and_save(config)
    except KeywordUnavailable as exc:
        print(f"{exc}; the recognizer alone hears the menu.", file=sys.stderr)
