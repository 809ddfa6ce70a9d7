"""`voice-attune demo`: a whole simulated daily check-in on the bundled engines.

Two simulated partners (synthesized speech) go through the bundled daily check-in: turns
ended by "I'm done", a three-second pause to think, the pause word in the middle of a turn,
the breaths, "yes" to go on and the turn resumed with its remaining time. The guide speaks
with the real voice, hears with the real listener, and the whole thing prints as a transcript.
"""

from __future__ import annotations

import argparse
import dataclasses
from importlib import resources
from pathlib import Path

from voice_attune.config import Config

SCRIPT = "daily-checkin"


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "demo",
        help="a complete simulated session on the bundled engines (no microphone needed)",
        description="Run the bundled daily check-in against two simulated partners and print "
        "it as a transcript with times: who spoke, for how long, what the guide said, a pause "
        "and its recovery. Needs no microphone, no speaker and no download.",
    )
    p.add_argument("--events", metavar="OUT.jsonl", help="also write every event as JSON lines")
    p.add_argument("--wav", metavar="OUT.wav", help="write the whole simulated room, to listen to")
    return p


def scenario_path() -> Path:
    return Path(str(resources.files("voice_attune") / "scenarios" / "demo.yaml"))


def run(args: argparse.Namespace, config: Config) -> int:
    from voice_attune.commands.simulate import play
    from voice_attune.script.loader import load_script
    from voice_attune.session.scenario import load_scenario
    from voice_attune.synthetic.speech import piper_available

    from voice_attune.config import settings_line

    print(settings_line(config))
    scenario = load_scenario(scenario_path())
    if not piper_available():
        scenario = _without_piper(scenario)
    config = dataclasses.replace(config, partners=scenario.partners or config.partners)
    script = load_script(SCRIPT, config)
    print(f"A simulated daily check-in: {config.partners.A} and {config.partners.B}, pause word "
          f"'{config.pause_words[0]}'. The guide's words, what it heard, and the timing:\n")
    return play(script, scenario, config, events=args.events, wav=args.wav)


def _without_piper(scenario):
    """The scenario with espeak-ng standing in for Piper (when the piper extra is missing)."""
    swap = lambda v: "en-us+m3" if v == "piper" else v  # noqa: E731
    replies = tuple(
        tuple(dataclasses.replace(s, voice=swap(s.voice)) if s.say is not None else s for s in reply)
        for reply in scenario.replies
    )
    return dataclasses.replace(scenario, voice=swap(scenario.voice), replies=replies)
