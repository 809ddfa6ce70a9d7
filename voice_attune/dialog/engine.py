"""The dialog engine: a pure state machine that runs a script (DESIGN.md, principle 2).

It is fed the listener's events and the runner's reports (``Started``, ``Played``, ``Tick``)
and returns actions and dialog events; it has no audio, threads or sleeps. Each step runs as
a generator (``flow.py``, ``talk.py``, ``questions.py``) that waits with ``yield`` for its next
input, so a step reads top to bottom; steps see the engine only as a ``host.Host``. Around the
steps the engine keeps what holds everywhere:

- the pause word wins at once, also while the guide speaks: the voice stops, the step is held
  (its timers frozen) and the pause protocol runs; "yes" resumes the step where it was;
- "stop" ends the session kindly, from anywhere (said over the guide's voice, it pauses first);
- while the guide speaks only those two count (half-duplex), and a spot that is the guide's
  own words coming back through the microphone is discounted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generator, Union

from voice_attune.config import Partners
from voice_attune.dialog import actions, prompts
from voice_attune.dialog.basics import finish, text_of
from voice_attune.dialog.care import care_protocol
from voice_attune.dialog.flow import run_script
from voice_attune.dialog.host import DialogSettings, Ended, Segment
from voice_attune.dialog.inputs import Fired, Gesture, Heard, Played, Resume, Started, Tick
from voice_attune.dialog.pause import going_on, pause_protocol
from voice_attune.dialog.said import Playing, SaidPrompts
from voice_attune.dialog.summary import Tally
from voice_attune.dialog.timers import Timers
from voice_attune.events import (
    SURE_STOP,
    Event,
    Final,
    Paused,
    Resumed,
    SpeechEnd,
    SpeechStart,
    Spotted,
    StepStarted,
)
from voice_attune.script.steps import Script
from voice_attune.text import ends_with, normalize

Out = Union[actions.Action, Event]
"""What the engine hands the runner: actions to carry out and dialog events to log."""
Input = Union[Event, Started, Played, Tick, Gesture]
Flow = Generator[None, object, object]

_CLOSING = ("done", "next", "more_time")
"""Commands that count at the end of a longer utterance ("...and that's it. I'm done.", "could
I have some more time, please"); the others (stop, help, repeat) only as nearly all of it. Said
inside a sentence ("I wish we had more time together") none counts: it would interrupt someone."""
_COURTESY = ("please", "thanks", "thank you")
"""Words that may follow a closing command."""
CARE_STEP = "care"
"""The id and kind of the ``step`` event that records a care pause (never its words)."""


@dataclass
class Engine:
    """Runs one session of ``script``; feed it inputs and carry out what it returns."""

    script: Script
    dialog: DialogSettings = field(default_factory=DialogSettings)
    low_energy: bool = False
    first_session: bool = False
    """Say once, before the first step, that this is not therapy or a crisis service."""
    first_notice_said: bool = False
    follow_up: str | None = None
    """Something set aside in an earlier session (its practice's title), raised at the start."""
    follow_up_talked: bool = False
    ask_to_keep_words: bool = False
    """Ask both partners at the start whether to keep today's words (privacy.transcripts: ask)."""
    keep_words: bool = False
    """Both said yes: the history may keep what was said in this session's turns."""

    now: float = 0.0
    finished: bool = False
    ending: bool = False
    playing: Playing | None = None
    last_prompt: str | None = None
    listen_since: float = 0.0
    heard_at: float = 0.0
    """When a partner last spoke (the end of their speech), for ending an unanswered session."""
    loop_speaker: str | None = None
    step_id: str | None = None
    turn: object | None = None
    """The open turn (talk.OpenTurn), which a pause or stop closes."""
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    """Values chosen in this session: id -> {"A": value, "B": value, "_": the latest}."""
    needs: dict[str, dict[str, str]] = field(default_factory=dict)
    segments: list[Segment] = field(default_factory=list)
    tally: Tally = field(default_factory=Tally)
    personal: set[str] = field(default_factory=set)
    """Prompt texts that read back something of the couple's (never cached on disk)."""

    def __post_init__(self) -> None:
        self.settings = self.script.settings.for_energy(self.low_energy)
        self.timers = Timers()
        self._out: list[Out] = []
        self._flow: Flow | None = None
        self._pause: Flow | None = None
        self._scope = "flow"
        self._paused_at = 0.0
        self._pending: list[Spotted] = []
        self._said = SaidPrompts()
        self._in_care = False

    # -- the runner's side ---------------------------------------------------------------

    def start(self, t: float = 0.0) -> list[Out]:
        """Begin the session at audio time ``t``."""
        self.now = t
        self._flow = run_script(self)
        self._send("flow", None)
        return self._drain()

    def feed(self, item: Input) -> list[Out]:
        """Take one input; return the actions and events it caused, in order."""
        self.now = max(self.now, item.t)
        if self.finished:
            return []
        if isinstance(item, Tick):
            scopes = ("pause",) if self._pause is not None else ("pause", "flow")
            for timer in self.timers.due(self.now, scopes):
                self._send(timer.scope, Fired(timer.due, timer.name))
        elif isinstance(item, Started):
            if self.playing is not None:
                self.playing.duration = item.duration
                if self.playing.text is not None:
                    self._said.lasts(item.duration)
        elif isinstance(item, Played):
            if self.playing is not None:
                self._stopped_playing()
                self._send(self._active(), item)
        elif isinstance(item, SpeechStart):
            self.segments.append(Segment(item.t))
            self._send(self._active(), item)
        elif isinstance(item, SpeechEnd):
            self._speech_end(item)
        elif isinstance(item, Spotted):
            self._spotted(item)
        elif isinstance(item, Final):
            self._final(item)
        elif isinstance(item, Gesture):
            self._gesture(item)
        return self._drain()

    def next_due(self) -> float | None:
        """When a timer will next fire (the runner may sleep until then)."""
        return self.timers.next_due()

    # -- what the steps use ---------------------------------------------------------------

    def emit(self, *outs: Out) -> None:
        """Hand actions and events to the runner."""
        self._out.extend(outs)

    def play_prompt(self, text: str, remember: bool = True) -> None:
        """Start speaking ``text``; the step then waits for ``Played``."""
        if remember:
            self.last_prompt = text
        self.playing = Playing(text, self.now)
        self._said.began(text, self.now)
        private = any(p in text for p in self.personal)
        self.emit(actions.Say(text, self.settings.voice_speed, private))

    def play_chime(self, name: actions.EarconName) -> bool:
        """Start an earcon; False when earcons are off (nothing to wait for)."""
        if not self.dialog.earcons:
            return False
        self.playing = Playing(None, self.now)
        self.emit(actions.Chime(name))
        return True

    def listen(self, partner: str | None, phrases: tuple[str, ...] = ()) -> None:
        """Open the microphone for a partner (or either): what is heard from now is theirs."""
        self.listen_since = self.now
        self.emit(actions.Listen(partner, phrases))

    def set_timer(self, name: str, due: float) -> None:
        self.timers.set(self._scope, name, due)

    def cancel_timer(self, name: str | None = None) -> None:
        self.timers.cancel(self._scope, name)

    @property
    def in_speech(self) -> bool:
        return bool(self.segments) and self.segments[-1].offset is None

    @property
    def pause_word(self) -> str:
        return self.dialog.pause_word

    @property
    def partners(self) -> Partners:
        return self.dialog.partners

    def name(self, letter: str) -> str:
        """A partner's name from "A" or "B"."""
        return self.partners.A if letter == "A" else self.partners.B

    def begin_pause(self, by: str | None = None) -> None:
        """Hold everything and start the pause protocol. ``by`` says what asked for it (the
        ``paused`` event's field): word, key, button, knock, check_in or microphone."""
        if self._pause is not None or self.ending:
            return
        self._hold(by)
        self._pause = pause_protocol(self)
        self._send("pause", None)

    def begin_care(self) -> None:
        """Words that suggest danger were heard: pause gently, give the crisis line, and ask
        whether to stop or go on (``dialog/care.py``), in place of a pause already running. The
        log gets a ``care`` step, never the words; such words heard again change nothing."""
        if self.ending or self._in_care:
            return
        if self._pause is None:
            self._hold("care")
        else:
            self._silence()
            self._pause.close()
            self.timers.cancel("pause")
        self._in_care = True
        self.tally.care += 1
        self.emit(StepStarted(self.now, CARE_STEP, CARE_STEP))
        self._pause = care_protocol(self)
        self._send("pause", None)

    def _hold(self, by: str | None) -> None:
        """Stop the voice, close the open turn, and mark the session paused."""
        self._silence()
        if self.turn is not None:
            self.turn.close(self, "pause")
        self.emit(Paused(self.now, by))
        self.tally.pauses += 1
        self._paused_at = self.now

    def stop(self) -> None:
        """End the session kindly, from wherever it is."""
        if self.ending:
            return
        self._silence()
        self._close_flows()
        if self._in_care:
            self._begin_end("stop", self._care_end())
        else:
            self._begin_end("stop", prompts.STOPPING)

    # -- inside ---------------------------------------------------------------------------

    def _active(self) -> str:
        return "pause" if self._pause is not None else "flow"

    def _send(self, scope: str, item: object) -> None:
        """Run the flow of ``scope`` until it waits again; handle how it finishes."""
        gen = self._pause if scope == "pause" else self._flow
        if gen is None:
            return
        previous, self._scope = self._scope, scope
        try:
            if item is None:
                next(gen)
            else:
                gen.send(item)
        except StopIteration as stop:
            if scope == "pause":
                self._after_pause(str(stop.value))
        except Ended:
            self._close_flows()
        finally:
            self._scope = previous

    def _after_pause(self, outcome: str) -> None:
        self._pause = None
        self.timers.cancel("pause")
        in_care, self._in_care = self._in_care, False
        if in_care and outcome == "end":
            self._close_flows()
            self._begin_end("stop", self._care_end())
            return
        if outcome == "resume":
            paused_for = self.now - self._paused_at
            self.emit(Resumed(self.now))
            self.timers.shift("flow", paused_for)
            self._send("flow", Resume(self.now, paused_for))
            return
        self.tally.follow_up(self.script, self.step_id, self.now)
        self._close_flows()
        reason = "not_now" if outcome == "not_now" else "unanswered"
        self._begin_end(reason, prompts.NOT_NOW if reason == "not_now" else prompts.UNANSWERED)

    def _care_end(self) -> str:
        return text_of(self, prompts.CARE_END, None)

    def _begin_end(self, reason: str, text: str) -> None:
        self._flow = finish(self, reason, text)
        self._send("flow", None)

    def _close_flows(self) -> None:
        for gen in (self._pause, self._flow):
            if gen is not None:
                gen.close()
        self._pause = self._flow = None
        self.timers.cancel("pause")
        self.timers.cancel("flow")

    def _silence(self) -> None:
        """Stop the voice now, if it is speaking."""
        if self.playing is not None:
            self.emit(actions.StopSpeaking())
            self._stopped_playing()

    def _stopped_playing(self) -> None:
        if self.playing is not None and self.playing.text is not None:
            self._said.ended(self.now)
        self.playing = None
        self.emit(actions.ResetRecognizer())

    def _speech_end(self, item: SpeechEnd) -> None:
        if self.segments and self.segments[-1].offset is None:
            segment = self.segments[-1]
            segment.offset = item.t
            if segment.onset >= self.listen_since - 0.1 and not self._is_echo_time(segment.onset):
                self.heard_at = max(self.heard_at, item.t)
        self._send(self._active(), item)

    def _spotted(self, spot: Spotted) -> None:
        if self._is_echo(spot):
            return
        if spot.kind == "pause":
            self.begin_pause("word")
            return
        if spot.name == "stop" and self.playing is not None:
            # Barge-in: "stop" over the guide's voice stops it at once and pauses; a short word
            # heard through the echo may be imagined, and a pause can be undone where an ended
            # session cannot. "Stop" or "not now" at the pause question then ends it.
            self.begin_pause("word")
            return
        if spot.word_end is not None and spot.word_end < self.listen_since - 0.05 and self.playing is None:
            return  # words from before the microphone was opened for anyone: a prompt's echo
        self._pending.append(spot)

    def _gesture(self, gesture: Gesture) -> None:
        """A key, the button or a knock: pause; go on from a pause (Enter; the button pressed
        again); or end kindly (the button held)."""
        if gesture.kind == "end":
            self.stop()
        elif gesture.kind == "pause" and (self._pause is None or gesture.by != "button"):
            self.begin_pause(gesture.by)
        elif self._pause is not None and not self._in_care and not self.ending:
            self._silence()
            self._pause.close()
            self.timers.cancel("pause")
            self._pause = going_on(self)
            self._send("pause", None)

    def _final(self, final: Final) -> None:
        pending, self._pending = self._pending, []
        if final.care:
            # Words that suggest danger win like the pause word, also over the guide's voice:
            # no prompt says any of them (tests/test_library.py), so they cannot be its echo.
            self.begin_care()
            return
        if not final.text.strip() and not pending and not final.answer:
            return
        if final.end is not None and (final.end < self.listen_since - 0.05 or self._is_echo_time(final.end)):
            if not any(s.name == "stop" for s in pending):
                return
        heard = Heard(final.t, final.text, final.start, final.end, self._commands_in(final.text, pending),
                      final.answer)
        if "stop" in heard.commands:
            if self._pause is None and not self._sure_stop(pending):
                self.begin_pause("word")  # asked whether to go on, "not now" ends it
            else:
                self.stop()
        elif self.playing is None and not self.ending:
            self._send(self._active(), heard)

    @staticmethod
    def _sure_stop(spots: list[Spotted]) -> bool:
        """Whether "stop" was heard surely: by the recognizers' words, or by the keyword model at
        SURE_STOP. A less sure "stop" pauses first, as one said over the guide's voice does (the
        pause question's "not now" ends)."""
        return any(s.name == "stop" and (s.source != "keyword" or s.score >= SURE_STOP) for s in spots)

    def _commands_in(self, text: str, spots: list[Spotted]) -> tuple[str, ...]:
        """Commands that the utterance is (nearly all of it), ends with (done, next), or holds
        anywhere (more time)."""
        words = normalize(text)
        count = len(words.split())
        names: list[str] = []
        for spot in spots:
            said = normalize(spot.text)
            whole = count <= len(said.split()) + 2
            closing = spot.name in _CLOSING and ends_with(words, said, self.dialog.fuzzy_threshold, _COURTESY)
            if (whole or closing) and spot.name not in names:
                names.append(spot.name)
        return tuple(names)

    def _is_echo(self, spot: Spotted) -> bool:
        """Whether a spot is the guide's own prompt coming back through the microphone."""
        when = spot.word_end if spot.word_end is not None else spot.t
        return self._said.is_echo(spot.text, when, self.now, self.dialog.fuzzy_threshold)

    def _is_echo_time(self, t: float) -> bool:
        """Whether ``t`` falls while a prompt was playing (or just after it)."""
        return self._said.during(t, self.now)

    def _drain(self) -> list[Out]:
        out, self._out = self._out, []
        if any(isinstance(o, actions.End) for o in out):
            self.finished = True
        return out
