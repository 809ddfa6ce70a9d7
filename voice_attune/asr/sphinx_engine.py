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
from voice_attune.asr.recognizer import Hypothesis, RecognizerGroup, Timeline, Word

_FRAME_S = 0.03
_SPHINX_RATE = 100  # PocketSphinx counts time in 10 ms frames
# A keyword "heard" in less time than this per phone is a burst of noise or the clipped
# start of an utterance, not the phrase: real sayings of "pineapple" (7 phones) last 0.45 s
# and more, while false hits at an utterance's first frames last a quarter of a second.
_MIN_PHONE_S = 0.035
# Keyword search finds "yes" inside "yesterday" and "no" in almost anything: commands shorter
# than this many phones are left to the transcriber, whose words are whole words.
_MIN_KEYWORD_PHONES = 5
# How much more readily the pause word is heard over the guide's own voice. Measured with
# Piper prompts played back at 0.3-1.0 of a partner's level and "pineapple" from five voices
# said inside them: 1e-15 heard 14/40 at 0.3 and 1/40 at 1.0; 1e-35 heard 35/40 and 13/40,
# and its only false alarms over 18 prompts (x0.5-x2) were on "nine apples ... pine tree".
_BARGE_BOOST = 2.3
# "Stop" over the guide's voice: at 1e-2 a plain opening prompt was heard as "stop" at echo 0.3
# and 1.0; at 1e+4 none of seven prompts was, and 2 of 10 real "stop"s were heard (the engine
# treats one as a pause, which can be undone). The pause word is the sure way to interrupt.
_BARGE_STOP_STRICTER = 6.0
# While a trained keyword model also listens for a pause phrase, this search is its second
# line, and its permissive threshold added only false pauses: in scripts/bench_listen.py it
# heard no saying the keyword model missed, and made 11 of the 19 pauses on sound-alikes
# ("fine apple", "nine apples"). Over 102 sayings of "pineapple" and 374 sound-alikes from 17
# espeak-ng voices (a one-off script, quiet room), 1e-15 heard 19 and 3 sound-alikes; 1e-3
# heard 11 and none (docs/benchmarks.md). Its exponent is scaled by this then (15 -> 3 for "pineapple").
_BACKED_SCALE = 0.2
# Where cepstral mean normalization starts, measured on speech at ordinary recording levels.
# PocketSphinx's own starting point suits much quieter input; from it, the first second of a
# session is misheard (a cold "apple pie" became "pineapple"). Live CMN adapts from here on.
_CMN_INIT = "61.5,2.69,2.24,17.06,-6.58,-4.85,-12.65,-4.57,-8.82,7.99,-1.15,1.84,-1.65"
# Narrower search for the language-model transcriber, without the second (flat) pass: over 112
# sentences and commands in four voices the word error rate stayed 0.58, at 0.19 of real time
# instead of 0.30: the difference between keeping up and falling behind on a Raspberry Pi.
_FAST_SEARCH = {"maxhmmpf": 3000, "maxwpf": 10, "pl_window": 10, "fwdflat": False}
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
        self.cmninit = _CMN_INIT

    def transcriber(self) -> "SphinxRecognizer":
        decoder = self._decoder_cls(samprate=16000, loglevel="FATAL", cmninit=self.cmninit, **_FAST_SEARCH)
        return SphinxRecognizer(decoder, spotting=False)

    def grammar_decoder(self) -> "SphinxRecognizer":
        """A recognizer whose searches the caller adds (grammars of expected answers).

        It has no best-path pass at the end of each utterance. Over a grammar that loops
        (filler words around an answer) that pass grows far faster than the utterance: 0.6 s
        after 2 s of speech, 3.7 s after 6 s, two minutes after 9 s of babble, all of it time
        in which the guide hears nothing. Without it, answers were understood as often or more
        (scripts/bench_answers.py: menu words 442/480 against 423/480), and the daemon's start
        phrases cost a third of the CPU (scripts/bench_daemon.py).

        Nor does it load the language model, which only the transcriber searches: 63 MB less
        in every session that asks a question. Until the caller adds a search it has none, and
        must not be asked for one (PocketSphinx crashes)."""
        decoder = self._decoder_cls(samprate=16000, loglevel="FATAL", cmninit=self.cmninit, bestpath=False, lm=None)
        recognizer = SphinxRecognizer(decoder, spotting=False)
        recognizer.partials = False
        return recognizer

    def answer_recognizer(self, extra: Sequence[str]) -> "SphinxAnswers":
        """Hears the answers a question expects (see expected.py); ``extra``: the commands."""
        from voice_attune.asr.expected import SphinxAnswers

        return SphinxAnswers(self, extra)

    def phrase_spotter(
        self, pause: Sequence[str], commands: Sequence[str], sensitivity: float,
        barge: Sequence[str] = (), backed: Sequence[str] = (),
    ) -> RecognizerGroup | None:
        """Keyword search: while the partners talk, one decoder for each pause phrase and one
        for the longer commands; while the guide speaks, one per pause phrase (with ``barge``,
        the stop phrases, beside the first), tuned to hear through the guide's echo.

        Phrases sharing one keyword search compete, and a strong partial match of one can hide
        another ("red balloon" went unheard beside the commands); the pause word must never
        lose that contest, so each pause phrase gets a search of its own. A pause phrase in
        ``backed`` has a trained keyword model listening too: its search while the partners
        talk is stricter (see _BACKED_SCALE).
        """
        known = lambda ps: sorted({p for p in ps if all(self.knows(w) for w in p.split())})  # noqa: E731
        pauses = known(pause)
        groups = [([(p, self.threshold_exponent(p, sensitivity, True) * (_BACKED_SCALE if p in backed else 1.0))],
                    "talk") for p in pauses]
        # Short commands come from the transcriber's whole words instead (see _MIN_KEYWORD_PHONES).
        long_commands = [
            (p, self.threshold_exponent(p, sensitivity, False))
            for p in known(commands)
            if self.phones(p) >= _MIN_KEYWORD_PHONES
        ]
        if long_commands:
            groups.append((long_commands, "talk"))
        # While the guide speaks, its echo masks a partner's voice: the pause word is searched
        # far more permissively then (see _BARGE_BOOST), stop strictly, in one search per
        # pause phrase (stop rides with the first), so the guide's talking costs one decoder.
        stops = [(p, self.threshold_exponent(p, sensitivity, True) / 3 - _BARGE_STOP_STRICTER)
                 for p in known(barge)]
        for i, p in enumerate(pauses):
            groups.append(([(p, self.threshold_exponent(p, sensitivity, True) * _BARGE_BOOST)]
                           + (stops if i == 0 else []), "prompt"))
        if not pauses and stops:
            groups.append((stops, "prompt"))
        if not groups:
            return None
        return RecognizerGroup([self._keyword_recognizer(g, steady_cmn=w == "prompt") for g, w in groups],
                               [w for _, w in groups])

    def _keyword_recognizer(self, phrases: list[tuple[str, float]], steady_cmn: bool = False) -> "SphinxRecognizer":
        lines = [f"{p} /1e{-round(exponent):+d}/" for p, exponent in phrases]  # whole exponents
        shortest = {p: self.phones(p) * _MIN_PHONE_S for p, _ in phrases}
        # A dictionary of the phrases' words alone: the search reads nothing else, and each
        # decoder given the whole CMU dictionary held about 20 MB more.
        words = sorted({w for p, _ in phrases for w in p.lower().split()})
        entries = [f"{w} {self._dictionary[w]}" for w in words]
        paths = []
        try:
            for suffix, text in ((".kws", lines), (".dict", entries)):
                fd, path = tempfile.mkstemp(suffix=suffix, text=True)
                paths.append(path)
                with os.fdopen(fd, "w") as f:
                    f.write("\n".join(text) + "\n")
            decoder = self._decoder_cls(samprate=16000, loglevel="FATAL", kws=paths[0], dict=paths[1],
                                        cmninit=self.cmninit)
        finally:
            for path in paths:
                os.unlink(path)
        return SphinxRecognizer(decoder, spotting=True, shortest=shortest, steady_cmn=steady_cmn)

    def phones(self, phrase: str) -> int:
        """How many phones the phrase has in the dictionary (0 if a word is unknown)."""
        total = 0
        for word in phrase.split():
            pron = self._dictionary.get(word.lower())
            if not pron:
                return 0
            total += len(pron.split())
        return total

    def threshold_exponent(self, phrase: str, sensitivity: float, pause: bool = True) -> float:
        """N in the keyword threshold 1e-N; larger N hears more readily.

        Longer phrases can be permissive without false alarms; words of two or three phones
        match almost anything, so a command that short needs a threshold above 1. The pause
        word leans towards being heard (a missed pause hurts more than a needless one);
        commands lean towards precision.
        """
        phones = self.phones(phrase)
        if pause:
            return max(1.0, (phones - 2) * (1.0 + 4.0 * sensitivity))
        return (phones - 7) * (1.0 + 4.0 * sensitivity)

    def knows(self, word: str) -> bool:
        return word.lower() in self._dictionary


def _read_dictionary(path: str) -> dict[str, str]:
    """Word -> the phones of its first pronunciation ("P AY N AE P AH L"), from the CMU
    dictionary file. One string a word: a tuple of phones held three times the memory."""
    entries: dict[str, str] = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            word, _, phones = line.strip().partition(" ")
            phones = " ".join(phones.split())
            if phones and not word.endswith(")"):
                entries.setdefault(word, phones)
    return entries


class SphinxRecognizer:
    """Streaming PocketSphinx decoding; one utterance runs from the first frame to flush()."""

    def __init__(self, decoder: Any, spotting: bool, shortest: dict[str, float] | None = None,
                 steady_cmn: bool = False):
        self._d = decoder
        # The barge-in search hears only the guide's echo, prompt after prompt: left to adapt,
        # its cepstral mean drifts (61.5 -> 51.1 after one prompt) until a plain prompt is heard
        # as the pause word. It starts every prompt from the same calibration instead.
        self._cmn0 = decoder.get_cmn() if steady_cmn else None
        self._spotting = spotting
        self._shortest = shortest or {}
        self._timeline = Timeline()
        self._in_utt = False
        self._last = ""
        self._count = 0
        self._reported_until = float("-inf")
        self.partials = True
        """Whether to report partial transcripts (off when nothing reads them: 15% of the CPU)."""

    @property
    def decoder(self) -> Any:
        return self._d

    @property
    def in_utterance(self) -> bool:
        return self._in_utt

    def accept(self, frame: Frame) -> Hypothesis | None:
        if not self._in_utt:
            if self._cmn0 is not None:
                self._d.set_cmn(self._cmn0)
            self._d.start_utt()
            self._in_utt = True
            self._timeline.restart()
            self._reported_until = float("-inf")
        self._timeline.feed(frame, _FRAME_S)
        self._d.process_raw(frame.pcm, False, False)
        self._count += 1
        if not self._spotting and (not self.partials or self._count % 3):
            return None  # partials of the language model cost; every 90 ms is enough for them
        if self._spotting:
            return self._new_keywords()
        if self._d.hyp() is None:
            return None
        words = self._words()
        text = " ".join(w.text for w in words)
        if not text or text == self._last:
            return None
        self._last = text
        return Hypothesis(text, words, False)

    def _new_keywords(self) -> Hypothesis | None:
        # Keyword search keeps every detection of the utterance; report only the new ones.
        # Restarting the utterance after a hit instead would cut the audio context mid-word.
        hyp = self._d.hyp()
        if hyp is None or hyp.hypstr == self._last:
            return None
        self._last = hyp.hypstr
        words = self._words()
        new = tuple(
            w
            for w in words
            if w.end > self._reported_until + 1e-6
            and w.end - w.start >= self._shortest.get(w.text, 0.0)
        )
        if not new:
            return None
        self._reported_until = max(w.end for w in new)
        return Hypothesis(" ".join(w.text for w in new), new, True)

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
        for seg in self._d.seg() or ():  # None when a grammar search found no path
            text = _clean(seg.word)
            if not text or _FILLER.match(text):
                continue
            start = self._timeline.to_audio(seg.start_frame / _SPHINX_RATE)
            end = self._timeline.to_audio((seg.end_frame + 1) / _SPHINX_RATE)
            words.append(Word(text, start, end))
        return tuple(words)
