"""The `voice-attune` command: parses arguments, loads settings, reports errors in one line.

Exit status: 0 success, 2 bad input (a one-line reason naming the file and line), 1 internal fault.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import traceback
from typing import Sequence

from voice_attune import __version__
from voice_attune.commands import (
    checkword,
    daemon,
    demo,
    devices,
    enroll,
    export,
    forget,
    history,
    listen,
    listing,
    live,
    mic_test,
    models,
    simulate,
    speaker_test,
    train_word,
    validate,
)
from voice_attune.config import load_config
from voice_attune.errors import UserError

COMMANDS = (demo, live, daemon, simulate, listing, history, export, forget, listen, models, train_word, enroll, checkword,
            validate, devices, mic_test, speaker_test)

EPILOG = """\
examples:
  voice-attune demo                               a simulated session, no microphone needed
  voice-attune list                               the session scripts there are
  voice-attune run daily-checkin                  a live session on the microphone and speaker
  voice-attune daemon                             always ready: start phrases, button, schedule
  voice-attune simulate daily-checkin --scenario s.yaml   a session with simulated partners
  voice-attune history                            your recent sessions and what is still open
  voice-attune export --out november.md           a Markdown summary of the last 30 days
  voice-attune forget --before 2026-10-01         delete history, for real (asks first)
  voice-attune listen --audio talk.wav            what the pipeline hears in a recording
  voice-attune listen --events out.jsonl          listen to the microphone, log JSON lines
  voice-attune train-word marigold                teach it to hear your own pause word (3 minutes)
  voice-attune enroll                             each of you says the pause word; it adapts to you
  voice-attune check-word pineapple               how well a pause word will be heard
  voice-attune models download                    fetch the English Vosk model (about 40 MB)
  voice-attune validate my-script.yaml            check a session script, line by line
  voice-attune devices                            microphones and speakers, and which are used
  voice-attune mic-test                           a live level meter: does the microphone hear you?
  voice-attune speaker-test                       a chime and a sentence: is the speaker ready?

Settings come from --config FILE, else $VOICE_ATTUNE_CONFIG, else ./config.yaml, else
~/.config/voice-attune/config.yaml, else built-in defaults (the first found wins; run, daemon
and demo say which they use).
"""


def _settings_now() -> str:
    from voice_attune.config import default_config_path

    found = default_config_path()
    return f"Here and now that is: {found if found else 'built-in defaults'}.\n"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="voice-attune",
        description="A hands-free, offline voice guide for couples' conversations.",
        epilog=EPILOG + _settings_now(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"voice-attune {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS:
        command = module.add_parser(sub)
        command.add_argument("--config", metavar="FILE", help="settings file (default: ./config.yaml)")
        command.set_defaults(run=module.run)
    return parser


class Terminated(KeyboardInterrupt):
    """SIGTERM (systemd stopping the service, ``kill``): handled as Ctrl+C is."""


def _terminate(signum, frame) -> None:
    raise Terminated()


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    on_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if on_main else None
    try:
        config = load_config(args.config)
        return int(args.run(args, config) or 0)
    except UserError as exc:
        print(f"voice-attune: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        print("voice-attune: stopped.", file=sys.stderr)
        return 143 if isinstance(exc, Terminated) else 130
    except BrokenPipeError:
        return 0
    except Exception:  # an internal fault: show it, so it can be reported and fixed
        traceback.print_exc()
        print("voice-attune: internal error (the lines above say where); please report it.", file=sys.stderr)
        return 1
    finally:
        if on_main and previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    raise SystemExit(main())
