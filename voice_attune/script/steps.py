"""Session scripts as frozen dataclasses: the settings, one class per step kind, the script.

A script is a YAML file a counsellor can read and write. Each step is a mapping with exactly
one kind key (say, turn, mirror, choose, ask, breathe, for_each_partner, goto, end, check_in,
set_aside)
whose value is the step's main thing, plus that kind's optional keys beside it, plus the
common keys ``id``, ``low_energy`` and ``allow_pause_word``. Everything optional has a default.

    title: Daily check-in
    description: Each of you says how you feel and what you need most.
    minutes: 3-6
    settings:
      turn_seconds: 60
      low_energy: {turn_seconds: 40}
    steps:
      - say: "Hello {A} and {B}. To pause at any time, say {pause_word}."
      - breathe: 2                  # two slow breaths: in 4, hold 4, out 6 seconds
        low_energy: {skip: true}
      - for_each_partner:           # A speaks and B listens, then the other way round
          - choose: "{speaker}, which word is closest to how you feel? {options}"
            id: feeling
            options: [tired, tense, calm, hopeful]
          - turn: speaker           # who: speaker, listener, A or B
            seconds: 45
          - say: "{listener}, please thank {speaker}."
      - ask: "{A}, would you like to add one more thing?"
        answers: {yes: more, no: next}    # a step id, next, or end
      - end: "Thank you both."
      - say: "Go ahead."
        id: more
      - turn: A

Prompts are templates (see ``template.py``): {A}, {B}, {speaker}, {listener}, {pause_word},
{remaining}, {options}, and the id of an earlier choose or ask step, or of a turn with
``remember: true`` ({feeling}, {feeling.B}, {feeling.need}). In a step's own prompts, {speaker}
is the partner who speaks in that step. A step's ``low_energy`` is ``skip: true``, ``instead:``
another step, or its own keys with new values; ``settings.low_energy`` changes the settings.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import ClassVar, Iterator, Literal, Mapping, Union

Who = Literal["speaker", "listener", "A", "B"]
"""A role inside for_each_partner (speaker, listener) or a partner by letter."""
Anyone = Literal["anyone", "speaker", "listener", "A", "B"]
"""Who may answer a question: ``anyone`` means either partner."""

NEXT, END = "next", "end"
TARGETS = (NEXT, END)
"""Where an answer may lead besides a step id."""


@dataclass(frozen=True)
class LowEnergySettings:
    """Settings that change when the couple chose a low-energy session; None keeps the usual."""

    turn_seconds: float | None = None
    warning_seconds: float | None = None
    patience_seconds: float | None = None
    mirror_seconds: float | None = None
    mirror_rounds: int | None = None
    clarify_seconds: float | None = None
    reprompt_seconds: float | None = None
    give_up_seconds: float | None = None
    pause_breaths: int | None = None
    voice_speed: float | None = None


@dataclass(frozen=True)
class Settings:
    """Per-script timing; every step may override its own part. Times are audio seconds."""

    turn_seconds: float = 90.0
    """Longest speaking turn."""
    warning_seconds: float = 20.0
    """A gentle warning this long before a turn's end; 0 gives none."""
    patience_seconds: float = 12.0
    """Silence that ends a turn. Generous: people who feel low speak slowly and pause long."""
    mirror_seconds: float = 60.0
    """Longest time for the listener to say back what they heard."""
    mirror_rounds: int = 3
    """How many times the listener mirrors at most, the first time included."""
    clarify_seconds: float = 30.0
    """The speaker's short turn after "not quite"."""
    reprompt_seconds: float = 20.0
    """Silence after a question before it is asked once more."""
    give_up_seconds: float = 180.0
    """Silence after a question (counted from the question) that ends the session by itself."""
    pause_breaths: int = 2
    """Breaths guided after the pause word, before asking whether to go on."""
    voice_speed: float = 1.0
    """Speaking rate relative to the configured voice (0.9 is a little slower)."""
    low_energy: LowEnergySettings = field(default_factory=LowEnergySettings)
    """What changes in a low-energy session."""

    def for_energy(self, low: bool) -> Settings:
        """These settings, or their low-energy version."""
        if not low:
            return self
        changes = {k: v for k, v in dataclasses.asdict(self.low_energy).items() if v is not None}
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True, kw_only=True)
class BaseStep:
    """What every step has besides its kind."""

    kind: ClassVar[str]
    main: ClassVar[str]
    """The field that the kind key's value fills (``say: "Hello"`` fills ``text``)."""
    keys: ClassVar[Mapping[str, str]] = {}
    """YAML keys that differ from field names (``in`` is a Python keyword)."""

    id: str | None = None
    """A name for goto and answers to lead here; for choose and ask also the value's name."""
    allow_pause_word: bool = False
    """Let a prompt contain a pause word (the assistant would otherwise pause itself)."""
    low_energy: LowEnergy | None = None
    """How this step changes in a low-energy session."""
    line: int = 0
    """Line in the script file where the step begins."""
    lines: Mapping[str, int] = field(default_factory=dict, repr=False, compare=False)
    """Line of each key given, for messages."""

    def line_of(self, key: str) -> int:
        """The line of a key of this step, or of the step itself."""
        return self.lines.get(key, self.line)


@dataclass(frozen=True, kw_only=True)
class Say(BaseStep):
    """Speak a prompt."""

    kind: ClassVar[str] = "say"
    main: ClassVar[str] = "text"
    text: str


@dataclass(frozen=True, kw_only=True)
class Turn(BaseStep):
    """One partner speaks until done, a long silence, skip, or the time limit."""

    kind: ClassVar[str] = "turn"
    main: ClassVar[str] = "who"
    who: Who = "speaker"
    seconds: float | None = None
    """Longest turn; None: the script's turn_seconds."""
    warning: float | None = None
    """Warn this long before the end; 0: no warning; None: the script's warning_seconds."""
    patience: float | None = None
    """Silence that ends the turn; None: the script's patience_seconds."""
    remember: bool = False
    """Keep the words heard as {id} for later prompts ("Here is your message: {message}").
    Held in memory for this session only, never stored."""
    warning_prompt: str = "About {remaining} left."
    time_up_prompt: str = "Thank you, {speaker}. That's our time for this turn."


@dataclass(frozen=True, kw_only=True)
class Mirror(BaseStep):
    """The other partner says back what they heard; the speaker confirms or clarifies."""

    kind: ClassVar[str] = "mirror"
    main: ClassVar[str] = "who"
    who: Who = "speaker"
    """Whose words are said back; the other partner mirrors them."""
    seconds: float | None = None
    """Longest mirroring; None: the script's mirror_seconds."""
    rounds: int | None = None
    """Most mirrorings, the first included; None: the script's mirror_rounds."""
    clarify_seconds: float | None = None
    ask_more: bool = True
    """Ask "Is there more?" at the end; yes gives the speaker a turn and one more mirroring."""
    more_seconds: float | None = None
    """The speaker's turn after "yes, there is more"; None: the script's turn_seconds."""
    prompt: str = (
        "{listener}, please say back what you heard from {speaker}. "
        "You could begin with: what I heard is."
    )
    confirm_prompt: str = "{speaker}, did that capture it? You can say yes, or not quite."
    clarify_prompt: str = "{speaker}, what would you like {listener} to hear again?"
    again_prompt: str = "{listener}, please say back what you heard this time."
    more_prompt: str = "{speaker}, is there more?"


@dataclass(frozen=True)
class Group:
    """A few options under one word, so a spoken menu stays short."""

    name: str
    options: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Choose(BaseStep):
    """Offer a short spoken menu, confirm the choice, remember it as {id}."""

    kind: ClassVar[str] = "choose"
    main: ClassVar[str] = "prompt"
    derived: ClassVar[tuple[str, ...]] = ("groups",)
    prompt: str
    options: tuple[str, ...]
    """Every option, in order."""
    groups: tuple[Group, ...] = ()
    """The options grouped (empty when the script gave a plain list)."""
    needs: Mapping[str, str] = field(default_factory=dict)
    """A concrete need for each option, available as {id.need}."""
    who: Who = "speaker"
    own_words: bool = True
    """"Something else" lets the partner answer in their own words."""
    confirm_prompt: str | None = None
    """None: "You chose {id}. Is that right?"."""

    @property
    def confirm(self) -> str:
        """The confirmation prompt, defaulted from the id."""
        return self.confirm_prompt or f"You chose {{{self.id}}}. Is that right?"


@dataclass(frozen=True, kw_only=True)
class Ask(BaseStep):
    """A yes/no (or small set) question; each answer leads to a step id, next or end."""

    kind: ClassVar[str] = "ask"
    main: ClassVar[str] = "prompt"
    prompt: str
    answers: Mapping[str, str]
    """Answer word -> where to go. Words stay words: "yes" is never a boolean. The answer
    ``other`` catches anything else; without it, the question is asked again."""
    who: Anyone = "anyone"


@dataclass(frozen=True, kw_only=True)
class Breathe(BaseStep):
    """A guided breath of a set pattern, timed on the audio clock."""

    kind: ClassVar[str] = "breathe"
    main: ClassVar[str] = "count"
    keys: ClassVar[Mapping[str, str]] = {"in": "breathe_in", "out": "breathe_out"}
    count: int = 3
    breathe_in: float = 4.0
    hold: float = 4.0
    breathe_out: float = 6.0
    prompt: str = "Let's take a few slow breaths together."

    @property
    def seconds(self) -> float:
        """How long the breathing lasts, without the prompt."""
        return self.count * (self.breathe_in + self.hold + self.breathe_out)


@dataclass(frozen=True, kw_only=True)
class ForEachPartner(BaseStep):
    """Run the nested steps with A speaking and B listening, then swapped."""

    kind: ClassVar[str] = "for_each_partner"
    main: ClassVar[str] = "steps"
    steps: tuple[Step, ...]
    first: Literal["A", "B"] = "A"


@dataclass(frozen=True, kw_only=True)
class Goto(BaseStep):
    """Go on at another step."""

    kind: ClassVar[str] = "goto"
    main: ClassVar[str] = "target"
    target: str


@dataclass(frozen=True, kw_only=True)
class End(BaseStep):
    """End the session, with an optional closing prompt."""

    kind: ClassVar[str] = "end"
    main: ClassVar[str] = "text"
    text: str | None = None


@dataclass(frozen=True, kw_only=True)
class CheckIn(BaseStep):
    """Ask whether both are comfortable continuing; "no" starts the pause protocol."""

    kind: ClassVar[str] = "check_in"
    main: ClassVar[str] = "prompt"
    prompt: str = "Are you comfortable continuing?"


@dataclass(frozen=True, kw_only=True)
class SetAside(BaseStep):
    """Keep something to come back to another day: the history holds it, and the next session
    raises it once. Place it where the couple said they want to come back to something."""

    kind: ClassVar[str] = "set_aside"
    main: ClassVar[str] = "text"
    text: str = "Okay. I'll keep this to come back to, and ask you about it next time."
    topic: str | None = None
    """What the next session calls it: "Last time, in your {topic}, you set something aside";
    default: the script's title."""


Step = Union[Say, Turn, Mirror, Choose, Ask, Breathe, ForEachPartner, Goto, End, CheckIn, SetAside]
STEP_KINDS: dict[str, type] = {
    cls.kind: cls
    for cls in (Say, Turn, Mirror, Choose, Ask, Breathe, ForEachPartner, Goto, End, CheckIn, SetAside)
}


@dataclass(frozen=True)
class LowEnergy:
    """A step in a low-energy session: skipped, or replaced by ``step``."""

    skip: bool = False
    step: Step | None = None
    """The step with its low-energy changes (or the ``instead`` step); None when skipped."""


@dataclass(frozen=True)
class Script:
    """A whole session script, checked."""

    title: str
    description: str
    minutes: tuple[float, float]
    """Expected length, lowest and highest (equal when one number was given)."""
    steps: tuple[Step, ...]
    settings: Settings = field(default_factory=Settings)
    path: str = ""
    """The file it was loaded from."""
    lines: Mapping[str, int] = field(default_factory=dict, repr=False, compare=False)
    """Line of each top-level key, and of each settings key as ``settings.turn_seconds``."""

    @property
    def name(self) -> str:
        """The library name: the file name without .yaml."""
        base = self.path.replace("\\", "/").rsplit("/", 1)[-1]
        return base.rsplit(".", 1)[0] if "." in base else base

    @property
    def minutes_text(self) -> str:
        """"3-6" or "5"."""
        low, high = (f"{m:g}" for m in self.minutes)
        return low if low == high else f"{low}-{high}"

    def all_steps(self) -> Iterator[Step]:
        """Every step, nested ones included, in document order."""
        yield from walk(self.steps)

    def find(self, step_id: str) -> Step | None:
        """The step with this id, if any."""
        return next((s for s in self.all_steps() if s.id == step_id), None)


def walk(steps: tuple[Step, ...]) -> Iterator[Step]:
    """Steps and their nested steps, in document order (low-energy variants not included)."""
    for step in steps:
        yield step
        if isinstance(step, ForEachPartner):
            yield from walk(step.steps)


def for_energy(step: Step, low: bool) -> Step | None:
    """The step as run in this session: itself, its low-energy version, or None (skipped)."""
    if not low or step.low_energy is None:
        return step
    return None if step.low_energy.skip else step.low_energy.step


def remembers(step: Step) -> bool:
    """Whether a step keeps a value for later prompts as {id}."""
    if isinstance(step, Turn):
        return step.remember and step.id is not None
    return isinstance(step, (Choose, Ask)) and step.id is not None


def resolve(step: Step, settings: Settings) -> Step:
    """The step with every "None: the script's setting" filled in from ``settings``."""
    if isinstance(step, Turn):
        return dataclasses.replace(
            step,
            seconds=_given(step.seconds, settings.turn_seconds),
            warning=_given(step.warning, settings.warning_seconds),
            patience=_given(step.patience, settings.patience_seconds),
        )
    if isinstance(step, Mirror):
        return dataclasses.replace(
            step,
            seconds=_given(step.seconds, settings.mirror_seconds),
            rounds=int(_given(step.rounds, settings.mirror_rounds)),
            clarify_seconds=_given(step.clarify_seconds, settings.clarify_seconds),
            more_seconds=_given(step.more_seconds, settings.turn_seconds),
        )
    if isinstance(step, Choose):
        return dataclasses.replace(step, confirm_prompt=step.confirm)
    return step


def _given(value: float | None, default: float) -> float:
    return default if value is None else value


def a_kind(kind: str) -> str:
    """"a turn", "an ask": a step kind with its article, for messages."""
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


def roles(who: str, loop_speaker: str | None) -> tuple[str, str] | None:
    """(speaker, listener) as partner letters for a step's ``who``; None if unknown here.

    ``loop_speaker`` is the partner speaking in the current for_each_partner pass, if any.
    """
    other = {"A": "B", "B": "A"}
    if who in ("A", "B"):
        return who, other[who]
    if loop_speaker is None:
        return None
    if who == "listener":
        return other[loop_speaker], loop_speaker
    return loop_speaker, other[loop_speaker]
