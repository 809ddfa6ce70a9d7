"""`voice-attune simulate SCRIPT --scenario FILE`: a whole session with simulated partners."""

from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack
from pathlib import Path

from voice_attune.config import Config
from voice_attune.errors import UserError


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "simulate",
        help="run a session against simulated partners from a scenario file (no microphone)",
        description=(
            "Run SCRIPT as a real session would, with the real listener and voice, against "
            "partners simulated from a scenario file: each reply starts when the guide waits for "
            "someone, barge-ins fall inside the prompts they name, and the guide's voice leaks "
            "back into the simulated microphone at the scenario's echo level. Runs faster than "
            "real time and gives the same events every run. Prints a transcript with times."
        ),
        epilog="Scenario format: see docs/formats.md, 'Scenario files'. Example: "
               "voice-attune simulate daily-checkin --scenario my-scenario.yaml --events out.jsonl",
    )
    p.add_argument("script", metavar="SCRIPT", help="a library name (daily-checkin) or a script file")
    p.add_argument("--scenario", required=True, metavar="FILE", help="the simulated partners (YAML)")
    p.add_argument("--events", metavar="OUT.jsonl", help="also write every event as JSON lines")
    p.add_argument("--wav", metavar="OUT.wav", help="write the whole simulated room (partners and guide)")
    p.add_argument("--engine", choices=("auto", "vosk", "pocketsphinx"), help="recognizer (default: config)")
    p.add_argument("--low-energy", action="store_true", help="the script's lighter version for heavy days")
    p.add_argument("--quiet", action="store_true", help="print only the summary")
    p.add_argument("--history", action="store_true",
                   help="remember this simulated session as a live one would be, in a history of its own "
                        "(voice-attune history --simulated); your real history is never read or changed")
    return p


def run(args: argparse.Namespace, config: Config) -> int:
    from voice_attune.script.loader import load_script
    from voice_attune.session.scenario import load_scenario

    script = load_script(args.script, config)
    scenario = load_scenario(args.scenario)
    return play(script, scenario, config, events=args.events, wav=args.wav, engine=args.engine,
                low_energy=args.low_energy, quiet=args.quiet, history=args.history)


def play(script, scenario, config: Config, *, events: str | None = None, wav: str | None = None,
         engine: str | None = None, low_energy: bool = False, quiet: bool = False,
         history: bool = False) -> int:
    """Simulate and print; shared with `demo`."""
    from voice_attune.asr.audiofile import write_wav
    from voice_attune.events import EventLog
    from voice_attune.session.simulation import simulate
    from voice_attune.session.transcript import Transcript, summary_lines

    with ExitStack() as stack:
        log = EventLog.to_file(events, stack)
        transcript = Transcript(sys.stdout)

        def on_event(event) -> None:
            log.write([event])
            if not quiet:
                transcript.write(event)

        follow_up = None
        history = history and config.privacy.history
        if history:  # as a live session, in the simulations' own history: raise what is open, record it
            from voice_attune.history import next_follow_up, simulated_folder

            follow_up = next_follow_up(simulated_folder())
        result = simulate(script, scenario, config, low_energy=low_energy, engine=engine,
                          keep_audio=bool(wav), on_event=on_event,
                          notice=lambda m: print(m, file=sys.stderr),
                          follow_up=follow_up.topic.lower() if follow_up else None,
                          ask_to_keep_words=history and config.privacy.transcripts == "ask")
    if result.end is None:
        raise UserError("the simulated session did not end by itself", script.path)
    if quiet:
        print(summary_lines(result.end.summary))
    if history:
        from datetime import datetime

        from voice_attune.history import remember, simulated_folder, talked_about

        if remember(result.events, datetime.now(), simulated_folder()) is not None:
            print("Added to the simulations' history (voice-attune history --simulated).")
        if follow_up is not None and result.follow_up_talked:
            talked_about(follow_up, datetime.now(), simulated_folder())
    if wav:
        try:
            write_wav(Path(wav), result.room.recording())
        except OSError as exc:
            raise UserError(f"cannot write the recording: {exc.strerror}", wav) from None
        print(f"The simulated room is in {wav}")
    print(f"-- {result.audio_s:.0f} s of session simulated in {result.wall_s:.1f} s "
          f"({result.speed:.1f}x real time)")
    return 0
