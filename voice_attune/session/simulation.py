"""A reactive simulated session (DESIGN.md, "Contract: scenario files"), deterministic and fast.

The real listener (VAD, recognizer, spotter) hears a simulated room; the real voice renders
every prompt; only the partners are synthesized from the scenario.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from voice_attune.asr.engines import open_engine
from voice_attune.asr.listener import build_listener
from voice_attune.config import Config
from voice_attune.dialog.engine import Engine
from voice_attune.dialog.host import DialogSettings
from voice_attune.events import Event, SessionEnd
from voice_attune.script.steps import Script
from voice_attune.session.room import SimulatedRoom
from voice_attune.session.runner import Session
from voice_attune.session.scenario import Scenario
from voice_attune.voice.player import RecordingPlayer
from voice_attune.voice.speaking import Voice


@dataclass
class Simulation:
    """What a simulated session did: its events, the room's truth, and how fast it ran."""

    events: list[Event] = field(default_factory=list)
    end: SessionEnd | None = None
    room: SimulatedRoom | None = None
    player: RecordingPlayer | None = None
    audio_s: float = 0.0
    wall_s: float = 0.0
    follow_up_talked: bool = False
    """The follow-up raised at the start was talked about ("yes, now")."""

    @property
    def speed(self) -> float:
        """Audio seconds simulated per second of computing."""
        return self.audio_s / max(self.wall_s, 1e-9)

    def of_type(self, *types: str) -> list[Event]:
        return [e for e in self.events if e.type in types]


def simulate(script: Script, scenario: Scenario, config: Config, *, low_energy: bool = False,
             engine: str | None = None, voice: Voice | None = None, keep_audio: bool = False,
             on_event: Callable[[Event], None] | None = None,
             notice: Callable[[str], None] = print, first_session: bool = False,
             follow_up: str | None = None, ask_to_keep_words: bool = False) -> Simulation:
    """Run ``script`` against the simulated partners of ``scenario``; same result every run."""
    partners = scenario.partners or config.partners
    recognizer = open_engine(config, engine, notice=notice)
    listener = build_listener(config, recognizer, notice=notice)
    voice = voice or Voice(config.voice, notice=notice)
    player = RecordingPlayer()
    room = SimulatedRoom(scenario, player, keep_audio=keep_audio)
    result = Simulation(room=room, player=player)

    def log(event: Event) -> None:
        result.events.append(event)
        if on_event is not None:
            on_event(event)

    session = Session(
        Engine(script, DialogSettings.of(config, partners), low_energy, first_session=first_session, follow_up=follow_up,
               ask_to_keep_words=ask_to_keep_words),
        listener, voice.render, player, log, room,
        engines={"recognizer": recognizer.name, "voice": voice.name}, volume=config.voice.volume,
    )
    room.prepare()
    began = time.perf_counter()
    result.end = session.run(room.frames())
    result.wall_s = time.perf_counter() - began
    result.audio_s = session.now
    result.follow_up_talked = session.engine.follow_up_talked
    return result
