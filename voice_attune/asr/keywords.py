"""The keyword detector: trained heads over streaming speech embeddings, on every frame.

It is the first line of hearing for the pause word (and, where the engine waits for them, the
commands and answers): it runs beside the recognizers, also while the guide speaks, and
decides within a step or two of the word's end, never waiting for a transcript.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

import numpy as np

from voice_attune import SAMPLE_RATE
from voice_attune.asr import kws_store
from voice_attune.asr.frames import Frame
from voice_attune.asr.kws_features import FIRST_END, STEP_SAMPLES, EmbeddingStream, FrontEnd, KeywordUnavailable
from voice_attune.asr.kws_model import BadModelFile, KeywordModel
from voice_attune.asr.level_gate import GateSettings
from voice_attune.config import Config
from voice_attune.text import normalize

ANSWER_NO = ("not quite",)
"""Ways of saying no that answer a question without being a configured command."""

REFRACTORY_S = 1.0
"""After a phrase fires it cannot fire again for this long (one saying, one event)."""
LEAST = {"help": 0.9}
"""Scores below which a phrase never counts, whatever its trained threshold: "help" stops a
turn for a long list of what can be said, and its trained threshold (0.75) let "thank you,
Alex" through (0.81)."""
ECHO_LEVEL = 0.2
"""A phrase the guide's own audio scores this high on is its echo while heard near then."""
ECHO_LEVEL_CANCELLED = 0.9
"""The same once a linear echo canceller has learned the room and takes the guide's voice
out first: only where the guide itself all but says the phrase ("to pause, say pineapple").
At 0.2 it hid a fifth of the pause words said over the guide."""
ECHO_SLACK_S = 0.8
"""Seconds around such a moment within which a spot of that phrase is taken for the echo."""
TRACE_S = 3.0
"""Seconds of each pause phrase's scores kept, for ``peak`` (the recognizers' spots ask)."""
ALONE_TAIL_S = 0.6
"""Seconds of silence heard after a saying heard again on its own (``hear_alone``): the
models decide a phrase 0-0.3 s after its end."""
ALONE_SURER = 0.4
"""A saying heard again on its own counts at a threshold this share of the way from the
trained one to 1. Cut out of the talk behind it, a short reply sounds to the models as in a
quiet room, where they take more of them for commands ("Top." for "stop") than behind talk
(scripts/bench_commands.py): behind a talker 123 of 450 short replies set off one of yes, no,
stop and I'm done at the trained thresholds, 112 at this share, 92 without hearing them again,
while of 80 commands said alone 64, 63 and 56 were heard (docs/benchmarks.md, 2026-12-08)."""


@dataclass(frozen=True)
class KeywordHit:
    """A phrase the detector heard."""

    name: str
    """pause, or a command or answer name (stop, yes, no, done, ...)."""
    kind: str
    """"pause", "command", or "answer" (heard only as the reply to an open question)."""
    text: str
    """The phrase the model was trained on."""
    score: float
    """0-1: the lowest over the consecutive steps that confirmed it."""
    t: float
    """Audio seconds when it was decided."""
    word_end: float
    """Audio seconds: where the phrase's sound ended, estimated from the level."""


@dataclass(frozen=True)
class LoadedModel:
    model: KeywordModel
    kind: str
    """"pause" for pause-word models, "command" for commands and answers."""
    outputs: frozenset[int] | None = None
    """The outputs listened to (None: all): a command the couple's config does not use is not."""

    def kind_of(self, output: int) -> str:
        kinds = self.model.meta.get("kinds")
        if self.kind == "pause" or not isinstance(kinds, list) or output >= len(kinds):
            return self.kind
        return "answer" if kinds[output] == "answer" else "command"


@dataclass
class _Hearing:
    stream: EmbeddingStream
    recent: deque[np.ndarray]
    models: list[int]
    """Indices of the detector's models that hear this stream."""
    gate: GateSettings | None = None


class KeywordDetector:
    """Feeds frames to the front end and the heads; reports each saying once."""

    def __init__(self, models: Sequence[LoadedModel], front: FrontEnd | None = None, sensitivity: float = 0.5):
        self.models = list(models)
        self.front = front or FrontEnd()
        self._window = max((m.model.window for m in self.models), default=1)
        self._preroll = -(-(FIRST_END + max(0, self._window - 2) * STEP_SAMPLES) // STEP_SAMPLES) * STEP_SAMPLES
        """Samples of silence each stream hears before the first sound (see _primed): enough for
        all but one embedding of a window, in whole steps, so that embeddings end where they
        would without it and each one of sound alone is the same."""
        gates = [GateSettings.from_meta(loaded.model.meta.get("level_gate")) for loaded in self.models]
        self._hearings = [_Hearing(self.front.stream(gate), deque(maxlen=self._window),
                                   [m for m, g in enumerate(gates) if g == gate], gate)
                          for gate in dict.fromkeys(gates or [None])]
        """One stream of embeddings for the models heard as they are and one for those trained
        through a level gate (the commands'), each with its own recent window."""
        self._origin: float | None = None
        self._last_t = 0.0
        self._levels: deque[tuple[float, float]] = deque(maxlen=60)  # (frame end, rms): 1.8 s
        self._last_fire: dict[str, float] = {}
        self._streak: dict[tuple[int, int], int] = {}
        self._low: dict[tuple[int, int], float] = {}  # the lowest score of each streak
        # Sensitivity 0.5 keeps each trained threshold; 1.0 lowers it by a fifth of its margin.
        self._shift = (sensitivity - 0.5) * 0.4
        self._listening: set[tuple[int, int]] = set()
        """(model, output) of the command and answer outputs that count now (see expect);
        pause outputs always count."""
        self.expected: set[str] = set()
        """Phrases of the models that are answers to the open question."""
        self._reference: np.ndarray | None = None
        self._reference_t = 0.0
        self._ref_stream = self.front.stream()
        """The guide's own audio, heard by every model without a level gate: alone, it is far
        above its background, so a gate would leave its words as they are."""
        self._ref_recent: deque[np.ndarray] = deque(maxlen=self._window)
        self._ref_high: dict[str, float] = {}
        steps = round(TRACE_S * SAMPLE_RATE / STEP_SAMPLES)
        self._trace: dict[tuple[int, int], deque[tuple[float, float]]] = {
            (m, i): deque(maxlen=steps) for m, loaded in enumerate(self.models) if loaded.kind == "pause"
            for i in range(len(loaded.model.phrases))}
        """(model, output) of each pause phrase -> (time, score) of its last TRACE_S of steps."""
        self.pause_phrases = {normalize(self.models[m].model.phrases[i]): (m, i) for m, i in self._trace}
        """The pause phrases the models hear (normalized) -> their (model, output)."""
        self.echo_level = ECHO_LEVEL
        """How high the guide's own audio must score on the pause word for a spot near then to
        be taken for its echo (ECHO_LEVEL_CANCELLED behind a linear echo canceller; commands
        keep ECHO_LEVEL: while the guide speaks only "stop" counts of them anyway)."""
        self.expect(())

    def expect(self, phrases: Sequence[str]) -> None:
        """The answers an open question expects (none: no question open): answer outputs
        listen only for these; command outputs always listen."""
        wanted = {normalize(p) for p in phrases}
        self.expected = {p for loaded in self.models for p in loaded.model.phrases if normalize(p) in wanted}
        self._listening = {
            (m, i) for m, loaded in enumerate(self.models) if loaded.kind != "pause"
            for i, phrase in enumerate(loaded.model.phrases)
            if (loaded.outputs is None or i in loaded.outputs)
            and (loaded.kind_of(i) == "command" or normalize(phrase) in wanted)}

    def play_reference(self, pcm: np.ndarray, t: float) -> None:
        """The guide starts playing ``pcm`` (16 kHz int16) at audio time ``t``: its own audio is
        heard alongside, and where it sounds like a phrase, a spot of that phrase is its echo."""
        self._reference = pcm.astype(np.int16)
        self._reference_t = t
        self._ref_stream.reset()
        self._ref_recent.clear()
        self._primed(self._ref_stream, self._ref_recent)

    def stop_reference(self) -> None:
        """The guide stopped speaking mid-prompt."""
        if self._reference is not None:
            self._reference = self._reference[: max(0, int(round((self._last_t - self._reference_t) * SAMPLE_RATE)))]

    def feed(self, frame: Frame) -> list[KeywordHit]:
        """Listen to one frame; return the phrases newly heard."""
        if self._origin is None:
            self._origin = frame.t
            for hearing in self._hearings:
                self._primed(hearing.stream, hearing.recent)
        self._last_t = frame.t
        pcm = np.frombuffer(frame.pcm, np.int16)
        if self._reference is not None:
            self._hear_reference(frame, pcm.size)
        self._levels.append((frame.end, float(np.sqrt(np.mean(pcm.astype(np.float64) ** 2)))))
        hits: list[KeywordHit] = []
        for hearing in self._hearings:
            for end_sample, emb in hearing.stream.feed(pcm):
                hearing.recent.append(emb)
                if len(hearing.recent) < self._window:
                    continue
                t = self._origin + (end_sample - self._preroll) / SAMPLE_RATE
                hits.extend(self._score(t, hearing))
        return hits

    def _primed(self, stream: EmbeddingStream, recent: deque[np.ndarray]) -> None:
        """A new stream first hears silence, as if it had been listening for a while: a window
        of embeddings takes more than a second of sound (1.7 s for the commands' 12), and without
        it nothing said in a stream's first seconds was scored at all (a recording that opens
        with the pause word went unheard). The models trained on clips that begin in silence."""
        for _, emb in stream.feed(np.zeros(self._preroll, np.int16)):
            recent.append(emb)

    def _hear_reference(self, frame: Frame, n: int) -> None:
        start = int(round((frame.t - self._reference_t) * SAMPLE_RATE))
        tail = int(1.0 * SAMPLE_RATE)  # the last words' embeddings need a second of what follows
        if start >= self._reference.size + tail:
            self._reference = None
            return
        piece = np.zeros(n, np.int16)
        if 0 <= start < self._reference.size:
            got = self._reference[start : start + n]
            piece[: got.size] = got
        for end_sample, emb in self._ref_stream.feed(piece):
            self._ref_recent.append(emb)
            if len(self._ref_recent) < self._window:
                continue
            t = self._reference_t + (end_sample - self._preroll) / SAMPLE_RATE
            stack = np.stack(self._ref_recent)
            for loaded in self.models:
                scores = loaded.model.scores(stack[-loaded.model.window :][None, :, :])[0]
                # Behind the canceller only the pause word needs hearing through the guide's voice.
                level = self.echo_level if loaded.kind == "pause" else ECHO_LEVEL
                for i, score in enumerate(scores):
                    if score >= level:
                        self._ref_high[loaded.model.names[i]] = t

    def _score(self, t: float, hearing: "_Hearing") -> Iterable[KeywordHit]:
        stack = np.stack(hearing.recent)
        for m in hearing.models:
            loaded = self.models[m]
            model = loaded.model
            scores = model.scores(stack[-model.window :][None, :, :])[0]
            if loaded.kind == "pause":
                for i, score in enumerate(scores):
                    self._trace[(m, i)].append((t, float(score)))
            for i, score in enumerate(scores):
                name, key = model.names[i], (m, i)
                if loaded.kind != "pause" and key not in self._listening:
                    continue
                threshold = self._threshold(model, i)
                # A saying keeps the score up over consecutive steps; a stray spike does not.
                self._streak[key] = self._streak.get(key, 0) + 1 if score >= threshold else 0
                self._low[key] = min(self._low.get(key, 1.0), score) if self._streak[key] > 1 else score
                if self._streak[key] < model.confirm or t - self._last_fire.get(name, -1e9) < REFRACTORY_S:
                    continue
                if abs(t - self._ref_high.get(name, -1e9)) <= ECHO_SLACK_S:
                    continue  # the guide's own voice sounded like it just then: its echo
                self._last_fire[name] = t
                yield KeywordHit(name, loaded.kind_of(i), model.phrases[i], float(self._low[key]), t, self._word_end(t))

    def _threshold(self, model: KeywordModel, i: int) -> float:
        threshold = max(model.thresholds[i], LEAST.get(model.names[i], 0.0))
        return min(0.995, max(0.05, threshold - self._shift * (1 - threshold if self._shift > 0 else threshold)))

    def hear_alone(self, pcm: np.ndarray, word_end: float) -> KeywordHit | None:
        """The command or expected answer a short saying ``pcm`` (int16) is, heard on its own:
        silence before it and ALONE_TAIL_S after, as the models' training clips begin and end,
        through a fresh stream of each hearing (its level gate included), with the stream's
        confirming steps but at thresholds ALONE_SURER of the way from the stream's to 1; the
        surest phrase, or None. The listener cuts such a saying out of
        talk behind it that never stops (see Listener._said_alone_again): heard in the stream,
        the 0.78 s each embedding sums up is mostly that talk. ``word_end``: where the saying
        ended (audio seconds); the hit is decided then."""
        best: KeywordHit | None = None
        clip = np.concatenate([np.zeros(self._preroll, np.int16), np.asarray(pcm, np.int16),
                               np.zeros(int(ALONE_TAIL_S * SAMPLE_RATE), np.int16)])
        for hearing in self._hearings:
            heard = [m for m in hearing.models if self.models[m].kind != "pause"]
            if not heard:
                continue
            embeddings = self.front.embed_clip(clip, hearing.gate)
            for m in heard:
                model = self.models[m].model
                if embeddings.shape[0] < model.window:
                    continue
                windows = np.stack([embeddings[j - model.window : j]
                                    for j in range(model.window, embeddings.shape[0] + 1)])
                scores = model.scores(windows)
                for i, name in enumerate(model.names):
                    if (m, i) not in self._listening:
                        continue
                    column = scores[:, i]
                    held = column.copy()  # each step's score, as far as the next steps keep it up
                    for k in range(1, model.confirm):
                        held[: -k or None] = np.minimum(held[: -k or None], column[k:])
                        held[-k:] = 0.0
                    score = float(held.max())
                    threshold = self._threshold(model, i)
                    if score >= threshold + ALONE_SURER * (1 - threshold) and (best is None or score > best.score):
                        best = KeywordHit(name, self.models[m].kind_of(i), model.phrases[i], score, word_end, word_end)
        return best

    def peak(self, phrase: str, since: float) -> float | None:
        """The highest score the pause phrase had from ``since`` on; None when the model has
        not scored that stretch (no sound heard yet, or none since ``since``)."""
        key = self.pause_phrases.get(normalize(phrase))
        scores = [score for t, score in self._trace[key] if t >= since] if key is not None else []
        return max(scores) if scores else None

    def _word_end(self, t: float) -> float:
        """Where the phrase ended: the end of the last loud frame heard by ``t``, the moment it
        fired. After a saying that falls silent that is the word's end (the model fires 0-0.3 s
        after it); in running speech the detector fires at about the word's end, so ``t``."""
        levels = [(end, rms) for end, rms in self._levels if t - 1.2 < end <= t]
        if not levels:
            return t
        peak = max(rms for _, rms in levels)
        loud = [end for end, rms in levels if rms >= 0.15 * peak and end > t - 0.4]
        return loud[-1] if loud else t

    def reset(self) -> None:
        """Forget recent sound (a new session on a clock from zero)."""
        for hearing in self._hearings:
            hearing.stream.reset()
            hearing.recent.clear()
        self._origin = None
        self._levels.clear()
        self._last_fire.clear()
        self._streak.clear()
        self._low.clear()
        self._reference = None
        self._ref_high.clear()
        for trace in self._trace.values():
            trace.clear()


def pause_models(config: Config, notice: Callable[[str], None]) -> list[LoadedModel]:
    """The keyword models of the configured pause words. A word without one, or with a damaged
    one, gets one notice line; the recognizers' spotter keeps listening for it meanwhile."""
    found = []
    for word in config.pause_words:
        path = kws_store.find_model(word)
        if path is None:
            notice(f"No keyword model for the pause word '{word}' yet, so only the recognizer listens for it. "
                   f"Train one (about 2 minutes): voice-attune train-word \"{word}\"")
            continue
        try:
            found.append(LoadedModel(KeywordModel.load(path), "pause"))
        except BadModelFile as exc:
            notice(f"{exc}; the recognizer keeps listening for '{word}'. "
                   f"Retrain it with: voice-attune train-word \"{word}\"")
    return found


def command_models(config: Config, notice: Callable[[str], None]) -> list[LoadedModel]:
    """The shipped commands model, listening only to the phrases the configuration uses."""
    path = kws_store.commands_model_path()
    if not path.exists():
        return []
    try:
        model = KeywordModel.load(path)
    except BadModelFile as exc:
        notice(f"{exc}; the recognizer alone listens for commands")
        return []
    said = {name: {normalize(p) for p in phrases} for name, phrases in config.spotter.commands.items()}
    kinds = model.meta.get("kinds") or []
    outputs = frozenset(
        i for i, (phrase, name) in enumerate(zip(model.phrases, model.names))
        if (i < len(kinds) and kinds[i] == "answer") or normalize(phrase) in said.get(name, ())
        or (name == "no" and normalize(phrase) in ANSWER_NO))
    return [LoadedModel(model, "command", outputs)] if outputs else []


def menu_models(config: Config, notice: Callable[[str], None]) -> list[LoadedModel]:
    """The keyword model of the couple's feelings menu (train-word --menu), if there is one."""
    path = kws_store.menu_model_path(config.feelings)
    if not path.exists():
        return []
    try:
        return [LoadedModel(KeywordModel.load(path), "command")]
    except BadModelFile as exc:
        notice(f"{exc}; the recognizer alone hears the feelings menu. Retrain it: voice-attune train-word --menu")
        return []


def keyword_detector(config: Config, notice: Callable[[str], None]) -> KeywordDetector | None:
    """The detector for this configuration, or None (turned off, no model, or the front end
    cannot run here: each said once through ``notice``)."""
    if not config.spotter.keywords:
        return None
    models = pause_models(config, notice)
    if not models:
        return None
    models += command_models(config, notice) + menu_models(config, notice)
    try:
        return KeywordDetector(models, FrontEnd(), config.spotter.sensitivity)
    except KeywordUnavailable as exc:
        notice(f"{exc}; the recognizer alone listens for the pause word")
        return None
