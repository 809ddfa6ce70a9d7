"""The level gate the commands model learns and hears through (asr/level_gate.py), alone and
inside the keyword detector."""

from __future__ import annotations

import numpy as np
import pytest

from voice_attune.asr import kws_store
from voice_attune.asr.frames import FRAME_SAMPLES, frames_from_array
from voice_attune.asr.keywords import KeywordDetector, LoadedModel
from voice_attune.asr.kws_features import FrontEnd
from voice_attune.asr.kws_model import KeywordModel
from voice_attune.asr.level_gate import FRAME, GateSettings, LevelGate, gate_clip
from voice_attune.keywords import augment
from voice_attune.keywords.bank import bank_file
from voice_attune.keywords.commands import COMMANDS_GATE
from voice_attune.synthetic.compose import Composition

SR = 16000


def bursts_over_noise(seconds: float = 6.0, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Steady noise (rms about 100) with a loud 0.2 s burst (rms about 3000) each second; and
    which samples are bursts."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SR)
    pcm = rng.normal(0, 100, n)
    loud = np.zeros(n, bool)
    for start in range(SR // 2, n - SR // 5, SR):
        pcm[start:start + SR // 5] = rng.normal(0, 3000, SR // 5)
        loud[start:start + SR // 5] = True
    return np.clip(np.round(pcm), -32768, 32767).astype(np.int16), loud


def rms_db(x: np.ndarray) -> float:
    return 10 * np.log10(np.mean(x.astype(np.float64) ** 2) + 1e-9)


def test_the_room_between_words_is_turned_down_and_the_words_are_not():
    pcm, loud = bursts_over_noise()
    out = gate_clip(pcm, COMMANDS_GATE)
    later = np.arange(pcm.size) >= 3 * SR  # once three seconds of the room are known
    quiet = later & ~loud
    # The noise between bursts goes down (the gate closes over a few tenths of a second after
    # each), the bursts keep their level.
    assert rms_db(pcm[quiet]) - rms_db(out[quiet]) > 10
    assert abs(rms_db(pcm[later & loud]) - rms_db(out[later & loud])) < 1.0
    # It opens at once: the first frame of each burst is already as loud as it was.
    starts = np.flatnonzero(np.diff(loud.astype(int)) == 1) + 1
    for start in starts[starts >= 3 * SR]:
        first = slice(start, start + FRAME)
        assert abs(rms_db(pcm[first]) - rms_db(out[first])) < 1.0


def test_a_steady_room_alone_is_turned_down_by_the_floor_at_most():
    rng = np.random.default_rng(5)
    pcm = np.clip(np.round(rng.normal(0, 300, 5 * SR)), -32768, 32767).astype(np.int16)
    out = gate_clip(pcm, COMMANDS_GATE)
    assert 20 < rms_db(pcm) - rms_db(out) <= -COMMANDS_GATE.floor_db + 0.5


def test_the_gate_never_turns_anything_up():
    pcm, _ = bursts_over_noise(seed=4)
    out = gate_clip(pcm, GateSettings(above_db=20, ratio=8, floor_db=-40))
    assert np.all(np.abs(out.astype(np.int32)) <= np.abs(pcm.astype(np.int32)))


def test_a_stream_in_any_pieces_is_gated_as_the_whole_clip():
    pcm, _ = bursts_over_noise(seconds=4.3, seed=6)
    whole = gate_clip(pcm, COMMANDS_GATE)
    gate, pieces, at = LevelGate(COMMANDS_GATE), [], 0
    rng = np.random.default_rng(0)
    while at < pcm.size:
        size = int(rng.integers(1, 3000))
        pieces.append(gate.feed(pcm[at:at + size]))
        at += size
    streamed = np.concatenate(pieces)
    assert streamed.size == pcm.size // FRAME * FRAME  # a partial frame waits for more
    assert np.array_equal(streamed, whole[:streamed.size])
    gate.reset()
    assert np.array_equal(gate.feed(pcm[: 10 * FRAME]), whole[: 10 * FRAME])


def test_settings_travel_in_a_model_file():
    assert GateSettings.from_meta(COMMANDS_GATE.as_meta()) == COMMANDS_GATE
    assert GateSettings.from_meta(None) is None
    assert GateSettings.from_meta({"above_db": 6, "unknown": 1}) == GateSettings(above_db=6.0)


def test_a_bank_heard_through_the_gate_is_kept_apart(tmp_path):
    """Trainings that take whichever bank the data folder holds (a feelings menu) look for
    bank-v*.npz: a gated bank must never be one of them."""
    gated, plain = bank_file(tmp_path, "recipe", gated=True), bank_file(tmp_path, "recipe")
    assert gated != plain and plain.match("bank-v*.npz") and not gated.match("bank-v*.npz")


def test_the_detector_hears_a_gated_model_through_the_gate_and_the_pause_word_without():
    """The shipped commands model was trained through the gate: the detector gives it a stream
    of its own, whose scores are those of the gated audio, while a model without the gate in its
    file (here the same model, its gate struck out) hears the audio as it is."""
    front = FrontEnd()
    gated = KeywordModel.load(kws_store.commands_model_path())
    assert GateSettings.from_meta(gated.meta.get("level_gate")) == COMMANDS_GATE
    plain = KeywordModel.load(kws_store.commands_model_path())
    plain.meta.pop("level_gate")
    rng = np.random.default_rng(11)
    # Four seconds of the room first: the gate learns the background from the last three.
    comp = Composition().silence(4.0).say("Okay, stop.", "en-gb-scotland", 150).silence(0.8)
    talk = Composition().say("The neighbours' dog barked until two in the morning.", "en-us+m3", 160)
    audio = comp.audio().astype(np.float32)
    room = augment.mix(audio, augment.babble([talk.audio().astype(np.float32)], audio.size, rng), 12.0)
    pcm = augment.to_int16(room)
    pcm = np.concatenate([pcm, np.zeros(-pcm.size % FRAME_SAMPLES, np.int16)])  # as frames_from_array pads it

    def trace(model: KeywordModel) -> np.ndarray:
        """The scores of "stop" the detector kept (its last TRACE_S of steps)."""
        detector = KeywordDetector([LoadedModel(model, "pause")], front)
        for frame in frames_from_array(pcm):
            detector.feed(frame)
        return np.array([score for _, score in detector._trace[(0, model.phrases.index("stop"))]])

    def offline(gate: GateSettings | None) -> np.ndarray:
        """The scores of "stop" of every window the detector scores, worked out apart."""
        detector = KeywordDetector([LoadedModel(gated, "pause")], front)
        primed = len(front.stream(gate).feed(np.zeros(detector._preroll, np.int16)))
        embeddings = np.stack([e for _, e in front.stream(gate).feed(np.concatenate(
            [np.zeros(detector._preroll, np.int16), pcm]))])
        w = gated.window
        windows = np.stack([embeddings[i - w + 1:i + 1] for i in range(max(primed, w - 1), len(embeddings))])
        return gated.scores(windows)[:, gated.phrases.index("stop")]

    through_gate, as_it_is = trace(gated), trace(plain)
    assert through_gate.size == as_it_is.size > 20
    assert np.allclose(through_gate, offline(COMMANDS_GATE)[-through_gate.size:], atol=1e-6)
    assert np.allclose(as_it_is, offline(None)[-as_it_is.size:], atol=1e-6)
    assert np.abs(through_gate - as_it_is).max() > 0.05  # the two streams really differ


def talk_behind_a_word(seed: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Talk behind (syllables of 0.15 s, rms 300 to 700, between them 0.1 s of a faint room)
    for six seconds, and a louder word (rms about 3000, 0.3 s) at 4.5 s; and which samples are
    the word."""
    rng = np.random.default_rng(seed)
    n = 6 * SR
    pcm = rng.normal(0, 20, n)
    for start in range(0, n, int(0.25 * SR)):
        pcm[start:start + int(0.15 * SR)] = rng.normal(0, rng.uniform(300, 700), int(0.15 * SR))
    word = np.zeros(n, bool)
    word[int(4.5 * SR):int(4.8 * SR)] = True
    pcm[word] = rng.normal(0, 3000, word.sum())
    return np.clip(np.round(pcm), -32768, 32767).astype(np.int16), word


def test_after_a_word_the_talk_behind_is_turned_down_against_the_word():
    """Talk behind has syllables well above its own quiet gaps: a gate that knows only the
    background lets them through. Held also to the loudest frame of the last 0.4 s, the gate
    turns the talk down as the word ends and just after, and leaves it as the background-only
    gate does before the word and once the word is 0.4 s past."""
    pcm, word = talk_behind_a_word()
    settings = GateSettings(peak_below_db=11.0, peak_s=0.4)
    plain, held = gate_clip(pcm, GateSettings()), gate_clip(pcm, settings)
    t = np.arange(pcm.size) / SR
    after = (t >= 4.8) & (t < 5.15)
    assert rms_db(pcm[after]) - rms_db(plain[after]) < 2  # the background-only gate lets the talk through
    assert rms_db(plain[after]) - rms_db(held[after]) > 8
    assert abs(rms_db(held[word]) - rms_db(pcm[word])) < 1.0
    before, later = t < 4.5, t >= 5.5
    assert np.array_equal(plain[before], held[before])
    assert abs(rms_db(plain[later]) - rms_db(held[later])) < 1.0  # the gate has opened again
    gate = LevelGate(settings)  # and a stream in pieces is gated as the whole clip
    streamed = np.concatenate([gate.feed(piece) for piece in np.array_split(pcm, 41)])
    assert np.array_equal(streamed, held[:streamed.size])
