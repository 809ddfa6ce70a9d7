"""Vosk (Kaldi) recognition: streaming partials with word times, and grammar-restricted spotting."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence

from voice_attune import FRAME_SAMPLES, SAMPLE_RATE
from voice_attune.asr.frames import Frame
from voice_attune.asr.recognizer import Hypothesis, Timeline, Word
from voice_attune.errors import UserError

_FRAME_S = FRAME_SAMPLES / SAMPLE_RATE


def is_vosk_model(path: Path) -> bool:
    """True if the folder looks like a Vosk model (an acoustic model and a config)."""
    return (path / "am" / "final.mdl").is_file() and (path / "conf").is_dir()


class VoskEngine:
    """A loaded Vosk model."""

    name = "vosk"

    def __init__(self, model_path: str | Path):
        path = Path(model_path).expanduser()
        if not path.is_dir():
            raise UserError("the Vosk model folder does not exist", str(path))
        if not is_vosk_model(path):
            raise UserError("not a Vosk model folder (no am/final.mdl)", str(path))
        import vosk

        vosk.SetLogLevel(-1)
        try:
            self._model = vosk.Model(str(path))
        except Exception as exc:  # vosk raises a bare Exception when Kaldi cannot load the files
            raise UserError(f"the Vosk model cannot be loaded ({exc})", str(path)) from None
        self.model = str(path)

    def transcriber(self) -> "VoskRecognizer":
        return VoskRecognizer(self._model, None, partial_every=2)

    def phrase_spotter(
        self, pause: Sequence[str], commands: Sequence[str], sensitivity: float,
        barge: Sequence[str] = (), backed: Sequence[str] = (),
    ) -> "VoskRecognizer | None":
        """A grammar recognizer for the phrases, or None when the model cannot make a safe one.

        Without "[unk]" in the model every sound would be forced into a listed phrase (the
        pause word heard everywhere), and Kaldi crashes on an empty grammar; in both cases the
        spotter reads the free transcriber's partials instead. A grammar has no thresholds:
        ``sensitivity`` and ``backed`` (pause phrases a keyword model hears too) are for
        engines that spot by score. ``barge`` phrases are among the
        commands already, and the one grammar listens all the time.
        """
        phrases = [*pause, *commands]
        words = sorted({p for p in phrases if all(self.knows(w) for w in p.split())})
        if not words or not self.knows("[unk]"):
            return None
        return VoskRecognizer(self._model, [*words, "[unk]"], partial_every=1)

    def answer_recognizer(self, extra: Sequence[str]) -> "VoskAnswers | None":
        """Hears the answers a question expects (see expected.py); None without "[unk]", which
        keeps a non-answer from being forced into an answer."""
        from voice_attune.asr.expected import VoskAnswers

        return VoskAnswers(self, extra) if self.knows("[unk]") else None

    def grammar_recognizer(self, phrases: Sequence[str]) -> "VoskRecognizer":
        """A recognizer restricted to exactly these phrases (no "[unk]" added)."""
        words = sorted({p for p in phrases if all(self.knows(w) for w in p.split())})
        if not words:
            raise UserError("none of the phrases is in the Vosk model's vocabulary", self.model)
        return VoskRecognizer(self._model, words, partial_every=1)

    def knows(self, word: str) -> bool:
        return self._model.vosk_model_find_word(word) != -1


class VoskRecognizer:
    """Streaming Vosk recognizer; word times are mapped back to audio time."""

    def __init__(self, model: Any, grammar: list[str] | None, partial_every: int):
        import vosk

        if grammar is None:
            self._rec = vosk.KaldiRecognizer(model, SAMPLE_RATE)
        else:
            self._rec = vosk.KaldiRecognizer(model, SAMPLE_RATE, json.dumps(grammar, ensure_ascii=False))
        self._rec.SetWords(True)
        self._rec.SetPartialWords(True)
        self._timeline = Timeline()  # Vosk's clock runs on across Result() and Reset()
        self._partial_every = partial_every
        self._count = 0
        self._last = ""

    def accept(self, frame: Frame) -> Hypothesis | None:
        self._timeline.feed(frame, _FRAME_S)
        if self._rec.AcceptWaveform(frame.pcm):
            self._last = ""
            return self._hypothesis(json.loads(self._rec.Result()), "result", "text", True)
        self._count += 1
        if self._count % self._partial_every:
            return None
        hyp = self._hypothesis(json.loads(self._rec.PartialResult()), "partial_result", "partial", False)
        if hyp is None or hyp.text == self._last:
            return None
        self._last = hyp.text
        return hyp

    def flush(self) -> Hypothesis | None:
        self._last = ""
        return self._hypothesis(json.loads(self._rec.FinalResult()), "result", "text", True)

    def reset(self) -> None:
        self._rec.Reset()
        self._last = ""

    def _hypothesis(self, result: dict, words_key: str, text_key: str, final: bool) -> Hypothesis | None:
        words = tuple(
            Word(w["word"], self._timeline.to_audio(w["start"]), self._timeline.to_audio(w["end"]))
            for w in result.get(words_key, [])
            if w.get("word") and w["word"] != "[unk]"
        )
        text = " ".join(w for w in result.get(text_key, "").split() if w != "[unk]")
        if not text:
            return None
        return Hypothesis(text, words, final)
