"""The daemon's loop: wait for a start, run the session, wait again, for months of mornings.

One stream of frames (``ResilientInput``) feeds everything. While waiting, only the start
phrases are listened for. A start runs a session through the same runner as `voice-attune run`
on the same stream, re-timed to begin at 0. What can go wrong is kept inside:

- the microphone lost mid-session: the session pauses (the guide says so, the speaker still
  works) and the silence is counted on its clock; back within the pause's patience, "yes"
  goes on; never back, the pause ends the session kindly by itself;
- the microphone lost while waiting: nothing is said (there may be nobody there); it is
  reopened every ``retry_s`` and listening resumes as soon as it works;
- any fault inside a session (the speaker gone, a bug): a short spoken apology if the speaker
  can still say it, and back to waiting; the daemon never exits on a session fault;
- ``stop()`` (SIGTERM): the stream ends within a tenth of a second and ``run`` returns.

Under systemd (``Type=notify``) the loop says READY=1 once it listens, what it is doing
(STATUS=), and STOPPING=1 as it ends; each frame it pulls pings the watchdog, so a loop that
hangs stops pinging and systemd restarts the daemon (notify.py).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

from voice_attune import FRAME_SAMPLES, SAMPLE_RATE
from voice_attune.asr.frames import Frame
from voice_attune.config import Config
from voice_attune.config.daemon import ScheduleEntry
from voice_attune.daemon.audio_input import FRAME_S, Gap, ResilientInput
from voice_attune.daemon.notify import Notifier
from voice_attune.daemon.schedule import Schedule
from voice_attune.daemon.starts import PhraseListener, Start, start_phrases
from voice_attune.dialog.answers import NO_WORDS, YES_WORDS, yes_no
from voice_attune.errors import UserError, one_line
from voice_attune.events import Event, SessionEnd
from voice_attune.gestures import Gestures

log = logging.getLogger(__name__)

APOLOGY = ("I'm sorry, something went wrong on my side, so we'll stop here. "
           "You can start again whenever you like.")
OFFER_ANSWERS = YES_WORDS + NO_WORDS + ("yes please", "no thanks")
"""What the schedule's question listens for: a session's yes and no words, and the courtesy
forms an offer gets; ``answers.yes_no`` judges them."""
OFFER_LISTEN_S = 12.0
"""Seconds of audio the schedule's question waits for an answer; silence means no."""
_SILENT = bytes(FRAME_SAMPLES * 2)


class Stopping(Exception):
    """The daemon was asked to stop (SIGTERM) while a session ran."""


@dataclass
class Outcome:
    """What became of one start, for the log and the tests."""

    start: Start
    result: str
    """finished, stop, not_now, unanswered (the session's end), declined (the offer), fault,
    no_speaker, bad_script or stopped."""
    session_end: SessionEnd | None = None
    started_wall: float = 0.0
    first_say_wall: float | None = None
    """time.monotonic() when the first prompt began to play (start latency)."""


@dataclass
class Daemon:
    """Waits, starts sessions, survives faults. ``run()`` returns after ``stop()``."""

    config: Config
    engine: Any
    """The sessions' recognizer engine (asr/engines.py), or a function that loads it: it is
    then loaded in the background while the daemon already listens for starts (a Vosk model
    takes seconds to load)."""
    render: Callable[[str, float], np.ndarray]
    """Text and speed -> 16 kHz int16 speech (voice/speaking.Voice.render)."""
    open_frames: Callable[[], Iterator[Frame]]
    """Opens the microphone: a new frame iterator; raises while the device is away."""
    open_player: Callable[[], Any]
    """Opens the speaker: a Player (voice/player.py); raises while the device is away."""
    clock: Callable[[], datetime] = datetime.now
    folder: Path | None = None
    """The data folder (history, schedule memory); None: the user's."""
    on_event: Callable[[Event], None] | None = None
    retry_s: float = 1.0
    stall_s: float = 2.0
    sleep: Callable[[float], None] = time.sleep
    engines: dict = field(default_factory=dict)
    phrase_engine: Any = None
    """The engine whose grammar recognizer hears start phrases (None: ``engine``)."""
    notifier: Notifier = field(default_factory=Notifier)
    """Readiness, status and watchdog pings for systemd (silent by default)."""
    outcomes: list[Outcome] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.starts: queue.Queue[Start] = queue.Queue()
        self.stopping = threading.Event()
        self.gestures = Gestures()
        """Pauses asked without words during a session (the button)."""
        self.in_session = threading.Event()
        self.input = ResilientInput(self.open_frames, self.retry_s, self.stall_s, sleep=self.sleep)
        self.schedule = Schedule(self.config.daemon.schedule, self._folder())
        self.phrases = start_phrases(self.config) if self.config.privacy.listen_for_start else {}
        if self.phrase_engine is None:
            self.phrase_engine = self.engine
        if not callable(self.engine):
            self.engines.setdefault("recognizer", self.engine.name)
        self.listener = PhraseListener(self._start_config(), self.phrase_engine, list(self.phrases)) if self.phrases else None
        self._schedule_check = 0.0
        self._answers = self.listener
        """Hears the schedule's yes or no: the start listener with other phrases for a moment
        (each recognizer costs tens of megabytes), or one of its own without voice starts."""
        if self._answers is None and self.schedule.entries:
            self._answers = PhraseListener(self._start_config(), self.phrase_engine, OFFER_ANSWERS)
        self._frames: Iterator[Frame | Gap] | None = None
        self._session_listener = None

    # -- outside ----------------------------------------------------------------------------

    def request(self, start: Start) -> None:
        """Start a session from another thread (a key, the button)."""
        self.starts.put(start)

    def stop(self) -> None:
        """End ``run`` promptly (SIGTERM): a session in progress ends where it is."""
        self.stopping.set()
        self.input.stop()

    def run(self) -> None:
        """Wait for starts until ``stop()``."""
        self._prepare_listener()
        self._frames = self._beating(self.input.frames())
        if self.listener is not None:
            said = ", ".join(f"'{p}'" for p in list(self.phrases)[:3])
            voice = f"{len(self.phrases)} start phrases ({said}{', ...' if len(self.phrases) > 3 else ''})"
        else:
            voice = "no voice starts (privacy.listen_for_start: false)"
        log.info("ready: listening for %s; %d scheduled offer(s)", voice, len(self.schedule.entries))
        log.debug("start phrases: %s", "; ".join(f"'{p}' -> {s}" for p, s in self.phrases.items()))
        self.notifier.ready(self._waiting_status())
        try:
            for item in self._frames:
                if self.stopping.is_set():
                    break
                try:
                    start = self._next_start(item)
                except Exception as exc:  # noqa: BLE001 - one bad utterance must not end months of waiting
                    log.error("listening for a start failed (%s); listening afresh", one_line(exc))
                    if self.listener is not None:
                        self.listener.reset()
                    continue
                if start is not None:
                    self._serve(start)
                    self._drain_requests()
        finally:
            self.notifier.stopping()
        log.info("stopped")

    def _beating(self, items: Iterator[Frame | Gap]) -> Iterator[Frame | Gap]:
        """The stream as the loop pulls it: every pull is a sign of life for the watchdog, and
        only the loop pulls, so a hung session or listener stops the pings."""
        for item in items:
            self.notifier.alive()
            yield item

    def _waiting_status(self) -> str:
        if self.listener is not None:
            return "waiting for a start phrase"
        return "waiting for a start (voice starts are off)"

    # -- waiting ----------------------------------------------------------------------------

    def _next_start(self, item: Frame | Gap) -> Start | None:
        try:
            return self.starts.get_nowait()
        except queue.Empty:
            pass
        if self.schedule.entries and (isinstance(item, Gap) or self.input.now >= self._schedule_check):
            # Once a second of audio (or at each beat while the microphone is away), not per frame.
            self._schedule_check = self.input.now + 1.0
            now = self.clock()
            entry = self.schedule.due(now)
            if entry is not None:
                self.schedule.mark_asked(entry, now)
                return Start(entry.script, "schedule", offer=entry)
        if isinstance(item, Frame) and self.listener is not None:
            heard = self.listener.feed(item)
            if heard is not None:
                log.info("start phrase heard: '%s'", heard.phrase)
                return Start(self.phrases[heard.phrase], "voice", heard.end)
        return None

    def _drain_requests(self) -> None:
        """Starts asked for while a session ran are dropped: one session at a time."""
        while not self.starts.empty():
            self.starts.get_nowait()

    # -- a start ----------------------------------------------------------------------------

    def _serve(self, start: Start) -> None:
        from voice_attune.script.loader import load_script

        outcome = Outcome(start, "fault", started_wall=time.monotonic())
        self.outcomes.append(outcome)
        try:
            script = load_script(start.script, self.config)
        except UserError as exc:
            outcome.result = "bad_script"
            log.error("cannot start '%s': %s", start.script, exc)
            return
        player = None
        try:
            player = self.open_player()
            if start.offer is not None:
                if not self._offer(start.offer, player):
                    outcome.result = "declined"
                    return
                player.stop()
                player = self.open_player()  # the session's own clock starts at 0
            outcome.session_end = self._session(script, player, outcome)
            outcome.result = outcome.session_end.reason if outcome.session_end else "fault"
            log.info("session ended: %s (%s)", script.name, outcome.result)
        except Stopping:
            outcome.result = "stopped"
        except Exception as exc:  # noqa: BLE001 - a session fault must never end the daemon
            outcome.result = "no_speaker" if player is None else "fault"
            if player is None:
                log.warning("cannot start '%s': no speaker (%s)", start.script, one_line(exc))
            else:
                log.error("the session '%s' ended on a fault: %s", start.script, one_line(exc),
                          exc_info=log.isEnabledFor(logging.DEBUG))
                self._apologize(player)
                self._prepare_listener()  # the fault may have been in the listener: a new one
        finally:
            if player is not None:
                try:
                    player.stop()
                except Exception:  # noqa: BLE001 - a gone speaker is already silent
                    pass
            if self.listener is not None:
                self.listener.reset()
            self.notifier.status(self._waiting_status())

    def _session(self, script: Any, player: Any, outcome: Outcome) -> SessionEnd | None:
        from voice_attune.session.lifecycle import LiveSession
        from voice_attune.session.runner import Session, warm_up

        live = LiveSession.prepare(script, self.config, folder=self.folder)
        warm_up(live.engine, self.render)
        events: list[Event] = []

        def on_event(event: Event) -> None:
            events.append(event)
            if event.type == "say_start" and outcome.first_say_wall is None:
                outcome.first_say_wall = time.monotonic()
            if self.on_event is not None:
                self.on_event(event)

        session = Session(live.engine, self._take_listener(), self.render, player, on_event,
                          engines=self.engines, volume=self.config.voice.volume, gestures=self.gestures)
        log.info("session started: %s (%s)", script.name, outcome.start.how)
        self.notifier.status(f"in a session: {script.name}")
        self.gestures.drain()  # a press from before the session is not for it
        self.in_session.set()
        try:
            return session.run(self._session_frames(live.engine, player))
        finally:
            self.in_session.clear()
            live.close(events)

    def _session_frames(self, engine: Any, player: Any) -> Iterator[Frame]:
        """The shared stream re-timed to start at 0; the microphone's absence pauses the
        session and counts as silence on its clock."""
        t = 0.0
        away = False
        for item in self._frames:
            if self.stopping.is_set():
                raise Stopping
            if isinstance(item, Gap):
                if not self.input.available and not away:
                    away = True
                    log.warning("the microphone is gone mid-session: pausing the session")
                    engine.begin_pause("microphone")
                for _ in range(int(round(item.seconds / FRAME_S))):
                    yield Frame(_SILENT, t)
                    t += FRAME_S
                continue
            away = False
            yield Frame(item.pcm, t)
            t += FRAME_S
        raise Stopping

    # -- the schedule's question --------------------------------------------------------------

    def _offer(self, entry: ScheduleEntry, player: Any) -> bool:
        """A soft chime and the question; True on yes. Silence or no: not again today."""
        from voice_attune.voice.earcons import TURN_START, earcon

        chime = earcon(TURN_START, self.config.voice.volume)
        question = self.render(entry.ask, 1.0)
        t = 0.0
        for pcm in (chime, question):
            t = self._play_through(player, pcm, t)
        self._answers.expect(OFFER_ANSWERS)
        self._answers.reset()
        try:
            return self._hear_offer_answer(entry)
        finally:
            if self.listener is not None:
                self.listener.expect(list(self.phrases))

    def _hear_offer_answer(self, entry: ScheduleEntry) -> bool:
        waited = 0.0
        for item in self._frames:
            if self.stopping.is_set():
                raise Stopping
            if isinstance(item, Gap):
                waited += item.seconds
            else:
                waited += FRAME_S
                heard = self._answers.feed(item)
                if heard is not None:
                    yes = yes_no(heard.phrase) == "yes"
                    log.info("the %s offer was answered: %s", entry.script, "yes" if yes else "no")
                    return yes
            if waited >= OFFER_LISTEN_S:
                log.info("the %s offer was not answered; not asking again today", entry.script)
                return False
        return False

    def _play_through(self, player: Any, pcm: np.ndarray, t: float) -> float:
        """Play from ``t`` (seconds since the offer began) and keep reading the microphone
        meanwhile (its queue must not back up); returns the time it ended."""
        player.play(pcm)
        end = t + pcm.size / SAMPLE_RATE
        for item in self._frames:
            if self.stopping.is_set():
                raise Stopping
            t += item.seconds if isinstance(item, Gap) else FRAME_S
            if hasattr(player, "advance"):
                player.advance(t)
            if not player.playing or t > end + 2.0:
                return t
        return t

    def _apologize(self, player: Any) -> None:
        try:
            player.play(self.render(APOLOGY, 1.0))
            player.wait()
        except Exception as exc:  # noqa: BLE001 - the fault may be the speaker itself
            log.info("the apology could not be said either (%s)", one_line(exc))

    # -- helpers ------------------------------------------------------------------------------

    def _prepare_listener(self) -> None:
        """Build the sessions' listener in the background (its decoders take a second or two
        to load: the daemon is listening for starts meanwhile)."""
        from voice_attune.asr.listener import build_listener

        def build() -> None:
            try:
                if callable(self.engine):
                    self.engine = self.engine()
                    self.engines["recognizer"] = self.engine.name
                self._session_listener = build_listener(self.config, self.engine, notice=log.warning, live=True)
            except Exception as exc:  # noqa: BLE001 - said when a session needs it
                self._session_listener = exc

        self._session_listener = None
        self._building = threading.Thread(target=build, name="session-listener", daemon=True)
        self._building.start()

    def _take_listener(self) -> Any:
        """The sessions' listener, fresh for a new session (one for the daemon's life: building
        one per session churned a hundred megabytes each time)."""
        while self._building.is_alive():
            # A large Vosk model can take longer than the watchdog's patience to load on a Pi:
            # waiting for it is the loop at work, not a hang.
            self._building.join(1.0)
            self.notifier.alive()
        listener = self._session_listener
        if isinstance(listener, Exception):
            self._prepare_listener()  # try again next time
            raise listener
        listener.restart()
        return listener

    def _start_config(self) -> Config:
        """Start phrases are short: their utterance ends after less silence than a turn's."""
        import dataclasses

        vad = dataclasses.replace(self.config.vad, end_silence_ms=min(self.config.vad.end_silence_ms, 450))
        return dataclasses.replace(self.config, vad=vad)

    def _folder(self) -> Path:
        from voice_attune.config import data_dir

        return self.folder or data_dir()
