"""The seam between audio and words: a small Protocol every speech recognizer meets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence

from voice_attune.asr.frames import Frame


@dataclass(frozen=True)
class Word:
    """One recognized word with its place on the audio clock."""

    text: str
    start: float
    """Audio seconds."""
    end: float
    """Audio seconds."""


@dataclass(frozen=True)
class Hypothesis:
    """What the recognizer believes was said so far in this utterance (or finally, if final)."""

    text: str
    words: tuple[Word, ...]
    final: bool


class Recognizer(Protocol):
    """Streaming recognition of one audio stream."""

    def accept(self, frame: Frame) -> Hypothesis | None:
        """Feed one frame; return a hypothesis when the text changed (partial or final)."""

    def flush(self) -> Hypothesis | None:
        """The utterance is over: return its final text (None if nothing was heard)."""

    def reset(self) -> None:
        """Forget everything heard so far (after each prompt, so echoes are not kept)."""


class SpeechModel(Protocol):
    """A loaded speech model that makes recognizers."""

    name: str
    """"vosk" or "pocketsphinx"."""
    model: str
    """What was loaded (a model folder or name)."""

    def transcriber(self) -> Recognizer:
        """A recognizer for free speech."""

    def phrase_spotter(
        self, pause: Sequence[str], commands: Sequence[str], sensitivity: float,
        barge: Sequence[str] = (),
    ) -> Recognizer | None:
        """A recognizer restricted to the pause and command phrases (None: cannot make one).

        ``barge`` are the commands that count while the guide speaks (stop), besides the pause."""

    def answer_recognizer(self, extra: Sequence[str]) -> "Recognizer | None":
        """A recognizer with ``expect(phrases)`` that hears an utterance as one of the expected
        answers (or ``extra`` phrases, or neither); None: the engine cannot make one."""

    def knows(self, word: str) -> bool:
        """True if the word is in the model's vocabulary."""


class RecognizerGroup:
    """Several recognizers fed the same audio, their findings merged in the order spoken.

    Each member listens ``always``, only while the partners ``talk``, or only while the guide
    speaks (``prompt``: a barge-in search); the listener sets ``guide_speaking``.
    """

    def __init__(self, members: Sequence[Recognizer], when: Sequence[str] | None = None):
        self.members = list(members)
        self.when = list(when or ["always"] * len(self.members))
        self.guide_speaking = False

    def accept(self, frame: Frame) -> Hypothesis | None:
        skip = "talk" if self.guide_speaking else "prompt"
        return _merge([m.accept(frame) for m, w in zip(self.members, self.when) if w != skip])

    def flush(self) -> Hypothesis | None:
        return _merge([m.flush() for m in self.members])

    def reset(self) -> None:
        for member in self.members:
            member.reset()


def _merge(hyps: list[Hypothesis | None]) -> Hypothesis | None:
    found = [h for h in hyps if h is not None]
    if len(found) <= 1:
        return found[0] if found else None
    words = tuple(sorted((w for h in found for w in h.words), key=lambda w: w.end))
    text = " ".join(w.text for w in words) if words else " ".join(h.text for h in found)
    return Hypothesis(text, words, all(h.final for h in found))


class Timeline:
    """Maps a recognizer's own clock (seconds of audio it was fed) back to audio time.

    The listener feeds a recognizer only during speech, so its clock skips the gaps.
    """

    def __init__(self) -> None:
        self._segments: list[tuple[float, float]] = []  # (fed seconds, audio seconds) at joins
        self.fed = 0.0
        self._next_t: float | None = None

    def feed(self, frame: Frame, seconds: float) -> None:
        """Record that ``seconds`` of audio starting at ``frame.t`` were fed."""
        if self._next_t is None or abs(frame.t - self._next_t) > 1e-6:
            self._segments.append((self.fed, frame.t))
        self.fed += seconds
        self._next_t = frame.t + seconds

    def to_audio(self, fed_seconds: float) -> float:
        """Audio time of a point on the recognizer's clock."""
        origin_fed, origin_t = 0.0, 0.0
        for fed, t in self._segments:
            if fed <= fed_seconds + 1e-9:
                origin_fed, origin_t = fed, t
            else:
                break
        return origin_t + (fed_seconds - origin_fed)

    def restart(self) -> None:
        """The recognizer's clock restarted at zero (a new PocketSphinx utterance)."""
        self._segments.clear()
        self.fed = 0.0
        self._next_t = None
