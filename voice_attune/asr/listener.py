"""The listener: voice activity, recognition and spotting over a stream of frames.

Recognizers are fed only while someone speaks (with a little audio from before the start),
which keeps a quiet room cheap; every time they report is mapped back to audio time.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import replace
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np

from voice_attune import FRAME_SAMPLES, SAMPLE_RATE
from voice_attune.asr.caremeaning import care_check
from voice_attune.asr.echo import EchoCanceller, echo_canceller
from voice_attune.asr.frames import Frame
from voice_attune.asr.keywords import (
    ECHO_LEVEL,
    ECHO_LEVEL_CANCELLED,
    KeywordDetector,
    KeywordHit,
    keyword_detector,
)
from voice_attune.asr.knock import KnockDetector
from voice_attune.asr.later_words import Held, LaterWords
from voice_attune.asr.recognizer import Hypothesis, Recognizer, SpeechModel
from voice_attune.asr.spotter import Spot, Spotter, phrases_for
from voice_attune.asr.vad import SpeechGate, State, frames_for_ms
from voice_attune.config import Config
from voice_attune.events import SURE_STOP, Event, Final, Partial, SpeechEnd, SpeechStart, Spotted

CONTEXT_S = 20.0
"""Seconds of what was said before a final (since the last prompt) that the care check reads
with it."""
COMMAND_AT_END_S = 0.45
"""A command the keyword model heard counts if the utterance ended within this long after it."""
FRAME_S = FRAME_SAMPLES / SAMPLE_RATE
KEYWORD_FLOOR_DB = -55.0
"""A keyword heard where no frame of the second before its end reached this level (dBFS) is
no one speaking: what is left of the guide's voice after echo cancellation, a hum, the hiss of
a quiet room (the keyword models were never taught near-silence). A soft voice a metre or two
from the microphone is about -40 dBFS."""
QUIET_DROP_DB = 10.0
QUIET_ABOVE_BACKGROUND_DB = 6.0
QUIET_FOR_S = 0.3
"""Babble or a radio can hold the voice-activity gate open for minutes, and a command waiting
for the utterance to end would never be taken. So a command is also taken when a stretch of
QUIET_FOR_S starting within COMMAND_AT_END_S after it is, on average, QUIET_DROP_DB below the
command's own loudness and no more than QUIET_ABOVE_BACKGROUND_DB above the background (the
30th percentile of the two seconds before the command): the partner stopped, whatever goes on
behind them. The end of a sentence that trails off ("...yesterday evening") is quieter than
its start but still louder than the room.

Where the talk behind is what holds the gate open (the voice-activity model still hears speech
through most of that quiet stretch), the utterance also ends there: otherwise the dialog, which
acts on a command or an answer at the end of its utterance, would wait for the room to fall
silent, which with a radio on may be never."""
TALK_BEHIND_SHARE = 0.75
"""The share of the frames of that quiet stretch the voice-activity model must take for speech
for the talk behind to count as holding the gate open. webrtcvad keeps saying "speech" for a few
frames after any voice (its own hangover): in a quiet room, with a little noise, that is 3 to 5
of the 9 frames after a partner stops, and under babble or one talker behind, 8 or 9
(2026-12-02, espeak-ng, Flite and Piper voices). At half, a quiet room passed for a loud one
every other time, and a short sentence ending in a command's sound ("I want us to plan
together", heard as "skip") became that command said alone."""
BACKUP_PEAK = 0.5
"""A pause phrase the transcript heard counts, where the phrase's keyword model listens too,
only if that model scored at least this high since BACKUP_SINCE_S before the word's end. The
recognizers turned sound-alikes into the pause word ("fine apple" -> "pineapple") and heard
nothing the keyword model had missed (scripts/bench_listen.py). Over six sound-alikes said by six
voices in a quiet room (a one-off check), by the time the transcript's 11 false spots came the
model had scored four of them below 0.5 (0.04-0.43) and the rest 0.75-0.88 (two came before it
had scored anything, which it now does from a stream's first 80 ms: see
``KeywordDetector._primed``); the three sayings only the transcript heard (Piper, the word
inside a sentence) it had scored 0.83-0.87."""
BACKUP_SINCE_S = 0.6
ECHO_TAIL_S = 0.3
"""The guide's echo lasts about this long after it stops playing (the room's reverberation)."""
ALONE_S = 1.6
"""A command or answer heard after the room's level held within QUIET_ABOVE_BACKGROUND_DB of
the background for QUIET_FOR_S, no more than this long before the phrase ended, was said on its
own ("yes", "so, stop"): the utterance ended by the quiet rule is then that phrase, rather than
whatever the recognizer made of the talk behind since the gate opened."""
ALONE_MARGIN_S = 0.05
"""Seconds of the room kept on each side of a saying heard again on its own."""
ALONE_QUIET_S = 0.5
"""A saying is heard again on its own only after this long of the room's own level before it
(a speaker's pause inside a sentence is shorter)..."""
ALONE_BELOW_DB = 12.0
"""...nine frames in ten of it, and of the QUIET_FOR_S after it, this far below the saying's
loudest. A talker 15 dB below the partner passes; a partner's own softer words do not."""
ALONE_SHORTEST_S = 0.2
"""Shorter than this is no saying (a syllable of the talk behind)."""
SENTENCE_S = 0.8
"""A command's phrase the keyword model heard while a question expects it ("yes", "no") is no
answer when it ends the speaker's own sentence: when in the SENTENCE_S before ALONE_S before the
phrase ended the room was, most of the time (its 70th percentile), within QUIET_DROP_DB of the
phrase's loudest. The commands model heard the "yet" that ends "Did the electricity bill come out
of the joint account yet?" as "yes", and that question was taken for the answer yes. Talk behind
the speaker (babble 10 dB, a talker 15 dB below them) is quieter than that, and "okay, yes" is
shorter; the guide's own voice before the speaker began does not count."""


class Listener:
    """Turns frames into listening events (speech_start, speech_end, partial, final, spotted)."""

    def __init__(
        self,
        gate: SpeechGate,
        transcriber: Recognizer,
        spotter: Spotter,
        phrase_recognizer: Recognizer | None = None,
        pre_roll_ms: int = 300,
        partials: bool = False,
        answers: Any = None,
        care: Any = None,
        keywords: KeywordDetector | None = None,
        echo: EchoCanceller | None = None,
        knock: KnockDetector | None = None,
        live: bool = False,
    ):
        self.gate = gate
        self.live = live
        """On a microphone: words from a speech-to-text service are taken when they arrive,
        never waited for (see later_words.py); over files and simulations they are waited for."""
        self._later = LaterWords()
        self._spotted: list[Spotted] = []
        """The pause word and commands heard in the utterance going on (see _decided_here)."""
        self.echo = echo
        """Takes the guide's own voice out of every frame before anything hears it (None: off)."""
        self.knock = knock
        """Hears a double knock on the table (None: off); see take_knocks."""
        self._knocks: list[float] = []
        self.keywords = keywords
        """Trained keyword models heard on every frame, the guide's voice included (None: none)."""
        self.transcriber = transcriber
        self.phrase_recognizer = phrase_recognizer
        self.answers = answers
        """Hears an utterance as one of the answers a question expects (expected.py), or None."""
        self._expecting = False
        self._keyword_answer: str | None = None
        """An answer phrase the keyword detector heard in the utterance going on."""
        self._held: list[KeywordHit] = []
        """Commands, and answers the open question expects, that the keyword detector heard in the
        utterance going on, until it ends."""
        self._over_guide: list[KeywordHit] = []
        """Held commands heard while the guide spoke: they wait for the utterance to end."""
        self._levels: deque[tuple[float, float]] = deque(maxlen=frames_for_ms(3000))
        """(frame end, dBFS) of the last three seconds, to hear a command's speaker fall quiet."""
        self._sound: deque[Frame] = deque(maxlen=frames_for_ms(3000))
        """The frames of the last three seconds as the keyword models hear them, to hear a
        short saying again on its own (memory only)."""
        self._alone_judged = -1.0
        """Where the last saying heard again on its own ended (audio seconds)."""
        self._gate_heard: deque[tuple[float, bool]] = deque(maxlen=frames_for_ms(3000))
        """(frame end, whether the voice-activity gate took the frame for speech), last three seconds."""
        self.care = care
        """Finds what suggests danger (asr/caremeaning.py: phrases, then meaning): such an
        utterance's words are withheld from every event, and its final is marked ``care``; None:
        no such check."""
        self._said: list[tuple[float, str]] = []
        """Finals since the last prompt, for ``CONTEXT_S`` (the care check's context; memory only)."""
        self.spotter = spotter
        self.partials = partials
        self._pre_roll = pre_roll_ms / 1000.0
        self._buffer: deque[Frame] = deque(maxlen=frames_for_ms(pre_roll_ms + 1000) + 2)
        self.now = 0.0
        """Audio seconds consumed so far."""
        self._guide_speaking = False
        self._guide_quiet_since = 0.0
        """When the guide's voice and its echo last fell silent (audio seconds)."""
        if phrase_recognizer is not None and not partials and hasattr(transcriber, "partials"):
            # The phrase recognizer hears the pause word; commands wait for the final words:
            # nothing reads the transcriber's partials, which cost a sixth of its time.
            transcriber.partials = False

    def feed(self, frame: Frame) -> list[Event]:
        """Listen to one frame; return the events it caused."""
        events: list[Event] = []
        if self._later:
            events.extend(self._words_arrived(wait=False))
        kept = frame
        if self.echo is not None:
            kept, frame = self.echo.process(frame)
            if self.keywords is not None:  # trust the canceller once it has learned the room
                self.keywords.echo_level = ECHO_LEVEL_CANCELLED if self.echo.learned else ECHO_LEVEL
        if self.knock is not None:
            self._knocks.extend(self.knock.feed(kept.pcm, kept.t))
        if self.keywords is not None:
            self._levels.append((kept.end, _level_db(kept.pcm)))
            self._sound.append(kept)
            events.extend(self._keyword_spots(kept))
            if self._held:
                events.extend(self._commands_followed_by_quiet())
            events.extend(self._said_alone_again())
        was_speaking = self.gate.in_speech
        change = self.gate.update(frame)
        self.now = frame.end
        self._gate_heard.append((frame.end, self.gate.state is State.SPEAKING))
        if not was_speaking:
            self._buffer.append(frame)
        if change is not None and change.started:
            events.append(SpeechStart(change.onset))
            self.spotter.new_utterance()
            self._spotted.clear()
            first = change.onset - self._pre_roll
            for buffered in self._buffer:
                if buffered.t >= first - 1e-9:
                    events.extend(self._recognize(buffered))
            self._buffer.clear()
        elif was_speaking:
            events.extend(self._recognize(frame))
        if change is not None and not change.started:
            events.extend(self._end_utterance(change.onset, change.offset or frame.end))
        return events

    def take_knocks(self) -> list[float]:
        """Audio times of the double knocks heard since the last call."""
        knocks, self._knocks = self._knocks, []
        return knocks

    def close(self) -> list[Event]:
        """End of audio: finish any utterance still open, and wait for words still on their way."""
        change = self.gate.close(self.now)
        events = [] if change is None else self._end_utterance(change.onset, change.offset or self.now)
        return events + self._words_arrived(wait=True)

    @property
    def guide_speaking(self) -> bool:
        """While the guide speaks only the phrase spotter listens (the pause word, stop): the
        transcriber would only transcribe the guide's own echo, at the most CPU of all."""
        return self._guide_speaking

    @guide_speaking.setter
    def guide_speaking(self, speaking: bool) -> None:
        if self._guide_speaking and not speaking:
            self._guide_quiet_since = self.now + ECHO_TAIL_S
        self._guide_speaking = speaking
        if self.phrase_recognizer is not None and hasattr(self.phrase_recognizer, "guide_speaking"):
            self.phrase_recognizer.guide_speaking = speaking

    def guide_plays(self, pcm: Any, t: float) -> None:
        """The guide starts playing ``pcm`` (16 kHz int16) at audio time ``t``: the keyword
        detector hears it alongside the microphone, so its echo is never taken for a partner;
        the echo canceller takes it out of the microphone."""
        if self.echo is not None:
            self.echo.play(pcm, t)
        if self.keywords is not None:
            self.keywords.play_reference(pcm, t)

    def guide_stops(self) -> None:
        """The guide's voice was cut short."""
        if self.echo is not None:
            self.echo.stop(self.now)
        if self.keywords is not None:
            self.keywords.stop_reference()

    def expect(self, phrases: Sequence[str]) -> None:
        """The answers an open question expects, from the next utterance on (none: free speech)."""
        if self.answers is not None:
            self._expecting = self.answers.expect(phrases)
        if self.keywords is not None:
            self.keywords.expect(phrases)

    def reset(self) -> list[Event]:
        """Forget what the recognizers heard and close any utterance still open (after each
        prompt, so its echo is not kept and a partner's speech starts a fresh utterance: a
        VAD segment begun by the guide's voice would otherwise run on into the partner's)."""
        events: list[Event] = []
        change = self.gate.close(self.now)
        if change is not None:
            offset = change.offset or self.now
            events.append(SpeechEnd(offset, offset - change.onset))
        self.transcriber.reset()
        if self.phrase_recognizer is not None:
            self.phrase_recognizer.reset()
        if self.answers is not None:
            self.answers.reset()
        self.spotter.new_utterance()
        self._spotted.clear()
        self._keyword_answer = None
        self._held.clear()
        self._over_guide.clear()
        self._said.clear()
        return events

    def restart(self) -> None:
        """Ready for another session, on a clock that starts again at 0 (the daemon keeps one
        listener for all its sessions: building one loads its models again)."""
        self.reset()
        self.spotter.forget()
        self.gate = SpeechGate(self.gate.settings)
        self.expect(())
        self._buffer.clear()
        self._later.clear()
        self._levels.clear()  # the clock starts again: times from before would be in the future
        self._sound.clear()
        self._alone_judged = -1.0
        self._gate_heard.clear()
        self.now = 0.0
        self.guide_speaking = False
        self._guide_quiet_since = 0.0
        if self.keywords is not None:
            self.keywords.reset()
        if self.echo is not None:
            self.echo.reset()
        if self.knock is not None:
            self.knock.reset()
        self._knocks.clear()

    def run(self, frames: Iterable[Frame]) -> Iterator[Event]:
        """Listen to a whole stream, yielding events as they happen."""
        for frame in frames:
            yield from self.feed(frame)
        yield from self.close()

    def _end_utterance(self, onset: float, offset: float, said: KeywordHit | None = None,
                       began: float | None = None) -> list[Event]:
        """The utterance from ``onset`` to ``offset`` ended: its commands, its final. ``said``:
        it was that phrase alone, begun at ``began``, ended by the quiet rule in talk that goes
        on behind it."""
        events: list[Event] = [SpeechEnd(offset, offset - onset)]
        held, self._held, self._over_guide = self._held, [], []
        for hit in held:
            # A command is a command when the utterance is it, or ends with it ("okay, I'm done");
            # "yes" heard at the start of "yesterday evening" is not.
            if hit.kind == "command" and offset - hit.word_end <= COMMAND_AT_END_S:
                events.extend(self._keyword_spot(hit, self.now))
        if self.phrase_recognizer is not None:
            hyp = self.phrase_recognizer.flush()
            if hyp is not None:
                events.extend(self._spots(hyp))
        answer = self.answers.flush() if self._expecting else None
        hyp = self.transcriber.flush()
        if hyp is not None:
            events.extend(self._spots(hyp))
        heard, self._keyword_answer = self._keyword_answer, None
        final = None
        if hyp is not None or answer is not None or heard is not None:
            final = self._final(hyp or Hypothesis("", (), True), self.now)
            # The keyword model, made for these few words, is believed over the grammar.
            if (heard or answer) is not None and not final.care:
                final = replace(final, answer=heard if heard is not None else answer.text)
        if said is not None and (final is None or not final.care):
            # The recognizer heard the talk behind since the gate opened; the keyword model
            # heard the phrase, said on its own.
            final = Final(self.now, said.text, began, said.word_end,
                          answer=final.answer if final is not None else None)
        send = getattr(self.transcriber, "send", None)
        later = None
        if send is not None and said is None and not self._decided_here(final, offset):
            later = send()
        self._spotted.clear()
        if later is not None:
            self._later.hold(later, final, onset, offset)
            if not self.live:
                events.extend(self._words_arrived(wait=True))
        elif final is not None:
            events.append(final)
        return events

    def _decided_here(self, final: Final | None, offset: float) -> bool:
        """Whether an utterance's final is the local one, at once, rather than a speech-to-text
        service's: the pause word and words that suggest danger act at once, and a command said
        as the utterance or at its end ("okay, I'm done") acts at its final; none of them may
        wait for a service. An "okay" inside a sentence is no command, and waits."""
        if final is not None and final.care:
            return True
        return any(s.kind == "pause" or s.word_end is None or offset - s.word_end <= COMMAND_AT_END_S
                   for s in self._spotted)

    def _words_arrived(self, wait: bool) -> list[Event]:
        """Finals of the utterances whose words came back from the service (the local words
        where it failed)."""
        events: list[Event] = []
        for held, text in self._later.arrived(wait):
            if text is None:
                if held.local is not None:
                    events.append(replace(held.local, t=self.now))
            elif text or held.local is not None:
                events.append(self._service_final(held, text))
        return events

    def _service_final(self, held: Held, text: str) -> Final:
        local = held.local
        start, end = held.onset, held.offset
        if local is not None and local.start is not None and local.end is not None:
            start, end = local.start, local.end
        if self._suggests_danger(text, self.now):
            return Final(self.now, "", start, end, care=True)
        return Final(self.now, text, start, end, answer=local.answer if local is not None else None)

    def _recognize(self, frame: Frame) -> list[Event]:
        events: list[Event] = []
        if self.phrase_recognizer is not None:
            hyp = self.phrase_recognizer.accept(frame)
            if hyp is not None:
                events.extend(self._spots(hyp, frame.end))
        if self._expecting and not self.guide_speaking:
            self.answers.accept(frame)
        # Without a phrase recognizer the transcriber is what hears the pause word: it never rests.
        rests = self.guide_speaking and self.phrase_recognizer is not None
        hyp = None if rests else self.transcriber.accept(frame)
        if hyp is not None:
            # A partial's last word is often a guess in the middle of a longer word ("yeah"
            # on the way to "yesterday"): only the pause word, where every 100 ms counts, is
            # taken from partials; commands wait for the final words.
            kinds = ("pause", "command") if hyp.final else ("pause",)
            events.extend(self._spots(hyp, frame.end, kinds))
            if hyp.final:
                events.append(self._final(hyp, frame.end))
            elif self.partials:
                withheld = self.care is not None and self.care.find(hyp.text, final=False)
                events.append(Partial(frame.end, "" if withheld else hyp.text))
        return events

    def _keyword_spots(self, frame: Frame) -> list[Event]:
        events: list[Event] = []
        for hit in self.keywords.feed(frame):
            if self._faint(hit):
                continue
            expected = hit.text in self.keywords.expected
            if hit.kind == "answer" or (expected and not self._ends_a_sentence(hit)):
                self._keyword_answer = hit.text
            if hit.kind == "answer" and not expected:
                continue
            barge = hit.name == "stop" and self.guide_speaking and hit.score * 100 >= SURE_STOP
            if hit.kind != "pause" and not barge:
                if not self.gate.in_speech:
                    continue  # no one is speaking: a command from the residue of the guide's voice
                # Said as the end of the utterance? (see _end_utterance and the quiet rule)
                self._held.append(hit)
                if self.guide_speaking:
                    self._over_guide.append(hit)
                continue
            # The pause word at once; a sure "stop" over the guide's voice at once, as barge-in.
            events.extend(self._keyword_spot(hit, hit.t))
        return events

    def _ends_a_sentence(self, hit: KeywordHit) -> bool:
        """Whether the speaker of ``hit`` was talking before it (see SENTENCE_S)."""
        since = hit.word_end - ALONE_S - SENTENCE_S
        said = [db for t, db in self._levels if hit.word_end - 0.6 <= t <= hit.word_end + FRAME_S]
        before = [db for t, db in self._levels
                  if max(since, self._guide_quiet_since) <= t < hit.word_end - ALONE_S]
        if not said or len(before) < frames_for_ms(SENTENCE_S * 1000) // 2:
            return False
        return float(np.percentile(before, 70)) >= max(said) - QUIET_DROP_DB

    def _faint(self, hit: KeywordHit) -> bool:
        """Heard where no one speaks: near-silence, or only what the echo canceller left of
        the guide's voice."""
        near = [db for t, db in self._levels if hit.word_end - 1.0 <= t <= hit.word_end + FRAME_S]
        if near and max(near) < KEYWORD_FLOOR_DB:
            return True
        return self.echo is not None and not self.echo.someone_else(hit.word_end - 0.8, hit.word_end + FRAME_S)

    def _commands_followed_by_quiet(self) -> list[Event]:
        events: list[Event] = []
        frames = frames_for_ms(QUIET_FOR_S * 1000)
        if len(self._levels) < frames:
            return events
        window = list(self._levels)[-frames:]
        start = window[0][0] - FRAME_S
        level = float(np.mean([db for _, db in window]))
        for hit in list(self._held):
            if hit in self._over_guide or not hit.word_end <= start <= hit.word_end + COMMAND_AT_END_S:
                continue  # over the guide's voice, its echo's falls would be taken for the partner's
            loudness = [db for t, db in self._levels if hit.word_end - 0.6 <= t <= hit.word_end + 0.03]
            before = [db for t, db in self._levels if t < hit.word_end - 0.6]
            if not loudness or len(before) < frames:
                continue
            background = float(np.percentile(before, 30))
            if level <= max(loudness) - QUIET_DROP_DB and level <= background + QUIET_ABOVE_BACKGROUND_DB:
                self._held.remove(hit)
                if hit.kind == "command":
                    events.extend(self._keyword_spot(hit, self.now))
                if self._talk_behind_holds_gate(start):
                    events.extend(self._end_at_quiet(hit, start, background))
                    break
        return events

    def _talk_behind_holds_gate(self, since: float, until: float | None = None) -> bool:
        """Whether the voice-activity gate took TALK_BEHIND_SHARE of the frames since ``since``
        (until ``until``, or now) for speech: the partner fell quiet, but the room did not
        (babble, a radio)."""
        judged = [speech for t, speech in self._gate_heard if since < t <= (until if until is not None else self.now)]
        return self.gate.in_speech and bool(judged) and sum(judged) >= TALK_BEHIND_SHARE * len(judged)

    def _end_at_quiet(self, hit: KeywordHit, quiet_from: float, background: float) -> list[Event]:
        """End the utterance where ``hit``'s speaker fell quiet, the gate held open behind them."""
        change = self.gate.close(self.now)
        if change is None:
            return []
        began = self._alone_since(hit.word_end, background + QUIET_ABOVE_BACKGROUND_DB)
        return self._end_utterance(change.onset, quiet_from, said=hit if began is not None else None, began=began)

    def _alone_since(self, word_end: float, quiet_db: float, quiet_s: float = QUIET_FOR_S,
                     mean: Callable[[list[float]], float] = lambda dbs: float(np.mean(dbs))) -> float | None:
        """When the speaker of a phrase that ended at ``word_end`` began, if the room was at
        its own level (on average no louder than ``quiet_db``) for ``quiet_s`` within ALONE_S
        before the phrase ended (None: they were talking before)."""
        run = frames_for_ms(quiet_s * 1000)
        said = [(db, t) for t, db in self._levels if word_end - 0.6 <= t <= word_end + 0.03]
        if not said:
            return None
        loudest = max(said)[1]  # the quiet must come before the phrase's own sound
        levels = [(t, db) for t, db in self._levels if word_end - ALONE_S - quiet_s <= t < loudest]
        for i in range(len(levels) - run, -1, -1):
            if mean([db for _, db in levels[i : i + run]]) <= quiet_db:
                return levels[i + run - 1][0]
        return None

    def _said_alone_again(self) -> list[Event]:
        """A short saying, said on its own, heard again on its own: where talk behind holds the
        voice-activity gate open (babble, a radio), a partner who says "stop" and falls quiet is
        found by the room's level alone (ALONE_QUIET_S of quiet within ALONE_S before it and
        QUIET_FOR_S after it, quiet meaning ALONE_BELOW_DB below the saying), and what they
        said is cut out of the talk around it and heard by the keyword models again, as if said
        in a quiet room (KeywordDetector.hear_alone). In the stream each embedding sums up
        0.78 s, mostly of the talk behind such a short word. A command so heard is taken at
        once and ends the utterance there, as the quiet rule does. Each saying is heard so
        once; in a quiet room (nothing holds the gate open) or over the guide, never."""
        frames = frames_for_ms(QUIET_FOR_S * 1000)
        if (self.guide_speaking or self.now < self._guide_quiet_since or not self.gate.in_speech
                or len(self._levels) < frames):
            return []
        window = list(self._levels)[-frames:]
        start = window[0][0] - FRAME_S
        said = [(db, t) for t, db in self._levels if start - 0.6 <= t <= start]
        before = [db for t, db in self._levels if t < start - 0.6]
        if not said or len(before) < frames:
            return []
        # Quiet: nine frames in ten ALONE_BELOW_DB below the saying's loudest, after it and for
        # ALONE_QUIET_S before it (a speaker's softer words and the gaps between them are not).
        quiet = max(said)[0] - ALONE_BELOW_DB
        if _loud_db([db for _, db in window]) > quiet or not any(t > self._alone_judged for db, t in said if db > quiet):
            return []  # not quiet after it, or nothing said since the last saying heard so
        if not self._talk_behind_holds_gate(start):
            return []
        began = self._alone_since(start, quiet, ALONE_QUIET_S, _loud_db)
        if began is None or began < self._alone_judged or start - began < ALONE_SHORTEST_S:
            return []  # talking before, the saying heard so last time again, or too short a sound
        if not self._talk_behind_holds_gate(began - ALONE_QUIET_S, began):
            return []  # a quiet room before it: webrtcvad's hangover held the gate after it
        background = float(np.percentile(before, 30))
        self._alone_judged = start
        pcm = b"".join(f.pcm for f in self._sound if began - ALONE_MARGIN_S <= f.t < start + ALONE_MARGIN_S)
        hit = self.keywords.hear_alone(np.frombuffer(pcm, np.int16), start)
        if hit is None or self._faint(hit):
            return []
        expected = hit.text in self.keywords.expected
        if hit.kind == "answer" and not expected:
            return []
        if expected:
            self._keyword_answer = hit.text
        events = self._keyword_spot(hit, self.now) if hit.kind == "command" else []
        return events + self._end_at_quiet(hit, start, background)

    def _keyword_spot(self, hit: KeywordHit, t: float) -> list[Event]:
        # The same saying heard later in the transcript is not reported twice.
        if not self.spotter.claim(hit.name, hit.word_end - 0.8, hit.word_end):
            return []
        spot = Spotted(t, hit.kind, hit.name, hit.text, round(hit.score * 100, 1), hit.word_end, source="keyword")
        self._spotted.append(spot)
        return [spot]

    def _spots(
        self, hyp: Hypothesis, t: float | None = None, kinds: tuple[str, ...] = ("pause", "command")
    ) -> list[Event]:
        t = self.now if t is None else t
        spots = [
            Spotted(t, s.phrase.kind, s.phrase.name, s.heard, round(s.score, 1), s.word_end, source="transcript")
            for s in self.spotter.match(hyp, kinds) if self._backed_up(s)
        ]
        self._spotted.extend(spots)
        return spots

    def _backed_up(self, spot: Spot) -> bool:
        """Whether a spot from the transcript stands: the pause phrase's keyword model, where
        one listens, must have leaned towards it too (BACKUP_PEAK). Over the guide's voice the
        recognizer's own barge-in search decides alone."""
        if (spot.phrase.kind != "pause" or spot.phrase.text not in self.spotter.exact or self.keywords is None
                or self.guide_speaking or spot.word_end is None):
            return True
        peak = self.keywords.peak(spot.phrase.text, spot.word_end - BACKUP_SINCE_S)
        return peak is None or peak >= BACKUP_PEAK

    def _final(self, hyp: Hypothesis, t: float) -> Final:
        start = hyp.words[0].start if hyp.words else None
        end = hyp.words[-1].end if hyp.words else None
        if self._suggests_danger(hyp.text, t):
            return Final(t, "", start, end, care=True)
        return Final(t, hyp.text, start, end)

    def _suggests_danger(self, text: str, t: float) -> bool:
        """The care check of a final, with what was said just before it since the last prompt
        (kept in memory only, for ``CONTEXT_S``) as its context."""
        if self.care is None:
            return False
        self._said = [(when, said) for when, said in self._said if t - when <= CONTEXT_S]
        if self.care.find(text, before=" ".join(said for _, said in self._said)):
            return True
        if text:
            self._said.append((t, text))
        return False


def build_listener(
    config: Config, engine: SpeechModel, partials: bool = False, notice: Callable[[str], None] | None = None,
    live: bool = False,
) -> Listener:
    """A listener with the echo canceller, the configured VAD, the engine's recognizers, the
    spotter and the pause word's keyword model (when there is one; ``notice`` hears why not).
    ``live``: it hears a microphone, and never waits for a speech-to-text service."""
    notice = notice or (lambda message: None)
    echo = echo_canceller(config.audio.echo_cancel, notice)
    keywords = keyword_detector(config, notice)
    phrases = phrases_for(config.pause_words, config.spotter.commands)
    # The pause phrases a trained keyword model hears: the recognizers listen for them strictly.
    backed = sorted(keywords.pause_phrases) if keywords is not None else []
    spotter = Spotter(phrases, config.spotter.fuzzy_threshold, exact=backed)
    phrase_recognizer = engine.phrase_spotter(
        [p.text for p in phrases if p.kind == "pause"],
        [p.text for p in phrases if p.kind == "command"],
        config.spotter.sensitivity,
        barge=[p.text for p in phrases if p.name == "stop"],
        backed=backed,
    )
    answers = engine.answer_recognizer([p.text for p in phrases]) if hasattr(engine, "answer_recognizer") else None
    return Listener(
        SpeechGate(config.vad),
        engine.transcriber(),
        spotter,
        phrase_recognizer,
        pre_roll_ms=config.vad.pre_roll_ms,
        partials=partials,
        answers=answers,
        care=care_check(config.care, notice),
        keywords=keywords,
        echo=echo,
        knock=KnockDetector() if config.pause_by.knock else None,
        live=live,
    )


def _loud_db(dbs: list[float]) -> float:
    """How loud a stretch of frames of these levels (dBFS) gets: its 90th percentile."""
    return float(np.percentile(dbs, 90))


def _level_db(pcm: bytes) -> float:
    """A frame's loudness in dBFS (-100 for digital silence)."""
    samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float32)
    power = float(np.mean(samples * samples)) if samples.size else 0.0
    return 10.0 * math.log10(power / 32768.0**2) if power > 0 else -100.0
