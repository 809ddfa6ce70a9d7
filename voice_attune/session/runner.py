"""The runner: one loop, live or simulated, that carries the engine's actions out.

Per 30 ms frame of the audio source it lets the listener hear, tells the engine what was heard,
what finished playing and what time it is, and then speaks, chimes, stops and resets as the
engine asks. The audio clock is the source's: a live session and a simulation run this same
code, only the source and the player differ.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Callable, Iterable

import numpy as np

from voice_attune import SAMPLE_RATE
from voice_attune.asr.frames import Frame
from voice_attune.asr.listener import Listener
from voice_attune.dialog import actions
from voice_attune.dialog.engine import Engine, Out
from voice_attune.dialog.inputs import Gesture, Played, Started, Tick
from voice_attune.errors import UserError
from voice_attune.events import Event, SayEnd, SayStart, SessionEnd, SessionStart
from voice_attune.gestures import Gestures
from voice_attune.voice.earcons import earcon
from voice_attune.voice.player import Player

log = logging.getLogger(__name__)


class Room:
    """What a session tells its surroundings (the simulated room listens; a real one does not)."""

    def on_listen(self, t: float, partner: str | None) -> None: ...

    def on_say(self, t: float) -> None: ...


@dataclass
class Playback:
    kind: str
    """"say" or "chime"."""
    start: float
    duration: float


@dataclass
class Session:
    """Drives one session: engine, listener, voice and player over a stream of frames."""

    engine: Engine
    listener: Listener
    render: Callable[[str, float], np.ndarray]
    """Text and relative speed -> 16 kHz int16 speech (the prompt cache)."""
    player: Player
    log: Callable[[Event], None]
    room: Room = field(default_factory=Room)
    engines: dict = field(default_factory=dict)
    """What hears and speaks, for session_start."""
    volume: float = 0.8
    gestures: Gestures | None = None
    """Pauses asked for with a key or the button (gestures.py); knocks come from the listener."""
    now: float = 0.0
    result: SessionEnd | None = None
    _playing: Playback | None = None

    def run(self, frames: Iterable[Frame]) -> SessionEnd | None:
        """Run until the session ends (or the source runs dry); returns its session_end."""
        e = self.engine
        self.log(SessionStart(0.0, e.script.name, {"A": e.name("A"), "B": e.name("B")}, self.engines))
        self._do(e.start(0.0))
        for frame in frames:
            self.now = frame.end
            if hasattr(self.player, "advance"):
                self.player.advance(self.now)
            for event in self.listener.feed(frame):
                self.log(event)
                self._do(e.feed(event))
            for t in self.listener.take_knocks() if hasattr(self.listener, "take_knocks") else ():
                self._do(e.feed(Gesture(t, "pause", "knock")))
            for kind, by in self.gestures.drain() if self.gestures is not None else ():
                self._do(e.feed(Gesture(self.now, kind, by)))
            self._check_playback()
            self._do(e.feed(Tick(self.now)))
            if e.finished:
                break
        return self.result

    def _check_playback(self) -> None:
        p = self._playing
        if p is None or self.player.playing:
            return
        end = min(self.now, p.start + p.duration)
        self._playing = None
        self.listener.guide_speaking = False
        if p.kind == "say":
            self.log(SayEnd(end, False))
        self._do(self.engine.feed(Played(end)))

    def _do(self, outs: list[Out]) -> None:
        for out in outs:
            if isinstance(out, Event):
                self.log(out)
                if isinstance(out, SessionEnd):
                    self.result = out
            elif isinstance(out, actions.Say):
                pcm = self._render(out.text, out.speed, out.private)
                self._play("say", pcm)
                self.log(SayStart(self.now, out.text))
                self.room.on_say(self.now)
                self._do(self.engine.feed(Started(self.now, pcm.size / SAMPLE_RATE)))
            elif isinstance(out, actions.Chime):
                self._play("chime", earcon(out.name, self.volume))
            elif isinstance(out, actions.StopSpeaking):
                self.player.stop()
                if hasattr(self.listener, "guide_stops"):
                    self.listener.guide_stops()
                if self._playing is not None and self._playing.kind == "say":
                    self.log(SayEnd(self.now, True))
                self._playing = None
                self.listener.guide_speaking = False
            elif isinstance(out, actions.Listen):
                self.listener.expect(out.phrases)
                self.room.on_listen(self.now, out.partner)
            elif isinstance(out, actions.ResetRecognizer):
                for event in self.listener.reset():
                    self.log(event)
                    self._do(self.engine.feed(event))
            elif isinstance(out, actions.End):
                if self._playing is not None:
                    self.player.wait()

    def _render(self, text: str, speed: float, private: bool = False) -> np.ndarray:
        """The prompt's audio; if the voice fails, the session goes on with the prompt printed.
        A private prompt (the couple's words read back) is rendered without the disk cache."""
        try:
            return self.render(text, speed, private=True) if private else self.render(text, speed)
        except UserError as exc:
            log.warning("could not speak a prompt (%s); going on without it", exc)
            return np.zeros(0, np.int16)

    def _play(self, kind: str, pcm: np.ndarray) -> None:
        self.player.play(pcm)
        if hasattr(self.listener, "guide_plays"):
            self.listener.guide_plays(pcm, self.now)
        self._playing = Playback(kind, self.now, pcm.size / SAMPLE_RATE)
        self.listener.guide_speaking = True


def warm_up(engine: Engine, render: Callable[[str, float], np.ndarray]) -> threading.Thread:
    """Render the script's prompts in the background, so a Raspberry Pi speaks without delay.

    Prompts are filled in for either partner speaking; ones that depend on what is said in the
    session are rendered when needed. Returns the (daemon) thread doing it.
    """
    from voice_attune.dialog import prompts
    from voice_attune.dialog.basics import text_of
    from voice_attune.script.checks import spoken_texts

    texts: list[str] = []
    fixed = [prompts.PAUSING, prompts.BREATHE_FIRST, prompts.CONTINUE_QUESTION, prompts.RESUMING,
             *prompts.BREATH_CUES, prompts.STOPPING, prompts.NOT_NOW, prompts.TURN_NUDGE,
             prompts.DEFAULT_END, prompts.UNANSWERED]
    fixed += [prompts.CARE_PAUSE, "{crisis_line}", prompts.CARE_QUESTION]  # rare, but never slow
    if engine.first_session:
        fixed.insert(0, prompts.FIRST_SESSION)
    if engine.ask_to_keep_words:
        fixed[:0] = [prompts.KEEP_WORDS_QUESTION, prompts.KEEP_WORDS_SECOND, prompts.KEEP_WORDS_YES,
                     prompts.KEEP_WORDS_NO]
    for template in [t for _, t in spoken_texts(engine.script)] + fixed:
        for speaker in ("A", "B"):
            try:
                text = text_of(engine, template, speaker)
            except (KeyError, ValueError, IndexError):
                continue
            if text not in texts:
                texts.append(text)
    speed = engine.settings.voice_speed

    def work() -> None:
        for text in texts:
            try:
                render(text, speed)
            except UserError:
                return  # the session itself will say what is wrong with the voice
            except Exception as exc:  # noqa: BLE001 - a prompt that fails here fails in the session
                log.warning("rendering a prompt ahead failed: %s", exc)
                return

    thread = threading.Thread(target=work, name="prompt-warm-up", daemon=True)
    thread.start()
    return thread

