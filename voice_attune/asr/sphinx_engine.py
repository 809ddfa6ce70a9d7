"""PocketSphinx recognition with the en-us model its wheel carries: no download needed.

Free speech uses the language model; the pause word and commands use keyword spotting, whose
per-phrase thresholds come from the phrase's length in phones and the configured sensitivity.
"""

from __future__ import annotations

import os
import re
import tempfile
from typing import Any, Sequence

from voice_attune.asr.frames import Frame
from voice_attune.asr.recognizer import Hypothesis, Timeline, Word

_FRAME_S = 0.03
_SPHINX_RATE = 100  # PocketSphinx counts time in 10 ms frames
_FILLER = re.compile(r"^(<s>|</s>|<sil>|\[.*\]|\+\+.*\+\+|\(NULL\))$", re.IGNORECASE)


def _clean(word: str) -> str:
    return re.sub(r"\(\d+\)$", "", word.strip())


class SphinxEngine:
    """The PocketSphinx en-us acoustic model, dictionary and language model."""

    name = "pocketsphinx"

    def __init__(self) -> None:
        from pocketsphinx import Decoder, get_model_path

        self._decoder_cls = Decoder
        self._dictionary = _read_dictionary(os.path.join(get_model_path(), "en-us", "cmudict-en-us.dict"))
        self.model = "en-us (bundled with PocketSphinx)"

    def transcriber(self) -> "SphinxRecognizer":
        return SphinxRecognizer(self._decoder_cls(samprate=16000, loglevel="FATAL"), spotting=False)

    def phrase_spotter(self, phrases: Sequence[str], sensitivity: float) -> "SphinxRecognizer":
        known = sorted({p for p in phrases if all(self.knows(w) for w in p.split())})
        lines = [f"{p} /1e-{self.threshold_exponent(p, sensitivity):.0f}/" for p in known]
        fd, path = tempfile.mkstemp(suffix=".kws", text=True)
        try:
            with os.fdopen(fd, "w") as f:
                f.write("\n".join(lines) + "\n")
            decoder = self._decoder_cls(samprate=16000, loglevel="FATAL", kws=path)
        finally:
            os.unlink(path)
        return SphinxRecognizer(decoder, spotting=True)

    def phones(self, phrase: str) -> int:
        """How many phones the phrase has in the dictionary (0 if a word is unknown)."""
        total = 0
        for word in phrase.split():
            pron = self._dictionary.get(word.lower())
            if not pron:
                return 0
            total += len(pron)
        return total

    def threshold_exponent(self, phrase: str, sensitivity: float) -> float:
        """Keyword threshold 1e-N: longer phrases may be more permissive, short ones must not be."""
        per_phone = 2.0 + 8.0 * sensitivity
        return max(1.0, (self.phones(phrase) - 2) * per_phone)

    def knows(self, word: str) -> bool:
        return word.lower() in self._dictionary


def _read_dictionary(path: str) -> dict[str, tuple[str, ...]]:
    """Word -> phones of its first pronunciation, from the CMU dictionary file."""
    entries: dict[str, tuple[str, ...]] = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) > 1 and not parts[0].endswith(")"):
                entries.setdefault(parts[0], tuple(parts[1:]))
    return entries


class SphinxRecognizer:
    """Streaming PocketSphinx decoding; one utterance runs from the first frame to flush()."""

    def __init__(self, decoder: Any, spotting: bool):
        self._d = decoder
        self._spotting = spotting
        self._timeline = Timeline()
        self._in_utt = False
        self._last = ""
        self._count = 0

    def accept(self, frame: Frame) -> Hypothesis | None:
        if not self._in_utt:
            self._d.start_utt()
            self._in_utt = True
            self._timeline.restart()
        self._timeline.feed(frame, _FRAME_S)
        self._d.process_raw(frame.pcm, False, False)
        self._count += 1
        if not self._spotting and self._count % 3:
            return None  # partials of the language model cost; every 90 ms is enough for them
        hyp = self._d.hyp()
        text = " ".join(w.text for w in self._words()) if hyp else ""
        if self._spotting:
            if not text:
                return None
            result = Hypothesis(text, self._words(), True)
            self._end()  # a keyword was found: start afresh so it is reported once
            return result
        if not text or text == self._last:
            return None
        self._last = text
        return Hypothesis(text, self._words(), False)

    def flush(self) -> Hypothesis | None:
        if not self._in_utt:
            return None
        self._d.end_utt()
        self._in_utt = False
        self._last = ""
        if self._spotting:
            return None
        words = self._words()
        text = " ".join(w.text for w in words)
        return Hypothesis(text, words, True) if text else None

    def reset(self) -> None:
        self._end()

    def _end(self) -> None:
        if self._in_utt:
            self._d.end_utt()
            self._in_utt = False
        self._last = ""

    def _words(self) -> tuple[Word, ...]:
        words = []
        for seg in self._d.seg():
            text = _clean(seg.word)
            if not text or _FILLER.match(text):
                continue
            start = self._timeline.to_audio(seg.start_frame / _SPHINX_RATE)
            end = self._timeline.to_audio((seg.end_frame + 1) / _SPHINX_RATE)
            words.append(Word(text, start, end))
        return tuple(words)
