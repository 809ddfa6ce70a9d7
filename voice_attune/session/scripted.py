"""Drive the dialog engine without audio: partners as scripted utterances (for unit tests).

This stands in for the listener and the runner at once, so a test reads as the behaviour it
checks: "Sam says 'I'm done' 2 s into the turn" -> the turn ends. Everything else (timers,
the pause protocol, the events) is the real engine's. ``from_scenario`` reads a scenario file's
replies as utterances, so a scenario's path through a script can be checked in milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from voice_attune.asr.carewords import CareWords
from voice_attune.asr.recognizer import Hypothesis
from voice_attune.asr.spotter import Spotter, phrases_for
from voice_attune.config import DEFAULT_COMMANDS, Config
from voice_attune.config.care import CareSettings
from voice_attune.dialog import actions
from voice_attune.dialog.engine import Engine, Out
from voice_attune.dialog.inputs import Gesture, Played, Started, Tick
from voice_attune.events import Event, Final, SpeechEnd, SpeechStart, Spotted
from voice_attune.session.scenario import Scenario

STEP = 0.03
"""Seconds per tick, as the listener's frames."""
WORDS_PER_SECOND = 2.5
"""How fast the simulated guide speaks: prompt length in seconds from its words."""
FINAL_DELAY = 0.6
"""A final transcript arrives this long after the speech ends (the VAD's end silence)."""


@dataclass(frozen=True)
class Utter:
    """One utterance of a simulated partner."""

    text: str
    after: float = 0.5
    """Seconds of silence before it (from the guide opening the microphone, or the last one)."""
    seconds: float | None = None
    """How long it lasts (default: from its words)."""
    commands: tuple[str, ...] = ()
    """Command names the spotter would report in it (e.g. ("done",))."""
    pause: bool = False
    """It is the pause word (spotted while it is still being said)."""
    keyword_score: float | None = None
    """Its commands were heard by the keyword model alone, at this score (0-100); None: by the
    recognizers' words."""


@dataclass
class ScriptedRun:
    """Feeds an engine: prompts take time by their words, replies come when it listens."""

    engine: Engine
    replies: list[list[Utter]] = field(default_factory=list)
    barge_in: dict[int, tuple[float, Utter]] = field(default_factory=dict)
    """Prompt number (from 1) -> (seconds into it, utterance)."""
    gestures: list[Gesture] = field(default_factory=list)
    """Keys, button presses and knocks, at their own times."""
    care_words: tuple[str, ...] = CareSettings().words
    """Words the listener would mark as suggesting danger (``final.care``): the phrase half of its
    care check; the meaning half (asr/caremeaning.py) is left out here, to keep these runs instant,
    and is tested through the real listener."""
    outs: list[Out] = field(default_factory=list)
    now: float = 0.0
    _queue: list[tuple[float, int, object]] = field(default_factory=list)
    _says: int = 0
    _playing_until: float | None = None
    _seq: int = 0

    @property
    def events(self) -> list[Event]:
        return [o for o in self.outs if isinstance(o, Event)]

    def of_type(self, kind: str) -> list:
        return [e for e in self.events if e.type == kind]

    def actions(self, kind: type) -> list:
        return [o for o in self.outs if isinstance(o, kind)]

    def run(self, until: float = 3600.0) -> "ScriptedRun":
        self._take(self.engine.start(0.0))
        for gesture in self.gestures:
            self._push(gesture.t, gesture)
        while not self.engine.finished and self.now < until:
            self.now = round(self.now + STEP, 3)
            due = sorted((q for q in self._queue if q[0] <= self.now), key=lambda q: (q[0], q[1]))
            self._queue = [q for q in self._queue if q[0] > self.now]
            for _, _, item in due:
                if isinstance(item, Played) and self._playing_until != item.t:
                    continue  # that prompt was stopped
                if isinstance(item, Played):
                    self._playing_until = None
                if isinstance(item, Event):
                    self.outs.append(item)  # what was heard goes in the log too, as in a session
                self._take(self.engine.feed(item))
            self._take(self.engine.feed(Tick(self.now)))
        return self

    def _take(self, outs: list[Out]) -> None:
        for out in outs:
            self.outs.append(out)
            t = self.engine.now
            if isinstance(out, (actions.Say, actions.Chime)):
                seconds = 0.3 if isinstance(out, actions.Chime) else max(0.5, len(out.text.split()) / WORDS_PER_SECOND)
                self._playing_until = round(t + seconds, 3)
                self._push(t, Started(t, seconds))
                self._push(t + seconds, Played(round(t + seconds, 3)))
                if isinstance(out, actions.Say):
                    self._says += 1
                    if self._says in self.barge_in:
                        offset, utter = self.barge_in[self._says]
                        self._utter(t + offset, utter)
            elif isinstance(out, actions.StopSpeaking):
                self._playing_until = None
            elif isinstance(out, actions.Listen) and self.replies:
                at = t
                for utter in self.replies.pop(0):
                    at = self._utter(at + utter.after, utter)

    def _utter(self, start: float, u: Utter) -> float:
        seconds = u.seconds if u.seconds is not None else max(0.4, len(u.text.split()) * 0.35)
        end = start + seconds
        self._push(start + 0.12, SpeechStart(start))
        if u.pause:
            self._push(end + 0.1, Spotted(end + 0.1, "pause", "pause", u.text, 100.0, end))
        self._push(end + FINAL_DELAY, SpeechEnd(end, seconds))
        for name in u.commands:
            said = DEFAULT_COMMANDS[name][0] if name in DEFAULT_COMMANDS else name
            score, source = (100.0, "transcript") if u.keyword_score is None else (u.keyword_score, "keyword")
            self._push(end + FINAL_DELAY, Spotted(end + FINAL_DELAY, "command", name, said, score, end, source))
        if CareWords(self.care_words).find(u.text):  # as the listener does
            self._push(end + FINAL_DELAY, Final(end + FINAL_DELAY, "", start, end, care=True))
        else:
            self._push(end + FINAL_DELAY, Final(end + FINAL_DELAY, u.text, start, end))
        return end

    def _push(self, t: float, item: object) -> None:
        self._seq += 1
        self._queue.append((round(t, 3), self._seq, item))


def from_scenario(scenario: Scenario, config: Config) -> tuple[list[list[Utter]], dict[int, tuple[float, Utter]]]:
    """A scenario's replies and barge-ins as utterances: silences become the time before the
    next words, the pause word is spotted as it is said, and commands are what the real spotter
    finds in the words (the engine then judges them, as in a session)."""
    spotter = Spotter(phrases_for(config.pause_words, config.spotter.commands), config.spotter.fuzzy_threshold)

    def utter(text: str, after: float) -> Utter:
        spots = spotter.match(Hypothesis(text, (), True))
        spotter.forget()
        pause = any(s.phrase.kind == "pause" for s in spots)
        commands = tuple(dict.fromkeys(s.phrase.name for s in spots if s.phrase.kind == "command"))
        return Utter(text, after=after, commands=commands, pause=pause)

    replies = []
    for reply in scenario.replies:
        said, after = [], 0.0
        for piece in reply:
            if piece.silence is not None:
                after += piece.silence
            elif piece.say is not None:
                said.append(utter(piece.say, after))
                after = 0.0
        replies.append(said)
    barge = {b.during_say: (b.at, utter(b.say, 0.0)) for b in scenario.barge_in}
    return replies, barge
