"""The keyword detector: a real model trained here on a small seeded budget, heard through the
real front end and listener, on voices the model never trained on."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from voice_attune import SAMPLE_RATE
from voice_attune.asr import kws_store
from voice_attune.asr.audiofile import write_wav
from voice_attune.asr.frames import frames_from_array
from voice_attune.asr.keywords import KeywordDetector, LoadedModel
from voice_attune.asr.kws_features import (BLOCK_SAMPLES, EMBEDDING_STEP, FIRST_END, MELS_PER_EMBEDDING, STEP_SAMPLES,
                                           FrontEnd)
from voice_attune.asr.kws_model import CHANGES, BadModelFile, KeywordModel, fit
from voice_attune.asr.listener import build_listener
from voice_attune.cli import main
from voice_attune.config import DEFAULT_COMMANDS, Config
from voice_attune.events import Spotted, from_dict
from voice_attune.keywords import augment, masking
from voice_attune.keywords.prompts import library_prompts
from voice_attune.keywords.commands import COMMANDS_WINDOW
from voice_attune.keywords.train import (BUDGETS, LONGEST_WINDOW, POSITIVE_AFTER_S, SMALL, STRETCH, TEST, Clip, Dataset,
                                         _speak, clip_windows, heard_part, train_keyword, window_for, windows_of)
from voice_attune.keywords.voices import (
    FLITE_TRAINING, HELD_OUT_FLITE, PICO_TRAINING, Voice, speaks_phonemes, training_voices,
)
from voice_attune.synthetic.compose import Composition
from voice_attune.synthetic.pico import pico_available
from voice_attune.synthetic.speech import PIPER_VOICE, piper_available, synthesize

COMMAND_PHRASES = [p for ps in DEFAULT_COMMANDS.values() for p in ps]
HELD_OUT = [("en-gb+m6", 150), ("en-029+m6", 160), ("en-gb-x-gbcwmd+f4", 145)]
"""Voices of accents and variants the test model never trained on."""


@pytest.fixture(scope="session")
def front() -> FrontEnd:
    return FrontEnd()


@pytest.fixture(scope="session")
def bank(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("bank")


@pytest.fixture(scope="session")
def model(bank: Path) -> KeywordModel:
    """'pineapple' trained as train-word trains it (the session library's prompts as the guide's
    echo), without the held-out accents and variants (seeded, about 40 s)."""
    return train_keyword(["pineapple"], ["pause"], TEST, seed=3, bank_folder=bank, hold_out=True,
                         also_refuse=COMMAND_PHRASES, prompts=library_prompts(Config(), "pineapple"))


def hits(model: KeywordModel, front: FrontEnd, pcm: np.ndarray) -> list:
    detector = KeywordDetector([LoadedModel(model, "pause")], front)
    return [h for f in frames_from_array(pcm) for h in detector.feed(f)]


def test_streamed_embeddings_equal_those_of_the_whole_clip(front: FrontEnd):
    # Silence and speech both: the mel model's decibel floor follows the loudest frame it is given.
    speech = synthesize("pineapple, I need a moment", "en-us", 160)
    pcm = np.concatenate([np.zeros(9000, np.int16), speech, np.zeros(7000, np.int16),
                          (np.random.default_rng(0).standard_normal(16000) * 2000).astype(np.int16)])
    whole = front.embed_clip(pcm)
    stream, got = front.stream(), []
    for piece in np.array_split(pcm, 37):
        got += stream.feed(piece)
    assert [end for end, _ in got] == [FIRST_END + j * STEP_SAMPLES for j in range(len(got))]
    assert len(got) == whole.shape[0]
    assert np.array_equal(np.stack([e for _, e in got]), whole)


def test_one_pass_over_a_span_gives_each_window_embedding(front: FrontEnd):
    # Training embeds whole clips in one call per span; listening one window at a time.
    noise = np.random.default_rng(1).standard_normal(46 * STEP_SAMPLES) * 3000
    blocks = [front.mels(noise[k * STEP_SAMPLES : k * STEP_SAMPLES + BLOCK_SAMPLES]) for k in range(44)]
    mels = np.concatenate(blocks + [front.mels(np.zeros(BLOCK_SAMPLES))])  # a quiet block after the noise
    span = front.embed_span(mels[: MELS_PER_EMBEDDING + 32 * EMBEDDING_STEP])
    one_by_one = [front.embed_mels(mels[j * EMBEDDING_STEP : j * EMBEDDING_STEP + MELS_PER_EMBEDDING])
                  for j in range(33)]
    assert span.shape == (33, 96)
    assert np.array_equal(span, np.stack(one_by_one))


@pytest.mark.parametrize("offset", range(0, STEP_SAMPLES, 160))
def test_a_positive_clip_cut_after_its_last_window_gives_the_same_windows(front: FrontEnd, offset: int):
    audio = (np.random.default_rng(offset).standard_normal(5 * 16000) * 2000).astype(np.float32)
    clip = Clip(audio, 0, None, phrase_start=30000 + offset, phrase_end=41000 + offset)
    windows = []
    for part in (clip.audio, heard_part(clip)):
        clip.embeddings = front.embed_clip(part)
        data = Dataset()
        clip_windows(clip, 12, data, data, 1, 1)
        windows.append(data.arrays())
    assert heard_part(clip).size < audio.size
    for whole, cut in zip(*windows):
        assert np.array_equal(whole, cut)


def test_masked_bands_are_flat_and_an_unmasked_clip_embeds_as_the_stream_does(front: FrontEnd):
    # Training embeds a masked clip from its mel frames; with nothing masked that path must give
    # exactly what listening gives, or the masked and unmasked halves would learn different things.
    speech = synthesize("pineapple, I need a moment", "en-gb-scotland+m6", 150).astype(np.float32)
    pcm = np.concatenate([np.zeros(7000, np.float32), speech, np.zeros(3001, np.float32)])
    mels = front.clip_mels(pcm)
    assert np.array_equal(front.embed_frames(mels), front.embed_clip(pcm))
    assert front.embed_frames(mels[:MELS_PER_EMBEDDING - 1]).shape == (0, 96)
    ten_blocks = pcm[: BLOCK_SAMPLES + 9 * STEP_SAMPLES]  # mel frames come eight at a time: 80 give one window
    assert np.array_equal(front.embed_frames(front.clip_mels(ten_blocks)), front.embed_clip(ten_blocks))
    assert front.embed_clip(ten_blocks).shape == (1, 96)

    draws = [masking.draw(np.random.default_rng([3, g]), 0.5) for g in range(400)]
    assert draws == [masking.draw(np.random.default_rng([3, g]), 0.5) for g in range(400)]  # seeded
    assert 150 < sum(1 for d in draws if d) < 250
    assert not any(masking.draw(np.random.default_rng(g), 0.0) for g in range(50))
    mask = next(d for d in draws if len(d) == 2)
    flat = masking.apply(mels, mask)
    masked = np.zeros(32, bool)
    for first, width in mask:
        assert 2 <= width <= 5 and first + width <= 32
        masked[first : first + width] = True
    assert np.allclose(flat[:, masked], flat[0, masked])  # no change over time left in those bands
    assert np.allclose(flat[:, masked].mean(axis=0), mels[:, masked].mean(axis=0), atol=1e-5)
    assert np.array_equal(flat[:, ~masked], mels[:, ~masked])
    assert not np.allclose(front.embed_frames(flat), front.embed_frames(mels), atol=1e-3)


def test_drawing_the_random_numbers_ahead_on_another_thread_gives_the_same_weights():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((1500, 12, 96)).astype(np.float32)
    y = (rng.random((1500, 1)) < 0.2).astype(np.float32)
    w = rng.uniform(0.5, 2.0, 1500).astype(np.float32)
    ahead = fit(x, y, w, 3, hidden=16, epochs=3, batch=100, ahead=True)
    inline = fit(x, y, w, 3, hidden=16, epochs=3, batch=100, ahead=False)
    assert ahead.keys() == inline.keys()
    assert all(np.array_equal(ahead[k], inline[k]) for k in ahead)


def test_loading_front_ends_on_many_threads_leaves_standard_error_working():
    # Each load silences native chatter on standard error for a moment; two at once once left
    # it silent for good, and a training's progress and errors vanished.
    code = ("import threading\n"
            "from voice_attune.asr.kws_features import FrontEnd\n"
            "for _ in range(3):\n"
            "    ts = [threading.Thread(target=FrontEnd) for _ in range(6)]\n"
            "    [t.start() for t in ts]; [t.join() for t in ts]\n"
            "import sys; print('still heard', file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "still heard" in done.stderr


def sentences_with_the_word(voices) -> tuple[np.ndarray, list[float]]:
    comp = Composition().silence(1.0)
    ends = []
    for voice, speed in voices:
        comp.say("I hear you, but", voice, speed).silence(0.05)
        comp.say("pineapple", voice, speed)
        ends.append(comp.duration)
        comp.silence(0.05).say("I need some air.", voice, speed).silence(2.0)
    return comp.audio(), ends


def heard_within(found, ends, late: float = 0.35) -> list[bool]:
    return [any(end - 0.3 <= h.t <= end + late for h in found) for end in ends]


@pytest.mark.slow
def test_about_half_the_sayings_learnt_from_are_heard_with_bands_masked(model):
    learnt_from = model.meta["positive_clips"] + model.meta["negative_clips"]
    assert 0.3 * learnt_from < model.meta["masked_clips"] < 0.5 * learnt_from  # a fifth is kept back, never masked


@pytest.mark.slow
def test_pause_word_heard_inside_a_sentence_from_held_out_voices(model, front):
    audio, ends = sentences_with_the_word(HELD_OUT)
    found = hits(model, front, audio)
    assert heard_within(found, ends) == [True, True, True], found
    assert len(found) == len(ends)


@pytest.mark.slow
def test_pause_word_heard_from_held_out_voices_in_noise(model, front):
    # The small test model is not yet at the benchmark's targets in noise (docs/benchmarks):
    # two of three held-out voices in pink noise at 15 dB is what it must keep.
    audio, ends = sentences_with_the_word(HELD_OUT)
    noise = augment.noise("pink", audio.size, np.random.default_rng(1))
    noisy = augment.to_int16(augment.mix(audio.astype(np.float32), noise, 15))
    found = hits(model, front, noisy)
    assert sum(heard_within(found, ends)) >= 2, found
    assert all(any(end - 0.3 <= h.t <= end + 0.35 for end in ends) for h in found), "a pause away from any word"


@pytest.mark.slow
def test_a_confusable_phrase_is_not_the_pause_word(model, front):
    # "Nine apples", one consonant from the word, still sets the small test model off now and
    # then; scripts/bench_keywords.py counts it among the confusables it reports. Of these 12
    # sayings the full model trained without the held-out accents hears one ("I baked an apple
    # pie", British m6 voice, score 0.984 against its threshold 0.98): one is allowed here too.
    sayings = ("The pine needles clogged the gutter again.", "I baked an apple pie for your parents.",
               "My spine aches after the long drive.")
    heard = []
    for voice, speed in HELD_OUT + [("en-us", 160)]:
        for saying in sayings:
            comp = Composition().silence(1.0).say(saying, voice, speed).silence(1.5)
            heard += [(voice, saying)] * len(hits(model, front, comp.audio()))
    assert len(heard) <= 1, heard


@pytest.mark.slow
def test_pause_word_heard_over_the_guides_own_voice(model, front):
    guide_voice = PIPER_VOICE if piper_available() else "en-us"
    guide = synthesize("Sam, the floor is yours again, with about a minute left. Take your time.", guide_voice, 160)
    echo = 0.5 * augment.convolve(guide.astype(np.float32), augment.room_response(np.random.default_rng(2), 300, 20))
    heard = {}
    for voice, speed in HELD_OUT:
        word = Composition().silence(1.2).say("pineapple", voice, speed)
        end = word.duration
        mic = np.zeros(max(guide.size, word.samples) + 16000, np.float32)
        mic[: guide.size] += echo
        mic[: word.samples] += word.audio()
        found = hits(model, front, augment.to_int16(mic))
        heard[voice] = bool([h for h in found if end - 0.3 <= h.t <= end + 0.35])
    # The small test model, from voices it never trained on, over the echo: two of three.
    assert sum(heard.values()) >= 2, heard


@pytest.mark.slow
def test_the_listener_reports_keyword_spots_with_their_source(model, sphinx, tmp_path, monkeypatch):
    path = kws_store.user_model_path("pineapple")
    model.save(path)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    listener = build_listener(Config(), sphinx)
    assert listener.keywords is not None
    audio, ends = sentences_with_the_word(HELD_OUT[:1])
    events = list(listener.run(frames_from_array(audio)))
    pauses = [e for e in events if isinstance(e, Spotted) and e.name == "pause"]
    assert len(pauses) == 1, pauses  # the transcript's copy of the same saying is not reported again
    assert pauses[0].source == "keyword"
    assert pauses[0].t - ends[0] <= 0.35
    assert from_dict(pauses[0].to_dict()).source == "keyword"


def test_a_damaged_model_is_reported_and_the_recognizer_keeps_listening(sphinx, capsys):
    path = kws_store.user_model_path("pineapple")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"PK\x03\x04 not really a model")
    notices: list[str] = []
    listener = build_listener(Config(), sphinx, notice=notices.append)
    assert listener.keywords is None
    assert len(notices) == 1 and str(path) in notices[0] and "train-word" in notices[0]
    comp = Composition().silence(1.0).say("pineapple", "en-us", 150).silence(2.0)
    events = list(listener.run(frames_from_array(comp.audio())))
    assert [e.source for e in events if isinstance(e, Spotted) and e.name == "pause"] == ["transcript"]


@pytest.mark.slow
def test_damaged_files_of_every_kind_raise_one_clear_error(tmp_path, model):
    good = tmp_path / "good.npz"
    model.save(good)
    data = good.read_bytes()
    for name, content in (("empty", b""), ("cut", data[: len(data) // 2]), ("text", b"hello")):
        bad = tmp_path / f"{name}.npz"
        bad.write_bytes(content)
        with pytest.raises(BadModelFile, match=str(bad)):
            KeywordModel.load(bad)
    with pytest.raises(BadModelFile, match="no keyword model"):
        KeywordModel.load(tmp_path / "missing.npz")


@pytest.mark.slow
def test_an_enrolled_models_gate_refuses_what_the_trained_model_refused_and_is_kept_in_its_file(
        tmp_path, model, front):
    eager = {k: v.copy() for k, v in model.weights.items()}
    eager["b3"] = eager["b3"] + 30.0  # an adapted network that would hear the word everywhere
    gated = dataclasses.replace(model, weights=eager, gate=model.weights, gate_at=0.5)
    said = Composition().silence(1.0).say("I need a moment, pineapple.", "en-us", 160).silence(1.0)
    e = front.embed_clip(said.audio())
    windows = windows_of(e, model.window, range(e.shape[0]))
    before, after = model.scores(windows)[:, 0], gated.scores(windows)[:, 0]
    assert (before < 0.5).any() and (before >= 0.5).any()
    assert np.allclose(after[before < 0.5], before[before < 0.5])
    assert np.allclose(after[before >= 0.5], 1.0)
    gated.save(tmp_path / "gated.npz")
    loaded = KeywordModel.load(tmp_path / "gated.npz")
    assert loaded.gate is not None and loaded.gate_at == 0.5
    assert np.allclose(loaded.scores(windows), gated.scores(windows))
    model.save(tmp_path / "plain.npz")
    assert KeywordModel.load(tmp_path / "plain.npz").gate is None


@pytest.mark.slow
def test_a_model_of_several_networks_hears_what_most_of_them_hear(tmp_path, model, front):
    deaf = {k: v.copy() for k, v in model.weights.items()}
    deaf["b3"] = deaf["b3"] - 30.0  # a network sure that nothing is the word
    three = dataclasses.replace(model, members=[model.weights, deaf])
    said = Composition().silence(1.0).say("I need a moment, pineapple.", "en-us", 160).silence(1.0)
    e = front.embed_clip(said.audio())
    windows = windows_of(e, model.window, range(e.shape[0]))
    assert model.scores(windows).max() >= model.thresholds[0]
    assert np.allclose(three.scores(windows), model.scores(windows))  # the median; the mean would fall by a third
    assert hits(three, front, said.audio())
    three.save(tmp_path / "three.npz")
    loaded = KeywordModel.load(tmp_path / "three.npz")
    assert len(loaded.members) == 2 and np.allclose(loaded.scores(windows), three.scores(windows))


@pytest.mark.slow
def test_an_interrupted_save_leaves_no_model_behind(tmp_path, model, monkeypatch):
    target = tmp_path / "m.npz"

    def broken(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", broken)
    with pytest.raises(KeyboardInterrupt):
        model.save(target)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("word, why", [("", "empty"), ("hi", "too short"), ("stop", "already a spoken command"),
                                        ("I'm done", "already a spoken command")])
def test_train_word_refuses_words_that_cannot_be_pause_words(word, why, capsys, chdir_tmp):
    assert main(["train-word", word]) == 2
    err = capsys.readouterr().err.strip()
    assert why in err and len(err.splitlines()) == 1


def test_flite_training_voices_come_after_the_others_and_never_include_the_held_out_one():
    plain = training_voices(np.random.default_rng(3), 2, (150,), hold_out=True)
    mixed = training_voices(np.random.default_rng(3), 2, (150,), hold_out=True, flite=2)
    assert mixed[:len(plain)] == plain  # a network without Flite draws the same voices as before
    added = mixed[len(plain):]
    # Flite's American voices, then Pico's American woman (ttspico is in the dev extra).
    assert sorted(v.name for v in added) == sorted(2 * list(FLITE_TRAINING + PICO_TRAINING))
    assert not set(HELD_OUT_FLITE + ("pico:en-GB",)) & {v.name for v in mixed}
    spoken = (Voice("en-gb", 150), Voice(PIPER_VOICE, 150), added[0], added[-1])
    assert [speaks_phonemes(v) for v in spoken] == [True, False, False, False]  # phoneme input is espeak-ng's
    # The knock model's talkers never include Pico (scripts/train_knock.py: the same talkers as
    # when the shipped knock model was made).
    no_pico = training_voices(np.random.default_rng(3), 2, (150,), hold_out=True, flite=2, pico=False)
    assert [v.name for v in no_pico] == [v.name for v in mixed if not v.name.startswith("pico:")]


def test_a_window_sees_the_slowest_saying_whole_within_the_longest_window():
    # A short word gets the budget's window; a long phrase a window its slowest saying fits
    # in, a positive window's lateness included; none more than the longest window.
    assert window_for(["pineapple"], SMALL.window) == SMALL.window == 8
    slowest = _speak("red balloon", Voice("en-us", 120)).size * STRETCH[1] + POSITIVE_AFTER_S * 16000
    red = window_for(["red balloon"], 8)
    assert 8 < red < LONGEST_WINDOW and FIRST_END + (red - 1) * STEP_SAMPLES >= slowest
    assert FIRST_END + (red - 2) * STEP_SAMPLES < slowest  # and one step fewer would not see it whole
    assert window_for(["pumpernickel sandwich with mustard"], 8) == LONGEST_WINDOW
    assert window_for(["stop"], COMMANDS_WINDOW) == COMMANDS_WINDOW == LONGEST_WINDOW
    assert window_for(["stop"], 16) == 16  # a longer window asked for is a longer window
    assert window_for([], 8) == 8


_DIGEST_OF_TRAINING_DATA = """
import dataclasses, hashlib
from voice_attune.keywords.train import TEST, build_data
small = dataclasses.replace(TEST, per_accent=1, rooms=1, carriers=1, neighbours=6, bank_sentence_pairs=6,
                            bank_prompts=0, bank_noise_s=6, bank_random=4, accented=1, foreign=2, epochs=2)
data = build_data(["zorblat"], small, 5, also_refuse=["stop"], flite=2)
digest = hashlib.sha256()
for dataset in (data.train, data.val):
    for part in dataset.arrays():
        digest.update(part.tobytes())
print(digest.hexdigest(), data.info["pico_voices"], data.info["flite_voices"], data.info["foreign_voices"])
"""


@pytest.mark.slow
def test_training_data_is_the_same_in_another_process():
    # Two processes of the same seed, with other hash seeds and threads taking their turns in
    # another order, learn from the very same numbers: every synthesizer of training (Pico's
    # engine once carried its state from one saying to the next), voices of other languages,
    # moved vowels, the everyday bank made afresh.
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    runs = [subprocess.Popen([sys.executable, "-c", _DIGEST_OF_TRAINING_DATA], stdout=subprocess.PIPE, text=True,
                             env={**env, "PYTHONHASHSEED": str(k)}) for k in (0, 1)]
    outs = [run.communicate(timeout=600)[0].split() for run in runs]
    assert all(run.returncode == 0 for run in runs)
    assert outs[0] == outs[1]
    assert int(outs[0][2]) > 0 and int(outs[0][3]) > 0  # Flite's voices and other languages were in it
    if pico_available():
        assert int(outs[0][1]) > 0


@pytest.mark.slow
def test_training_is_seeded_and_any_word_espeak_can_say_can_be_trained(tmp_path):
    small = dataclasses.replace(TEST, per_accent=1, rooms=1, carriers=1, neighbours=6, bank_sentence_pairs=6,
                                bank_prompts=0, bank_noise_s=6, epochs=2, piper_speeds=())
    first = train_keyword(["zorblat"], ["pause"], small, seed=5, bank_folder=tmp_path)
    again = train_keyword(["zorblat"], ["pause"], small, seed=5, bank_folder=tmp_path)
    for key in first.weights:
        assert np.array_equal(first.weights[key], again.weights[key]), key
    assert first.thresholds == again.thresholds
    other = train_keyword(["zorblat"], ["pause"], small, seed=6, bank_folder=tmp_path)
    assert not np.array_equal(first.weights["w1"], other.weights["w1"])

    # Two members: the networks of seeds 5 and 6, the median (of two: the mean) of their scores
    # counting, the threshold chosen for it on both seeds' windows kept back, all kept in the file.
    pair = train_keyword(["zorblat"], ["pause"], small, seed=5, bank_folder=tmp_path, members=2)
    assert len(pair.members) == 1 and pair.meta["seeds"] == [5, 6]
    for key in first.weights:
        assert np.array_equal(pair.weights[key], first.weights[key]), key
        assert np.array_equal(pair.members[0][key], other.weights[key]), key
    windows = np.random.default_rng(0).standard_normal((40, small.window, 96)).astype(np.float32)
    assert np.allclose(pair.scores(windows), (first.scores(windows) + other.scores(windows)) / 2)
    figures = pair.meta["validation"]["zorblat"]
    assert figures["held_out_clips"] == sum(m["zorblat"]["held_out_clips"] for m in pair.meta["members_validation"])
    assert figures["threshold"] == round(pair.thresholds[0], 3)
    alone = [m["zorblat"] for m in pair.meta["members_validation"]]
    share = sum(a["negative_fires"] for a in alone) / sum(a["negative_clips"] for a in alone)
    assert figures["negative_fires"] <= int(share * figures["negative_clips"])  # no more than one network let through
    pair.save(tmp_path / "pair.npz")
    loaded = KeywordModel.load(tmp_path / "pair.npz")
    assert len(loaded.members) == 1 and np.allclose(loaded.scores(windows), pair.scores(windows))
    first.save(tmp_path / "one.npz")
    with np.load(tmp_path / "one.npz") as data:
        assert not [k for k in data.files if k.startswith("m1_")]  # one network: the format as before

    # Twins: each seed's speech also teaches a network that sees changes; the first is the
    # plain network of that seed, exactly, and all of them count in the median.
    twins = train_keyword(["zorblat"], ["pause"], small, seed=5, bank_folder=tmp_path, twins=True)
    plain, changed = twins.networks()
    for key in first.weights:
        assert np.array_equal(plain[key], first.weights[key]), key
    assert CHANGES not in plain and CHANGES in changed
    assert twins.meta["seeds"] == [5, 5] and twins.meta["twins"] and len(twins.meta["members_validation"]) == 2
    assert not np.allclose(twins.scores(windows), first.scores(windows))

    # The second network also learns from Flite's voices: the first stays exactly as it was.
    mixed = train_keyword(["zorblat"], ["pause"], small, seed=5, bank_folder=tmp_path, members=2, flite_members=1)
    assert mixed.meta["flite_members"] == 1
    for key in first.weights:
        assert np.array_equal(mixed.weights[key], first.weights[key]), key
    assert not np.array_equal(mixed.members[0]["w1"], other.weights["w1"])

    # A phrase too long for the budget's window is trained with the window window_for gives it.
    longer = train_keyword(["red balloon"], ["pause"], dataclasses.replace(small, window=8), seed=5, bank_folder=tmp_path)
    assert longer.window == window_for(["red balloon"], 8) > 8


@pytest.mark.slow
def test_train_word_command_saves_a_private_model_with_progress(capsys, chdir_tmp):
    assert main(["train-word", "marigold", "--budget", "small", "--json"]) == 0
    out, err = capsys.readouterr()
    assert "Training 'marigold'" in err and "listening" in err
    path = kws_store.user_model_path("marigold")
    assert path.exists() and oct(path.stat().st_mode & 0o777) == "0o600"
    assert oct(path.parent.stat().st_mode & 0o777) == "0o700"
    assert oct(path.parent.parent.stat().st_mode & 0o777) == "0o700"  # the data folder, made on the way
    loaded = KeywordModel.load(path)
    assert loaded.phrases == ["marigold"] and loaded.names == ["pause"]
    assert '"word": "marigold"' in out
    # It also learnt Flite's American voices (and Pico's, where installed): a model that never
    # met a voice built from recordings may not hear it at all (docs/benchmarks.md).
    assert loaded.meta["flite_members"] == 1 and loaded.meta["flite_voices"] > 0
    assert loaded.meta["talkers"] == BUDGETS["small"].talkers  # babble and a talker drawn from these
    # Voices of other languages said the word from its English phonemes (voices.FOREIGN_ACCENTS).
    assert loaded.meta["foreign_voices"] == BUDGETS["small"].foreign > 0


@pytest.mark.slow
def test_the_guides_own_word_in_its_echo_is_not_a_pause(model, front):
    guide_voice = PIPER_VOICE if piper_available() else "en-us"
    prompt = synthesize("If either of you wants to pause at any time, just say pineapple, and I will stop.",
                        guide_voice, 160)
    echo = augment.convolve(prompt.astype(np.float32), augment.room_response(np.random.default_rng(4), 300, 25))
    mic = augment.to_int16(np.concatenate([np.zeros(8160, np.float32), echo * 0.8, np.zeros(16000, np.float32)]))
    # Whether the echo alone sounds like the word to the model depends on the training (this one's
    # guide prompts are negatives); either way the detector told of the reference must not pause.
    detector = KeywordDetector([LoadedModel(model, "pause")], front)
    found = []
    for k, frame in enumerate(frames_from_array(mic)):
        if k == 17:  # the guide starts playing 0.51 s in, as its echo does
            detector.play_reference(prompt, frame.t)
        found += detector.feed(frame)
    assert found == []


@pytest.mark.slow
def test_enrolment_adapts_the_model_keeps_only_features_and_is_forgotten(capsys, chdir_tmp):
    from voice_attune.asr.audiofile import write_wav

    assert main(["train-word", "marigold", "--budget", "small"]) == 0
    trained = KeywordModel.load(kws_store.user_model_path("marigold"))
    # A model of two networks, as the shipped pause word's is: each of them adapts.
    second = {k: v.copy() for k, v in trained.weights.items()}
    second["b3"] = second["b3"] - 1.0
    trained = dataclasses.replace(trained, members=[second])
    trained.save(kws_store.user_model_path("marigold"))
    comp = Composition().silence(0.8)
    for _ in range(3):
        comp.say("marigold", "en-gb-scotland+f4", 150).silence(1.2)
    wav = chdir_tmp / "alex.wav"
    write_wav(wav, comp.audio())
    assert main(["enroll", "--word", "marigold", "--partner", "B", "--audio", str(wav)]) == 0
    out = capsys.readouterr().out
    assert "Enrolled 3 saying(s) of 'marigold'" in out and "Partner B: 3" in out
    folder = kws_store.user_folder()
    features = folder / f"{kws_store.slug('marigold')}.enrolled.npz"
    assert oct(features.stat().st_mode & 0o777) == "0o600"
    with np.load(features) as data:
        assert set(data.files) == {"windows", "pieces", "partners", "sayings"}  # features, never samples
        assert data["windows"].shape[1:] == data["pieces"].shape[1:] == (trained.window, 96)
        assert data["pieces"].shape[0] > 0
    adapted = KeywordModel.load(kws_store.user_model_path("marigold"))
    assert adapted.meta["enrolled"] == {"B": 3}
    assert not np.array_equal(adapted.weights["w1"], trained.weights["w1"])
    assert len(adapted.members) == 1 and not np.array_equal(adapted.members[0]["w1"], second["w1"])
    assert np.array_equal(adapted.gate["w1"], trained.weights["w1"])
    assert len(adapted.gate_members) == 1 and np.array_equal(adapted.gate_members[0]["b3"], second["b3"])
    assert not list(folder.glob("*.wav"))

    assert main(["forget", "--all", "--yes"]) == 0
    assert not features.exists()
    restored = KeywordModel.load(kws_store.user_model_path("marigold"))
    assert np.array_equal(restored.weights["w1"], trained.weights["w1"])
    assert len(restored.members) == 1 and np.array_equal(restored.members[0]["b3"], second["b3"])


@pytest.mark.slow
def test_enrolment_makes_a_held_out_voice_heard_but_not_its_sound_alikes(model, front, bank):
    from voice_attune.config import VadSettings
    from voice_attune.keywords.enroll import ENROLLED_GATE, adapt, enrol, find_sayings

    # A West Midlands voice the small model hears two times of six before (clean and pink noise
    # 10 dB). (Which held-out voice it hears worst moves a little with what it is trained on.)
    voice = "en-gb-x-gbcwmd+m6"
    takes = Composition().silence(1.0)
    for speed in (135, 150, 170, 185):
        takes.say("pineapple", voice, speed).silence(1.5)
    pcm = takes.audio()
    sayings = [("A", pcm, a, b) for a, b in find_sayings(pcm, VadSettings())]
    assert len(sayings) == 4
    adapted = adapt(model, enrol(sayings, model.window, seed=1), "pineapple", bank, seed=1)

    audio, ends = sentences_with_the_word([(voice, 160), (voice, 145), (voice, 175)])
    noisy = augment.to_int16(augment.mix(audio.astype(np.float32),
                                         augment.noise("pink", audio.size, np.random.default_rng(5)), 10))
    heard_before = sum(heard_within(hits(model, front, audio), ends) + heard_within(hits(model, front, noisy), ends))
    heard_after = sum(heard_within(hits(adapted, front, audio), ends) + heard_within(hits(adapted, front, noisy), ends))
    alikes = Composition().silence(1.0)
    for saying in ("fine apple", "nine apples", "an apple pie", "a pine cone", "apple", "pine"):
        alikes.say(saying, voice, 160).silence(1.5)
    fired_before = len(hits(model, front, alikes.audio()))
    fired_after = len(hits(adapted, front, alikes.audio()))
    assert heard_after >= 5 and heard_after > heard_before, (heard_before, heard_after)
    # The adapted network answers only where the trained one was already fairly sure (its gate,
    # ENROLLED_GATE), and has been taught the partner's own "pine" and "apple" alone: one of six
    # at most.
    assert adapted.gate_at == ENROLLED_GATE == 0.7
    assert fired_after <= max(1, fired_before), (fired_before, fired_after)


def test_enrolment_needs_a_model_and_speech(capsys, chdir_tmp):
    assert main(["enroll", "--word", "kumquat", "--audio", "x.wav"]) == 2
    assert "train-word" in capsys.readouterr().err


def test_the_detector_tells_how_high_the_pause_word_scored_lately(front: FrontEnd):
    # What the listener asks before it lets a transcript's "pineapple" pause (listener.BACKUP_PEAK).
    shipped = KeywordModel.load(kws_store.find_model("pineapple"))
    detector = KeywordDetector([LoadedModel(shipped, "pause")], front)
    comp = Composition().silence(2.0).say("pineapple", "en-gb-scotland", 150).silence(1.0)
    comp.say("we could go for a walk after dinner", "en-gb-scotland", 150).silence(1.0)
    said, walk = comp.placed
    frames = list(frames_from_array(comp.audio()))
    assert detector.peak("pineapple", 0.0) is None  # nothing heard yet
    for frame in frames[:10]:
        detector.feed(frame)
    assert detector.peak("pineapple", 0.0) < 0.5  # scored from the start (silence before it)
    right_after = []
    for frame in frames[10:]:
        detector.feed(frame)
        if frame.end <= said.end + 0.5 < frame.end + 0.03:
            right_after.append(detector.peak("Pineapple", said.start))
    assert len(right_after) == 1 and right_after[0] >= shipped.thresholds[0]
    assert detector.peak("pineapple", walk.start + 0.5) < 0.5
    assert walk.end + 1.0 - said.end > 3.5  # the recording ends long after the word...
    assert detector.peak("pineapple", said.start) < 0.5  # ...and only the last 3 s of scores are kept
    assert detector.peak("red balloon", 0.0) is None


@pytest.mark.parametrize("voice", ["en-gb-scotland", "en-029+f4", "en-gb-x-gbcwmd+m6"])
def test_a_stream_that_opens_with_the_pause_word_or_a_command_hears_it(front: FrontEnd, voice: str):
    # A window of embeddings takes 1.7 s of sound (the commands' 12); the detector used to score
    # nothing before that, so a recording that opened with the word went unheard.
    pause = KeywordModel.load(kws_store.find_model("pineapple"))
    commands = KeywordModel.load(kws_store.commands_model_path())
    assert commands.window == COMMANDS_WINDOW > pause.window
    for phrase, name in (("pineapple", "pause"), ("stop", "stop")):
        detector = KeywordDetector([LoadedModel(pause, "pause"), LoadedModel(commands, "command")], front)
        comp = Composition().silence(0.1).say(phrase, voice, 150).silence(1.0)
        said = comp.placed[0]
        found = [h for f in frames_from_array(comp.audio()) for h in detector.feed(f)]
        assert [h.name for h in found] == [name], (phrase, found)
        assert said.start < found[0].t <= said.end + 0.35
        # Scores come every 80 ms on the grid they had without the silence heard first, so
        # each window of sound alone is scored as before.
        assert round(found[0].t * SAMPLE_RATE - FIRST_END) % STEP_SAMPLES == 0


def test_a_recording_that_opens_with_the_pause_word_pauses_through_listen(tmp_path, capsys):
    comp = Composition().silence(0.1).say("pineapple", "en-gb-scotland", 150).silence(1.0)
    path = tmp_path / "opens.wav"
    write_wav(path, comp.audio())
    events = tmp_path / "events.jsonl"
    assert main(["listen", "--audio", str(path), "--engine", "pocketsphinx", "--events", str(events)]) == 0
    spotted = [from_dict(json.loads(line)) for line in events.read_text().splitlines()]
    spotted = [e for e in spotted if isinstance(e, Spotted) and e.kind == "pause"]
    assert len(spotted) == 1 and spotted[0].source == "keyword"
    assert spotted[0].word_end is not None and spotted[0].t - comp.placed[0].end <= 0.35
