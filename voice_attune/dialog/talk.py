"""Speaking turns and mirroring: the timed part of a session.

A turn's clock is the audio clock. Its speech time counts the listener's voice activity inside
the turn, leaving out moments when the guide itself speaks (a warning) and pauses, so the
guide's own voice coming back through the microphone is never counted as a partner's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from voice_attune import FRAME_MS
from voice_attune.dialog import prompts
from voice_attune.dialog.basics import chime, say, text_of
from voice_attune.dialog.host import Gen, Host
from voice_attune.dialog.inputs import Fired, Heard, Resume
from voice_attune.dialog.questions import yes_no_question
from voice_attune.dialog.summary import about
from voice_attune.events import SpeechEnd, SpeechStart, TurnEnd, TurnStart, TurnWarning
from voice_attune.script.steps import Mirror, Turn, roles
from voice_attune.text import normalize, score

FRAME_S = FRAME_MS / 1000.0
EXTRA_SHARE = 0.5
""""More time" adds this share of the turn's length (at least MIN_EXTRA seconds), once."""
MIN_EXTRA = 20.0
LOOSE_COMMAND = 80.0
"""How closely the last words of a turn must match "I'm done" to be left out of what is
remembered: "i'm down" (87.5) is the recognizer's "I'm done", not the partner's words."""


@dataclass
class OpenTurn:
    """A turn in progress (or the part of it since a pause)."""

    partner: str
    role: str
    started: float
    deadline: float
    windows: list[list[float | None]] = field(default_factory=list)
    """Stretches of audio time in which the partner's voice counts: [start, end or None]."""
    words: list[str] = field(default_factory=list)
    """What was heard in the turn (kept only for a turn with ``remember``)."""
    closed: bool = False

    def hold(self, now: float) -> None:
        """The guide speaks now: its voice must not count as the partner's."""
        if self.windows and self.windows[-1][1] is None:
            self.windows[-1][1] = now

    def open(self, now: float) -> None:
        if not self.windows or self.windows[-1][1] is not None:
            self.windows.append([now, None])

    def speech(self, e: Host) -> float:
        """Seconds the partner spoke in this turn so far.

        The VAD marks whole 30 ms frames, so a stretch of speech comes out about one frame
        longer than it was (half a frame at each end, on average): one frame is taken off each.
        """
        total = 0.0
        for start, end in self.windows:
            end = e.now if end is None else end
            for seg in e.segments:
                offset = e.now if seg.offset is None else seg.offset
                overlap = min(end, offset) - max(start, seg.onset)
                total += max(0.0, overlap - FRAME_S)
        return total

    def quiet_since(self, e: Host) -> float | None:
        """Since when nobody has spoken in the turn (None while someone speaks)."""
        if e.in_speech and e.segments[-1].onset < e.now:
            return None
        opened = self.windows[-1][0] if self.windows else self.started
        last = e.segments[-1].offset if e.segments else None
        return max(opened, last or 0.0)

    def close(self, e: Host, reason: str) -> None:
        """End the turn (or its part before a pause) with ``reason``; logs turn_end."""
        if self.closed:
            return
        self.hold(e.now)
        self.closed = True
        spoke = self.speech(e)
        e.tally.speech_s[self.partner] += spoke
        e.emit(TurnEnd(e.now, self.partner, reason, spoke, e.now - self.started))
        e.turn = None


def turn_step(e: Host, step: Turn, loop_speaker: str | None) -> Gen:
    """A turn step of the script."""
    speaker, _ = roles(step.who, loop_speaker)
    words = yield from turn(e, speaker, "speak", step.seconds, step.patience, step.warning,
                            step.warning_prompt, step.time_up_prompt)
    heard = before_command(e, " ".join(words), "done")  # a misheard "I'm done" said last
    if step.remember and step.id and heard:  # nothing heard: later prompts say "something"
        e.values.setdefault(step.id, {})[speaker] = heard
        e.values[step.id]["_"] = heard


def turn(e: Host, partner: str, role: str, limit: float, patience: float, warning: float,
         warning_prompt: str = Turn.warning_prompt, time_up_prompt: str = Turn.time_up_prompt) -> Gen:
    """One partner speaks until done, skip, a long silence or the time limit.

    Returns the words heard. A pause closes the turn with reason "pause"; on resume it opens
    again with the time that was left.
    """
    yield from chime(e, "turn_start")
    turn = _open(e, partner, role, e.now + limit, limit)
    _arm(e, turn, warning, patience)
    nudged = extended = False
    heard_any = False
    while True:
        inp = yield
        if isinstance(inp, SpeechStart):
            e.cancel_timer("patience")
            heard_any = heard_any or inp.t >= turn.started
        elif isinstance(inp, SpeechEnd):
            _arm_patience(e, turn, patience)
        elif isinstance(inp, Resume):
            turn = yield from _reopen(e, turn, inp, role)
            _arm(e, turn, warning, patience, warned=turn.deadline - e.now <= warning)
        elif isinstance(inp, Fired) and inp.name == "warning":
            e.emit(TurnWarning(e.now, partner, turn.deadline - e.now))
            resumed = yield from _aside(e, turn, text_of(e, warning_prompt, partner,
                                                        remaining=about(turn.deadline - e.now)))
            if resumed is not None:
                turn = yield from _reopen(e, turn, resumed, role)
                _arm(e, turn, warning, patience, warned=True)
            _arm_patience(e, turn, patience)
        elif isinstance(inp, Fired) and inp.name == "limit":
            turn.close(e, "time_limit")
            yield from chime(e, "turn_end")
            yield from say(e, text_of(e, time_up_prompt, partner), remember=False)
            return turn.words
        elif isinstance(inp, Fired) and inp.name == "patience":
            if not heard_any and not nudged:
                nudged = True
                resumed = yield from _aside(e, turn, text_of(e, prompts.TURN_NUDGE, partner))
                if resumed is not None:
                    turn = yield from _reopen(e, turn, resumed, role)
                    _arm(e, turn, warning, patience)
                e.listen(partner)
                _arm_patience(e, turn, patience)
                continue
            turn.close(e, "silence")
            yield from chime(e, "turn_end")
            return turn.words
        elif isinstance(inp, Heard):
            heard_any = True
            commands = inp.commands
            if "done" in commands or "next" in commands:
                said = before_command(e, inp.text, "done" if "done" in commands else "next")
                if said:
                    turn.words.append(said)
                turn.close(e, "done" if "done" in commands else "skip")
                yield from chime(e, "turn_end")
                return turn.words
            if "more_time" in commands:
                if not extended:
                    extended = True
                    extra = max(MIN_EXTRA, limit * EXTRA_SHARE)
                    turn.deadline += extra
                    _arm(e, turn, warning, patience, warned=False)
                    line = prompts.MORE_TIME
                else:
                    line = prompts.NO_MORE_TIME
                resumed = yield from _aside(e, turn, text_of(e, line, partner,
                                                            remaining=about(turn.deadline - e.now)))
            elif "repeat" in commands and e.last_prompt:
                resumed = yield from _aside(e, turn, e.last_prompt)
                e.listen(partner)
            elif "help" in commands:
                resumed = yield from _aside(e, turn, text_of(e, prompts.TURN_HELP, partner))
                e.listen(partner)
            else:
                resumed = None
                turn.words.append(inp.text)
            if resumed is not None:
                turn = yield from _reopen(e, turn, resumed, role)
                _arm(e, turn, warning, patience, warned=turn.deadline - e.now <= warning)
            _arm_patience(e, turn, patience)


def mirror(e: Host, step: Mirror, loop_speaker: str | None) -> Gen:
    """The listener says back what they heard; the speaker confirms or clarifies; is there more?"""
    speaker, listener = roles(step.who, loop_speaker)
    s = e.settings
    warning = s.warning_seconds if step.seconds > 2 * s.warning_seconds else 0.0
    yield from say(e, text_of(e, step.prompt, speaker))
    yield from turn(e, listener, "mirror", step.seconds, s.patience_seconds, warning)
    rounds = 1
    while True:
        answer = yield from yes_no_question(e, speaker, text_of(e, step.confirm_prompt, speaker), "unclear")
        if answer not in ("no", "unclear") or rounds >= step.rounds:
            break  # yes, or skipped
        rounds += 1
        # No clear answer is not a yes: the speaker gets the short clarify turn a "no" gets.
        clarify = prompts.MIRROR_UNCLEAR if answer == "unclear" else step.clarify_prompt
        yield from say(e, text_of(e, clarify, speaker))
        yield from turn(e, speaker, "clarify", step.clarify_seconds, s.patience_seconds, 0.0)
        yield from say(e, text_of(e, step.again_prompt, speaker))
        yield from turn(e, listener, "mirror", step.seconds, s.patience_seconds, warning)
    if step.ask_more:
        more = yield from yes_no_question(e, speaker, text_of(e, step.more_prompt, speaker))
        if more == "yes":
            yield from say(e, f"Go ahead, {e.name(speaker)}.")
            yield from turn(e, speaker, "speak", step.more_seconds, s.patience_seconds, s.warning_seconds)
            yield from say(e, text_of(e, step.again_prompt, speaker))
            yield from turn(e, listener, "mirror", step.seconds, s.patience_seconds, warning)


# -- inside a turn ---------------------------------------------------------------------------


def _open(e: Host, partner: str, role: str, deadline: float, limit: float) -> OpenTurn:
    turn = OpenTurn(partner, role, e.now, deadline)
    turn.open(e.now)
    e.turn = turn
    e.tally.turns[partner] += 1
    e.emit(TurnStart(e.now, partner, role, limit))
    e.listen(partner)
    return turn


def _reopen(e: Host, old: OpenTurn, resume: Resume, role: str) -> Gen:
    """After a pause: the same turn again, with the time that was left."""
    remaining = max(5.0, old.deadline + resume.paused_for - e.now)
    yield from say(e, text_of(e, prompts.TURN_RESUMED, old.partner, remaining=about(remaining)), remember=False)
    yield from chime(e, "turn_start")
    turn = OpenTurn(old.partner, role, e.now, e.now + remaining, words=old.words)
    turn.open(e.now)
    e.turn = turn
    e.emit(TurnStart(e.now, old.partner, role, remaining))
    e.listen(old.partner)
    return turn


def _aside(e: Host, turn: OpenTurn, text: str) -> Gen:
    """Say something inside a turn; the turn's clock keeps running, its speech count holds.
    Returns the ``Resume`` if a pause came in between (the turn then needs opening again)."""
    turn.hold(e.now)
    resumed = yield from say(e, text, remember=False)
    if not turn.closed:
        turn.open(e.now)
    return resumed


def _arm(e: Host, turn: OpenTurn, warning: float, patience: float, warned: bool = False) -> None:
    e.set_timer("limit", turn.deadline)
    if warning > 0 and not warned and turn.deadline - warning > e.now:
        e.set_timer("warning", turn.deadline - warning)
    else:
        e.cancel_timer("warning")
    _arm_patience(e, turn, patience)


def _arm_patience(e: Host, turn: OpenTurn, patience: float) -> None:
    quiet = turn.quiet_since(e)
    if quiet is None:
        e.cancel_timer("patience")
    else:
        e.set_timer("patience", quiet + patience)


def before_command(e: Host, text: str, name: str) -> str:
    """The words of an utterance before the command that closes it ("I'd like quiet. I'm done")."""
    tokens = normalize(text).split()
    for phrase in sorted(e.dialog.commands.get(name, ()), key=len, reverse=True):
        n = len(normalize(phrase).split())
        if len(tokens) >= n and score(normalize(phrase), " ".join(tokens[-n:])) >= LOOSE_COMMAND:
            return " ".join(tokens[:-n])
    return " ".join(tokens)
