"""Voice activity: speech starts and ends where the test placed it, within 0.15 s."""

from __future__ import annotations

import pytest

from tests.conftest import VOICES
from voice_attune.asr.frames import Frame, frames_from_array
from voice_attune.asr.vad import SpeechGate
from voice_attune.config import VadSettings
from voice_attune.synthetic.compose import Composition, add_noise

TOLERANCE = 0.15


def segments(pcm, settings: VadSettings | None = None) -> list[tuple[float, float]]:
    gate = SpeechGate(settings or VadSettings())
    found = []
    frames = list(frames_from_array(pcm))
    for frame in frames:
        change = gate.update(frame)
        if change is not None and not change.started:
            found.append((change.onset, change.offset))
    change = gate.close(frames[-1].end)
    if change is not None:
        found.append((change.onset, change.offset))
    return found


@pytest.mark.parametrize("voice, speed", VOICES)
def test_speech_start_and_end_match_where_it_was_placed(voice, speed):
    comp = (Composition().silence(1.2).say("I feel tired but okay today", voice, speed)
            .silence(2.0).say("thank you for listening", voice, speed).silence(1.5))
    found = segments(comp.audio())
    assert len(found) == 2, found
    for (onset, offset), placed in zip(found, comp.placed):
        assert abs(onset - placed.start) <= TOLERANCE, (onset, placed)
        assert abs(offset - placed.end) <= TOLERANCE, (offset, placed)


def test_times_hold_in_pink_noise_at_15_db():
    comp = Composition().silence(1.0).say("we could go for a walk after dinner").silence(1.5)
    found = segments(add_noise(comp.audio(), "pink", 15.0, seed=3), VadSettings(aggressiveness=3))
    assert len(found) == 1, found
    assert abs(found[0][0] - comp.placed[0].start) <= TOLERANCE
    assert abs(found[0][1] - comp.placed[0].end) <= TOLERANCE


def test_a_short_gap_does_not_split_an_utterance_but_a_long_one_does():
    comp = (Composition().silence(0.5).say("I was thinking").silence(0.3).say("about tomorrow")
            .silence(1.2).say("and the weekend").silence(1.0))
    found = segments(comp.audio())
    assert len(found) == 2, found
    assert abs(found[0][1] - comp.placed[1].end) <= TOLERANCE


def test_a_click_is_not_speech():
    import numpy as np

    pcm = np.zeros(16000 * 2, np.int16)
    pcm[16000:16000 + 160] = 20000  # 10 ms click
    assert segments(pcm) == []


class Scripted:
    """A classifier that answers from a list: isolates the hysteresis from webrtcvad."""

    def __init__(self, answers: list[bool]):
        self.answers = iter(answers)

    def is_speech(self, frame: Frame) -> bool:
        return next(self.answers)


def test_hysteresis_needs_enough_speech_to_start_and_enough_silence_to_end():
    settings = VadSettings(start_ms=90, end_silence_ms=150)
    answers = [False, True, False, False, False, True, True, True, True, False, True] + [False] * 6
    gate = SpeechGate(settings, Scripted(answers))
    changes = []
    for i, _ in enumerate(answers):
        change = gate.update(Frame(b"", i * 0.03))
        if change:
            changes.append(change)
    assert [c.started for c in changes] == [True, False]
    assert changes[0].onset == pytest.approx(5 * 0.03)  # the lone frame at 0.03 did not start it
    assert changes[1].offset == pytest.approx(11 * 0.03)  # end of the last speech frame
