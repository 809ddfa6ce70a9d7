"""How good a pause word is: synthesized sayings through the real listener, plus text checks.

The candidate is spoken by several voices at several speeds, alone and inside carrier
sentences; every recording goes through the same listener a session uses, on one engine.
Everyday sentences without the word show whether it is heard by mistake. Text similarity
(the spotter's own score) shows which commands or common words it could be taken for.
"""

from __future__ import annotations

import dataclasses
import re
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from voice_attune import FRAME_SAMPLES, SAMPLE_RATE
from voice_attune.asr.engines import open_engine
from voice_attune.asr.frames import frames_from_array
from voice_attune.asr.listener import Listener, build_listener
from voice_attune.asr.recognizer import SpeechModel
from voice_attune.config import Config
from voice_attune.errors import UserError
from voice_attune.events import Event, Final, Spotted, jsonable
from voice_attune.synthetic.compose import Composition, trim, word_end_in
from voice_attune.synthetic.speech import PIPER_VOICE, piper_available, synthesize
from voice_attune.text import normalize, score

DEFAULT_VOICES: tuple[tuple[str, int], ...] = (
    ("en-us", 160),
    ("en-us+f3", 135),
    ("en-us+m3", 185),
    ("en-us+klatt", 150),
    ("en-us+f5", 170),
)
"""espeak-ng voices and their speeds (words a minute); Piper joins them when installed."""

PIPER_SPEED = 150

CARRIERS: tuple[tuple[str, str], ...] = (
    ("start", "{w}, I need a break."),
    ("middle", "Please, {w}, for a moment."),
    ("end", "This is too much, {w}."),
    ("start", "{w}. Give me a moment."),
    ("middle", "Sorry, {w}, I feel overwhelmed."),
    ("end", "I can't do this now, {w}."),
)
"""Sentences that hold the word at the start, in the middle and at the end (no command words)."""

EVERYDAY: tuple[str, ...] = (
    "I had a long day and I'm really tired.",
    "Can you pick up the kids tomorrow?",
    "I feel like you didn't hear me.",
    "What do you want for dinner tonight?",
    "I love you, but this is hard to talk about.",
    "My mother called again about the holidays.",
    "Thank you for making coffee this morning.",
    "I'm not angry, just a little disappointed.",
)
"""Sentences a couple might say in a session; the pause word must not be heard in them."""

COMMON_WORDS: frozenset[str] = frozenset("""
okay ok yeah yes yep no nope sure right alright well so like just really actually basically
literally seriously honestly totally exactly maybe probably definitely absolutely anyway
whatever fine good great nice cool sorry please thanks hello hi hey wait listen look enough
stop hmm um uh oh wow what why how when where who because but and or if then now later never
always sometimes nothing something everything anything someone everyone nobody truly babe
baby honey sweetheart darling love dear go me you we us they them it this that these those
here there little lot lots much more less very too also again still even only ever feel felt
think thought said say tell talk hear heard mean want need hate care sad mad angry upset
tired happy hurt scared afraid worried calm quiet home work kids money dinner today tonight
tomorrow yesterday morning night weekend mom dad mother father family friend friends
""".split()) | frozenset({
    "all right", "thank you", "hold on", "hang on", "come on", "i know", "i mean", "you know",
    "i think", "i feel", "i guess", "i see", "i'm sorry", "of course", "no way", "oh well",
    "oh no", "excuse me", "never mind", "forget it", "let me", "not really", "kind of",
    "sort of", "a bit", "wait a minute", "one second", "just a second", "yes please",
})
"""Words and short phrases people say all the time in conversation."""

GOOD_RATE = 0.85
"""Share of sayings that must be heard for a "good" verdict."""
USABLE_RATE = 0.6
"""Below this share of sayings heard, the verdict is "poor"."""
CLOSE = 75.0
"""Text similarity (0-100) from which a command or common word is reported as a confusion."""
_LEAD_S = 0.4  # silence before each saying: more than the listener's pre-roll
_TAIL_S = 0.4  # silence after: room for a late spot; then the listener is closed
_GAP_S = 0.35  # between everyday sentences: short enough to stay one utterance
_SPOT_SLACK_S = 0.3  # a spot may end this much before or after the true word end and still be it


@dataclass(frozen=True)
class Trial:
    """One synthesized saying of the word and whether the listener paused for it."""

    voice: str
    speed: int
    """Words a minute."""
    place: str
    """"alone", "start", "middle" or "end" of a carrier sentence."""
    text: str
    heard: bool
    """A `spotted` pause event came for the word."""
    delay: float | None
    """Seconds from the end of the spoken word to the first pause event (None if not heard)."""
    transcript: str
    """What the free-speech recognizer made of the recording."""


@dataclass(frozen=True)
class VoiceResult:
    """How often one voice was heard."""

    voice: str
    speed: int
    """Words a minute."""
    heard: int
    tries: int


@dataclass(frozen=True)
class FalseSpot:
    """The pause word heard where nobody said it."""

    text: str
    """What was spoken."""
    voice: str
    heard: str
    """The recognized words that matched."""
    score: float
    """0-100."""


@dataclass(frozen=True)
class Confusion:
    """Something the word could be taken for, or taken as."""

    phrase: str
    source: str
    """"command" (a command phrase), "common" (a common word) or "audio" (heard so)."""
    name: str | None
    """The command's name, for commands."""
    similarity: float
    """0-100 by the spotter's score; 100 when the word contains the phrase or it was heard."""


@dataclass(frozen=True)
class WordWarning:
    """A reason for doubt about the word."""

    code: str
    """unknown, command, common, short, long, missed, false_spots, partial (or refused)."""
    message: str


@dataclass(frozen=True)
class WordReport:
    """The result of checking one candidate pause word."""

    word: str
    """The word or phrase as the spotter sees it (normalized)."""
    engine: str
    heard: int
    tries: int
    hit_rate: float | None
    """Share of sayings heard, 0-1 (None if nothing could be tried)."""
    median_delay: float | None
    """Seconds from the end of the word to the pause event, median over heard sayings."""
    per_voice: tuple[VoiceResult, ...]
    trials: tuple[Trial, ...]
    everyday_tried: int
    """How many everyday sentences without the word were spoken."""
    false_spots: tuple[FalseSpot, ...]
    confusions: tuple[Confusion, ...]
    unknown_words: tuple[str, ...]
    """Words of the phrase the recognizer's vocabulary lacks."""
    warnings: tuple[WordWarning, ...]
    verdict: str
    """"good", "usable" or "poor"."""
    reason: str
    """One line saying why."""
    skipped: str | None
    """Why nothing was listened for (None when the recordings were made)."""
    seconds: float
    """Wall-clock seconds the check took."""

    def to_dict(self) -> dict[str, Any]:
        """The report as plain JSON-ready data."""
        return jsonable(dataclasses.asdict(self))


Progress = Callable[[int, int, str], None]
"""Called with (recordings done, recordings in all, what is being heard)."""


def check_word(
    word: str,
    config: Config,
    engine: SpeechModel | None = None,
    voices: Sequence[tuple[str, int]] | None = None,
    everyday: Sequence[str] | None = None,
    progress: Progress | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> WordReport:
    """Judge ``word`` as a pause word: how often it is heard, heard by mistake, or confused.

    ``voices`` are (espeak-ng voice or "piper", words a minute), by default
    :func:`default_voices`; ``everyday`` are sentences without the word (default: EVERYDAY
    for English); ``engine`` defaults to the configured one.
    """
    began = clock()
    text = normalize(word)
    if not text:
        raise UserError("the word to check is empty; give a word or phrase, e.g. pineapple")
    english = config.language.lower().startswith("en")
    voices = default_voices(config.language) if voices is None else voices
    if not voices:
        raise UserError("no voices to check the word with")
    if everyday is None:
        everyday = EVERYDAY if english else ()
    everyday = [s for s in everyday if not _contains(normalize(s), text)]
    engine = engine or open_engine(config)
    unknown = tuple(w for w in text.split() if not engine.knows(w))
    confusions = _text_confusions(text, config)
    trials: list[Trial] = []
    false_spots: list[FalseSpot] = []
    refused: str | None = None
    try:
        trial_config = dataclasses.replace(config, pause_words=(text,))
    except ValueError as exc:  # the settings refuse it (it is a command)
        refused = str(exc)
    skipped: str | None = None
    if refused:
        skipped = "the settings refuse it as a pause word"
    elif unknown:
        # Both engines leave a phrase with an unknown word out of their phrase spotting.
        skipped = f"the recognizer does not know {', '.join(repr(w) for w in unknown)}"
    if skipped:
        everyday = []
    else:
        bench = _Bench(build_listener(trial_config, engine))
        plan = _plan(text, voices, everyday, CARRIERS if english else ())
        trials, false_spots, heard_as = _listen(bench, text, plan, progress)
        confusions += heard_as
    report = _judge(text, engine.name, trials, len(everyday), false_spots, confusions, unknown,
                    refused, english)
    return dataclasses.replace(report, skipped=skipped, seconds=clock() - began)


def default_voices(language: str = "en-us") -> tuple[tuple[str, int], ...]:
    """DEFAULT_VOICES and Piper (when installed) for English; espeak-ng variants otherwise."""
    if language.lower().startswith("en"):
        return DEFAULT_VOICES + (((PIPER_VOICE, PIPER_SPEED),) if piper_available() else ())
    # The Piper voice and the en-us variants speak English only.
    return tuple((f"{language}{variant}", speed) for variant, speed in
                 (("", 160), ("+f3", 135), ("+m3", 185), ("+f5", 170)))


def _listen(
    bench: "_Bench", text: str, plan: list["_Recording"], progress: Progress | None
) -> tuple[list[Trial], list[FalseSpot], list[Confusion]]:
    """Make and hear every recording of the plan, in order."""
    trials: list[Trial] = []
    false_spots: list[FalseSpot] = []
    confusions: list[Confusion] = []
    # Synthesis (espeak-ng in a subprocess, Piper in onnxruntime) runs beside the decoding.
    pool = ThreadPoolExecutor(max_workers=1)
    try:
        recordings = [pool.submit(_record, text, r) for r in plan]
        for done, (r, future) in enumerate(zip(plan, recordings)):
            if progress:
                progress(done, len(plan), f"{r.voice} saying \"{r.text}\"")
            pcm, word_span = future.result()
            t0, events = bench.hear(pcm)
            if word_span is None:
                false_spots += [FalseSpot(r.text, r.voice, e.text, e.score) for e in events
                                if isinstance(e, Spotted) and e.kind == "pause"]
                continue
            trial, found = _trial(r, events, t0, word_span)
            trials.append(trial)
            false_spots += [f for f in found if isinstance(f, FalseSpot)]
            confusions += [c for c in found if isinstance(c, Confusion)]
        if progress:
            progress(len(plan), len(plan), "done")
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return trials, false_spots, confusions


@dataclass(frozen=True)
class _Recording:
    """One recording to make: a saying of the word ("alone" or in a carrier), or everyday talk."""

    voice: str
    speed: int
    place: str
    """"alone", "start", "middle", "end", or "everyday" for sentences without the word."""
    text: str
    parts: tuple[str, ...]
    """The sentences, spoken with short gaps (one for a saying)."""


def _plan(
    text: str, voices: Sequence[tuple[str, int]], everyday: Sequence[str],
    carriers: Sequence[tuple[str, str]],
) -> list[_Recording]:
    plan = []
    # A carrier that holds the word already would count its second saying as a false spot.
    carriers = [c for c in carriers if not _contains(normalize(c[1].format(w="")), text)]
    for i, (voice, speed) in enumerate(voices):
        plan.append(_Recording(voice, speed, "alone", text, (text,)))
        # Two carriers each, in turn, so every place is heard from several voices.
        for k in (2 * i, 2 * i + 1) if carriers else ():
            place, carrier = carriers[k % len(carriers)]
            spoken = carrier.format(w=text)
            plan.append(_Recording(voice, speed, place, spoken, (spoken,)))
    # Two sentences with a short gap make one utterance: fewer utterance ends to pay for.
    for k in range(0, len(everyday), 2):
        voice, speed = voices[(k // 2) % len(voices)]
        pair = tuple(everyday[k : k + 2])
        plan.append(_Recording(voice, speed, "everyday", " ".join(pair), pair))
    return plan


def _record(text: str, r: _Recording) -> tuple[np.ndarray, tuple[float, float] | None]:
    """The recording's audio and, for a saying, where the word starts and ends in it (seconds)."""
    comp = Composition().silence(_LEAD_S)
    for j, part in enumerate(r.parts):
        comp.say(part, r.voice, r.speed).silence(_GAP_S if j + 1 < len(r.parts) else _TAIL_S)
    if r.place == "everyday":
        return comp.audio(), None
    placed = comp.placed[0]
    end = word_end_in(placed, text, r.voice, r.speed)
    start = max(placed.start, end - trim(synthesize(text, r.voice, r.speed)).size / SAMPLE_RATE)
    return comp.audio(), (start, end)


class _Bench:
    """One listener hearing recordings one after another on a single audio clock."""

    def __init__(self, listener: Listener):
        self.listener = listener
        self.t = 0.0

    def hear(self, pcm: np.ndarray) -> tuple[float, list[Event]]:
        """Run one recording; return where it began on the clock and the events it caused."""
        t0 = self.t
        events = [e for frame in frames_from_array(pcm, t0) for e in self.listener.feed(frame)]
        events += self.listener.close()
        self.listener.reset()
        frames = -(-len(pcm) // FRAME_SAMPLES)
        self.t = t0 + frames * FRAME_SAMPLES / SAMPLE_RATE
        return t0, events


def _trial(
    r: _Recording, events: list[Event], t0: float, word_span: tuple[float, float]
) -> tuple[Trial, list[FalseSpot | Confusion]]:
    """What the listener did with one saying: the pause on the word, and anything else it spotted."""
    word_start, word_end = word_span
    first: Spotted | None = None
    found: list[FalseSpot | Confusion] = []
    for e in events:
        if not isinstance(e, Spotted):
            continue
        end = (e.word_end if e.word_end is not None else e.t) - t0
        on_word = word_start - _SPOT_SLACK_S <= end <= word_end + _SPOT_SLACK_S or (
            e.word_end is None and end >= word_start
        )
        if e.kind == "pause" and on_word:
            first = first or e
        elif e.kind == "pause":
            found.append(FalseSpot(r.text, r.voice, e.text, e.score))
        elif on_word:
            found.append(Confusion(e.text, "audio", e.name, 100.0))
    transcript = " ".join(e.text for e in events if isinstance(e, Final))
    # The word's end is measured on the trimmed synthesis, so a spot may come a hair "early".
    delay = None if first is None else max(0.0, first.t - t0 - word_end)
    return Trial(r.voice, r.speed, r.place, r.text, first is not None, delay, transcript), found


def _text_confusions(text: str, config: Config) -> list[Confusion]:
    found: list[Confusion] = []
    for name, phrases in config.spotter.commands.items():
        for phrase in phrases:
            p = normalize(phrase)
            similarity = 100.0 if _overlaps(text, p) else _similarity(text, p)
            if similarity >= CLOSE:
                found.append(Confusion(p, "command", name, similarity))
    for common in sorted(COMMON_WORDS):
        similarity = 100.0 if common == text else _similarity(text, common)
        if similarity >= CLOSE:
            found.append(Confusion(common, "common", None, similarity))
    return sorted(found, key=lambda c: -c.similarity)


def _similarity(a: str, b: str) -> float:
    """The spotter's score either way round: heard one, listening for the other."""
    return max(score(a, b), score(b, a))


def _overlaps(text: str, phrase: str) -> bool:
    """True if one holds the other as whole words, or a word of the text begins with the phrase."""
    if _contains(text, phrase) or _contains(phrase, text):
        return True
    # Keyword spotting listens for sounds, not words: "stop" fires inside "stopping".
    return " " not in phrase and len(phrase) >= 3 and any(
        w.startswith(phrase) and w != phrase for w in text.split()
    )


def _contains(text: str, phrase: str) -> bool:
    return re.search(rf"(^| ){re.escape(phrase)}( |$)", text) is not None


def _syllables(text: str) -> int:
    """A spelling estimate: vowel groups, less a silent final e."""
    count = 0
    for w in text.replace("'", "").split():
        groups = len(re.findall(r"[aeiouy]+", w))
        if w.endswith("e") and not w.endswith(("le", "ee", "ye")) and groups > 1:
            groups -= 1
        count += max(1, groups)
    return count


def _judge(
    text: str, engine: str, trials: list[Trial], everyday: int, false_spots: list[FalseSpot],
    confusions: list[Confusion], unknown: tuple[str, ...], refused: str | None, english: bool,
) -> WordReport:
    heard = sum(t.heard for t in trials)
    rate = heard / len(trials) if trials else None
    delays = [t.delay for t in trials if t.delay is not None]
    per_voice = []
    for voice in dict.fromkeys(t.voice for t in trials):
        mine = [t for t in trials if t.voice == voice]
        per_voice.append(VoiceResult(voice, mine[0].speed, sum(t.heard for t in mine), len(mine)))
    confusions = _unique(confusions)
    warnings, poor, doubts = _warnings(text, engine, rate, heard, len(trials), everyday,
                                       false_spots, confusions, unknown, refused, english)
    if poor:
        verdict, reason = "poor", poor[0]
    elif doubts:
        verdict, reason = "usable", doubts[0]
    else:
        verdict = "good"
        reason = (f"heard {heard} of {len(trials)} times, never by mistake in {everyday} everyday "
                  "sentences, and unlike any command or common word")
    return WordReport(
        text, engine, heard, len(trials), rate,
        statistics.median(delays) if delays else None, tuple(per_voice), tuple(trials), everyday,
        tuple(false_spots), tuple(confusions), unknown, tuple(warnings), verdict, reason, None, 0.0,
    )


def _warnings(
    text: str, engine: str, rate: float | None, heard: int, tries: int, everyday: int,
    false_spots: list[FalseSpot], confusions: list[Confusion], unknown: tuple[str, ...],
    refused: str | None, english: bool,
) -> tuple[list[WordWarning], list[str], list[str]]:
    """Every warning, and the reasons for a poor and for a merely usable verdict, worst first."""
    warnings: list[WordWarning] = []
    poor: list[str] = []
    doubts: list[str] = []

    def warn(code: str, message: str, severe: bool) -> None:
        warnings.append(WordWarning(code, message))
        (poor if severe else doubts).append(message)

    commands = [c for c in confusions if c.source == "command"]
    if unknown:
        words = ", ".join(f"'{w}'" for w in unknown)
        warn("unknown", f"the recognizer ({engine}) does not know {words}, so it cannot spot "
             "the word reliably; choose a word in its vocabulary", True)
    if refused and not commands:  # not expected: the settings refuse only commands
        warn("refused", f"'{text}' cannot be the pause word: {refused}", True)
    if commands:
        c = commands[0]
        if c.phrase == text:
            what = "is"
        elif _contains(text, c.phrase):
            what = "contains"
        elif _contains(c.phrase, text):
            what = "is part of"
        elif c.similarity >= 100.0:
            what = "begins with"
        else:
            what = "is close to"
        if refused:
            why = "the settings refuse a pause word that is also a command"
        else:
            why = "saying one may trigger the other"
        warn("command", f"'{text}' {what} the command '{c.phrase}' ({c.name}): {why}",
             c.similarity >= 100.0)
    if any(c.source == "common" and c.phrase == text for c in confusions):
        warn("common", f"'{text}' is a word people say all the time in conversation; it would "
             "pause the session by accident", True)
    elif any(c.source == "common" for c in confusions):
        close = next(c.phrase for c in confusions if c.source == "common")
        warn("common", f"'{text}' is close to the everyday word '{close}'", False)
    letters, syllables = len(text.replace(" ", "")), _syllables(text)
    # The syllable count reads English spelling; elsewhere only the length says anything.
    if (letters < 5 or syllables < 2) if english else letters < 3:
        warn("short", f"'{text}' is short ({syllables} syllable{'s' if syllables != 1 else ''}, "
             f"{letters} letters): short words are easily missed and easily heard by mistake; "
             "two to four syllables work best", False)
    elif len(text.split()) > 3:
        warn("long", f"'{text}' is long: the pause comes only once the whole phrase is said", False)
    if rate is not None and rate < GOOD_RATE:
        message = f"heard only {heard} of {tries} times; a pause word must be heard every time"
        warn("missed", message, rate < USABLE_RATE)
    if false_spots:
        n = len(false_spots)
        warn("false_spots", f"heard by mistake {n} time{'s' if n != 1 else ''} in speech without "
             f"it (e.g. \"{false_spots[0].heard}\" in \"{false_spots[0].text}\")", n > 1)
    if not english and tries:
        warn("partial", "only the word alone was tried: the sentences around it and the everyday "
             "sentences are English", False)
    audio = [c for c in confusions if c.source == "audio"]
    if audio:
        warn("command", f"saying '{text}' was also heard as the command '{audio[0].name}' "
             f"(\"{audio[0].phrase}\")", False)
    return warnings, poor, doubts


def _unique(items: list[Any]) -> list[Any]:
    seen: set[Any] = set()
    out = []
    for item in items:
        key = (item.phrase, item.source) if isinstance(item, Confusion) else item
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out

