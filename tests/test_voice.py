"""The assistant's voice: real rendering (pyttsx3, Piper), the prompt cache, earcons, players.

The sound device is a stand-in sounddevice module (no machine running the tests has a sound
card); everything else renders real speech.
"""

from __future__ import annotations

import sys
import threading
import types

import numpy as np
import pytest

from tests.conftest import FAKE_NAME, fake_sounddevice
from voice_attune import SAMPLE_RATE
from voice_attune.config.voice import VoiceSettings
from voice_attune.errors import UserError
from voice_attune.schema import build
from voice_attune.synthetic.speech import piper_available
from voice_attune.voice import earcons
from voice_attune.voice.cache import PromptCache, default_cache_dir
from voice_attune.voice.espeak import espeak_uncached
from voice_attune.voice.pcm import apply_gain
from voice_attune.voice.player import RecordingPlayer, SoundDevicePlayer
from voice_attune.voice.synth import (
    PiperSynthesizer,
    Pyttsx3Synthesizer,
    Pyttsx3Worker,
    choose_synthesizer,
)
from voice_attune.yamlio import compose_text

BREATH = "Take a slow breath in, and let it out gently."
LONGER = BREATH + " When you are ready, tell your partner how your day has been, in your own words."


def seconds(pcm: np.ndarray) -> float:
    return pcm.size / SAMPLE_RATE


def rms(pcm: np.ndarray) -> float:
    return float(np.sqrt(np.mean(pcm.astype(np.float64) ** 2)))


@pytest.fixture(scope="module")
def pyttsx3_voice() -> Pyttsx3Synthesizer:
    return Pyttsx3Synthesizer(VoiceSettings(rate=150, volume=1.0))


# -- pyttsx3 ---------------------------------------------------------------------------------


def test_pyttsx3_renders_real_speech_of_a_plausible_length(pyttsx3_voice):
    pcm = pyttsx3_voice.render(BREATH)
    assert pcm.dtype == np.int16 and pcm.ndim == 1
    # Nine words at 150 words a minute, with a comma's pause: about three and a half seconds.
    assert 2.0 < seconds(pcm) < 6.0
    assert rms(pcm) > 500


def test_pyttsx3_longer_text_gives_longer_audio(pyttsx3_voice):
    short, long = pyttsx3_voice.render(BREATH), pyttsx3_voice.render(LONGER)
    assert seconds(long) > 2 * seconds(short)


def test_pyttsx3_renders_again_and_again_on_one_engine(pyttsx3_voice):
    # A second runAndWait is where pyttsx3 classically hangs or goes silent.
    lengths = [seconds(pyttsx3_voice.render(f"Prompt number {i}.")) for i in range(5)]
    assert all(0.5 < s < 3.0 for s in lengths)


def test_pyttsx3_slower_rate_gives_longer_audio():
    slow = Pyttsx3Synthesizer(VoiceSettings(rate=100))
    fast = Pyttsx3Synthesizer(VoiceSettings(rate=220))
    ratio = seconds(slow.render(LONGER)) / seconds(fast.render(LONGER))
    assert 1.6 < ratio < 2.6  # 220 / 100, give or take the pauses that do not scale


def test_volume_is_a_gain_on_the_rendered_audio(pyttsx3_voice):
    quiet = Pyttsx3Synthesizer(VoiceSettings(rate=150, volume=0.5))
    ratio = rms(quiet.render(BREATH)) / rms(pyttsx3_voice.render(BREATH))
    assert quiet.direct and pyttsx3_voice.direct  # espeak-ng's own program, on Linux
    assert ratio == pytest.approx(0.5, abs=0.05)
    loud = np.array([1000, -32768, 32767], np.int16)
    assert apply_gain(loud, 0.5).tolist() == [500, -16384, 16384]


def test_pyttsx3_voice_is_chosen_by_id_or_by_part_of_its_name():
    by_id = Pyttsx3Synthesizer(VoiceSettings(voice="en-us"))
    by_name = Pyttsx3Synthesizer(VoiceSettings(voice="English (America)"))
    assert by_id._voice_id == by_name._voice_id and by_id._voice_id.lower().endswith("en-us")
    assert rms(by_name.render("Hello.")) > 300


def test_an_espeak_variant_is_kept_with_the_voice_it_belongs_to():
    plain = Pyttsx3Synthesizer(VoiceSettings(voice="en-gb", rate=150))
    female = Pyttsx3Synthesizer(VoiceSettings(voice="English (Great Britain)+f3", rate=150))
    assert female._voice_id == plain._voice_id + "+f3"
    assert not np.array_equal(plain.render("Hello there."), female.render("Hello there."))


def test_a_british_voice_variant_is_spoken_as_that_variant():
    # espeak-ng 1.51 drops a variant after "en-gb", so "en-gb+m6" once spoke as plain "en-gb" and
    # every British test and training voice sounded alike.
    plain = espeak_uncached("Hello there.", "en-gb", 150)
    for variant in ("m6", "f4"):
        said = espeak_uncached("Hello there.", f"en-gb+{variant}", 150)
        assert not np.array_equal(said, plain)
        assert np.array_equal(said, espeak_uncached("Hello there.", f"en+{variant}", 150))


def test_on_linux_pyttsx3s_espeak_driver_is_never_touched(monkeypatch):
    worker = Pyttsx3Worker()
    monkeypatch.setattr(worker, "render", lambda *a, **k: pytest.fail("pyttsx3 rendered"))
    monkeypatch.setattr(worker, "voices", lambda *a, **k: pytest.fail("pyttsx3 listed voices"))
    synth = Pyttsx3Synthesizer(VoiceSettings(voice="en-us", rate=150), worker=worker)
    assert worker.drives_espeak and rms(synth.render(BREATH)) > 500
    assert list(worker._dir.iterdir()) == []


def test_another_pyttsx3_engine_in_the_process_does_not_disturb_the_voice(pyttsx3_voice):
    import gc

    import pyttsx3

    stray = pyttsx3.Engine()  # espeak's one synthesis callback now points at this engine
    try:
        assert rms(pyttsx3_voice.render(BREATH)) > 500
    finally:
        del stray
        gc.collect()  # it unhooks espeak's callback as it goes: later renders must cope too
    assert rms(pyttsx3_voice.render("Still here.")) > 300


def test_rate_changes_between_renders_are_not_dropped():
    # runAndWait cancels espeak's pending commands; a rate set just before must still apply.
    slow, fast, slow_again, fast_again = (
        seconds(Pyttsx3Synthesizer(VoiceSettings(rate=r)).render(BREATH)) for r in (100, 220, 100, 220)
    )
    assert slow > 1.6 * fast and slow_again > 1.6 * fast_again


def test_an_unknown_voice_is_a_one_line_user_error_with_examples():
    with pytest.raises(UserError) as err:
        Pyttsx3Synthesizer(VoiceSettings(voice="no such voice anywhere"))
    message = str(err.value)
    assert "no voice matches 'no such voice anywhere'" in message and "\n" not in message
    assert "en" in message.split("some voices:")[1]


class _SilentEngine:
    """A pyttsx3 engine that accepts everything and writes no file, as a stolen callback does."""

    release = threading.Event()
    hang = False
    built = 0

    def __init__(self, driver=None):
        type(self).built += 1

    def connect(self, topic, callback):
        return {"topic": topic, "cb": callback}

    def disconnect(self, token):
        pass

    def setProperty(self, name, value):
        pass

    def getProperty(self, name):
        return []

    def save_to_file(self, text, path):
        pass

    def runAndWait(self):
        if self.hang:
            self.release.wait(timeout=30)


@pytest.fixture
def broken_pyttsx3(monkeypatch):
    engine = type("Engine", (_SilentEngine,), {"built": 0, "release": threading.Event()})
    monkeypatch.setitem(sys.modules, "pyttsx3", types.SimpleNamespace(Engine=engine))
    yield engine
    engine.release.set()


def test_pyttsx3_without_audio_retries_on_a_fresh_engine_then_falls_back_to_espeak_ng(
    broken_pyttsx3, caplog
):
    synth = Pyttsx3Synthesizer(VoiceSettings(rate=150), worker=Pyttsx3Worker("sapi5"))
    pcm = synth.render(BREATH)
    assert synth.direct and broken_pyttsx3.built == 2
    assert "espeak-ng directly" in caplog.text
    assert 2.0 < seconds(pcm) < 6.0 and rms(pcm) > 500


def test_a_hanging_run_and_wait_falls_back_instead_of_freezing(broken_pyttsx3, caplog):
    broken_pyttsx3.hang = True
    synth = Pyttsx3Synthesizer(VoiceSettings(rate=150), timeout_s=0.3, worker=Pyttsx3Worker("sapi5"))
    pcm = synth.render("Hello there.")
    assert synth.direct and "hung" in caplog.text
    assert rms(pcm) > 300
    assert rms(synth.render("And again.")) > 300  # no second wait on the stuck engine


# -- Piper -----------------------------------------------------------------------------------

needs_piper = pytest.mark.skipif(not piper_available(), reason="Piper is not installed")


@pytest.fixture(scope="module")
def piper_voice():
    if not piper_available():
        pytest.skip("Piper is not installed")
    return PiperSynthesizer(VoiceSettings(rate=150, volume=1.0))


@needs_piper
def test_piper_renders_the_same_audio_every_time(piper_voice):
    first = piper_voice.render(BREATH)
    again = PiperSynthesizer(VoiceSettings(rate=150, volume=1.0)).render(BREATH)
    assert first.dtype == np.int16 and 2.0 < seconds(first) < 6.0 and rms(first) > 500
    assert np.array_equal(first, again)


@needs_piper
def test_piper_speaks_slower_at_a_lower_rate(piper_voice):
    slow = PiperSynthesizer(VoiceSettings(rate=100)).render(BREATH)
    assert seconds(slow) / seconds(piper_voice.render(BREATH)) == pytest.approx(1.5, rel=0.15)


@needs_piper
def test_piper_refuses_a_voice_that_is_not_a_model_file():
    with pytest.raises(UserError, match="not a Piper model"):
        PiperSynthesizer(VoiceSettings(engine="piper", voice="en-us"))


def test_choose_prefers_piper_when_installed_unless_told_otherwise():
    if piper_available():
        assert choose_synthesizer(VoiceSettings()).name == "piper"
    chosen = [choose_synthesizer(VoiceSettings(engine="pyttsx3")),
              choose_synthesizer(VoiceSettings(voice="en-us"))]  # an espeak voice: not Piper
    assert [c.name for c in chosen] == ["pyttsx3", "pyttsx3"]


# -- the prompt cache ------------------------------------------------------------------------


class CountingSynth:
    """A deterministic stand-in that counts how often it is asked to render."""

    name = "counting"

    def __init__(self, samples_per_char: int = 100):
        self.calls: list[str] = []
        self.samples_per_char = samples_per_char

    def render(self, text: str) -> np.ndarray:
        self.calls.append(text)
        n = len(text) * self.samples_per_char
        return (8000 * np.sin(np.arange(n) * 0.05 * (1 + len(text) % 7))).astype(np.int16)


def test_a_cached_prompt_is_identical_and_not_rendered_again(tmp_path):
    synth = CountingSynth()
    cache = PromptCache(synth, VoiceSettings(), tmp_path)
    first = cache.render("Welcome back.")
    second = cache.render("Welcome back.")
    assert np.array_equal(first, second) and synth.calls == ["Welcome back."]
    assert (cache.hits, cache.misses) == (1, 1)
    assert not second.flags.writeable  # shared audio cannot be changed by one caller


def test_the_disk_cache_serves_a_new_session_without_rendering(tmp_path):
    PromptCache(CountingSynth(), VoiceSettings(), tmp_path).prefetch(["One.", "Two."])
    synth = CountingSynth()
    cache = PromptCache(synth, VoiceSettings(), tmp_path)
    assert cache.render("Two.").size == 400 and synth.calls == []
    assert len(list(tmp_path.glob("*.npy"))) == 2


def test_the_key_covers_engine_voice_rate_volume_and_text(tmp_path):
    synth = CountingSynth()
    keys = {
        PromptCache(synth, s, tmp_path).key(t)
        for s, t in [(VoiceSettings(), "Hi."), (VoiceSettings(rate=120), "Hi."),
                     (VoiceSettings(volume=0.5), "Hi."), (VoiceSettings(voice="en-us"), "Hi."),
                     (VoiceSettings(), "Hi!")]
    }
    assert len(keys) == 5


def test_a_corrupt_cache_file_is_rendered_again(tmp_path):
    PromptCache(CountingSynth(), VoiceSettings(), tmp_path).render("Breathe in.")
    (path,) = tmp_path.glob("*.npy")
    path.write_bytes(b"\x93NUMPY garbage, as a crash mid-write might leave")
    synth = CountingSynth()
    pcm = PromptCache(synth, VoiceSettings(), tmp_path).render("Breathe in.")
    assert synth.calls == ["Breathe in."] and pcm.size == 1100
    assert np.load(path).size == 1100  # and the file is good again


def test_the_disk_cache_stays_under_its_size_by_dropping_the_least_recently_used(tmp_path):
    import os

    synth = CountingSynth(samples_per_char=10_000)  # 20 characters: about 400 KB each
    cache = PromptCache(synth, VoiceSettings(cache_mb=1), tmp_path)
    texts = [f"Prompt number {i:05d}." for i in range(6)]
    for i, text in enumerate(texts):
        cache.render(text)
        # Distinct, increasing use times (a fast disk can give equal mtimes); all in the past.
        os.utime(tmp_path / f"{cache.key(text)}.npy", ns=(10**18 + i * 10**9,) * 2)
    files = list(tmp_path.glob("*.npy"))
    assert sum(p.stat().st_size for p in files) <= 1024 * 1024
    assert {p.stem for p in files} == {cache.key(texts[-2]), cache.key(texts[-1])}


def test_no_disk_cache_at_zero_megabytes_but_memory_still_serves(tmp_path):
    synth = CountingSynth()
    cache = PromptCache(synth, VoiceSettings(cache_mb=0), tmp_path)
    cache.render("Hello."), cache.render("Hello.")
    assert synth.calls == ["Hello."] and not list(tmp_path.iterdir())


def test_the_cache_lives_under_xdg_cache_home(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "voice-attune" / "prompts"


def test_caching_real_pyttsx3_speech(tmp_path, pyttsx3_voice):
    cache = PromptCache(pyttsx3_voice, pyttsx3_voice.settings, tmp_path)
    first = cache.render(BREATH)
    again = PromptCache(pyttsx3_voice, pyttsx3_voice.settings, tmp_path).render(BREATH)
    assert np.array_equal(again, first) and rms(first) > 500


# -- earcons ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", earcons.NAMES)
def test_earcons_are_short_soft_and_click_free(name):
    pcm = earcons.earcon(name)
    assert pcm.dtype == np.int16
    assert 0.15 <= seconds(pcm) <= 0.4
    assert abs(int(pcm[0])) <= 30 and abs(int(pcm[-1])) <= 30  # starts and ends on silence
    peak = np.abs(pcm.astype(np.int32)).max()
    assert 0.1 * 32767 < peak <= 0.21 * 32767
    # No sudden steps anywhere: the largest sample-to-sample change stays that of a pure tone.
    assert np.abs(np.diff(pcm.astype(np.int32))).max() < 0.2 * 32767


def dominant_hz(pcm: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(pcm.astype(np.float64)))
    return float(np.fft.rfftfreq(pcm.size, 1 / SAMPLE_RATE)[np.argmax(spectrum)])


def test_turn_start_rises_turn_end_falls_and_the_pause_tone_is_low():
    start, end = earcons.turn_start(), earcons.turn_end()
    half = start.size // 2
    assert dominant_hz(start[half:]) > dominant_hz(start[:half])
    assert dominant_hz(end[half:]) < dominant_hz(end[:half])
    assert dominant_hz(earcons.pause_tone()) < 300


def test_earcon_volume_scales_the_tone():
    full, half = earcons.turn_start(1.0), earcons.turn_start(0.5)
    assert np.abs(half).max() == pytest.approx(np.abs(full).max() / 2, rel=0.01)
    with pytest.raises(ValueError, match="unknown earcon"):
        earcons.earcon("fanfare")


# -- the recording player --------------------------------------------------------------------


def tone(secs: float, value: int = 1000) -> np.ndarray:
    return np.full(int(secs * SAMPLE_RATE), value, np.int16)


def test_recording_player_stopped_mid_prompt_reports_the_seconds_played():
    player = RecordingPlayer()
    player.advance(1.0)
    player.play(tone(2.0))
    player.advance(2.5)
    assert player.playing and player.ends_at == pytest.approx(3.0)
    assert player.stop() == pytest.approx(1.5)
    assert not player.playing and player.stop() == 0.0
    (clip,) = player.clips
    assert clip.start == 1.0 and clip.end == pytest.approx(2.5) and clip.interrupted


def test_recording_player_gives_the_assistants_audio_for_a_time_range():
    player = RecordingPlayer()
    player.advance(1.0)
    player.play(tone(2.0, 1000))
    player.advance(1.8)
    assert player.stop(at=1.5) == pytest.approx(0.5)  # the stop took effect at 1.5 s
    heard = player.audio(0.0, 4.0)
    assert heard.size == 4 * SAMPLE_RATE
    assert not heard[:16000].any() and not heard[24000:].any()
    assert (heard[16000:24000] == 1000).all()
    assert (player.audio(1.25, 1.75)[:4000] == 1000).all()


def test_recording_player_plays_to_the_end_and_a_new_prompt_replaces_the_old():
    player = RecordingPlayer()
    player.play(tone(1.0, 500))
    player.wait()
    assert player.now == pytest.approx(1.0) and not player.playing
    player.play(tone(1.0, 700))
    player.advance(1.5)
    player.play(tone(0.5, 900))  # replaces the second prompt half way through
    player.advance(3.0)
    assert [round(c.end - c.start, 2) for c in player.clips] == [1.0, 0.5, 0.5]
    assert [c.interrupted for c in player.clips] == [False, True, False]
    assert player.audio(0, 3).tolist()[::8000] == [500, 500, 700, 900, 0, 0]


# -- the sound device player, with a stand-in sounddevice ------------------------------------


def test_sound_device_player_stops_at_once_and_reports_the_seconds_played(monkeypatch):
    sd = fake_sounddevice(output_blocks_on_start=25)  # 25 blocks of 20 ms: half a second
    monkeypatch.setitem(sys.modules, "sounddevice", sd)
    player = SoundDevicePlayer()
    player.play(tone(3.0, 16384))
    assert player.playing
    assert player.stop() == pytest.approx(0.5)
    (stream,) = sd.streams
    assert stream.aborted and stream.closed and not player.playing
    assert np.allclose(np.concatenate(stream.samples), 0.5)


def test_sound_device_player_resamples_for_a_44k1_speaker(monkeypatch):
    sd = fake_sounddevice(rate=44100, output_blocks_on_start=10_000)
    monkeypatch.setitem(sys.modules, "sounddevice", sd)
    player = SoundDevicePlayer(FAKE_NAME)
    assert player.rate == 44100
    player.play(tone(1.0))
    assert not player.playing  # the device asked for more than there was: finished
    player.wait()
    played = np.concatenate(sd.streams[0].samples)
    assert np.count_nonzero(played) == pytest.approx(44100, abs=50)


def test_no_speaker_is_a_one_line_user_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "sounddevice", fake_sounddevice([]))
    with pytest.raises(UserError) as err:
        SoundDevicePlayer("3")
    assert "no usable speaker (device 3" in str(err.value) and "\n" not in str(err.value)


def test_a_speaker_unplugged_before_playing_is_a_one_line_user_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "sounddevice", fake_sounddevice(fail_open=True))
    player = SoundDevicePlayer()
    with pytest.raises(UserError) as err:
        player.play(tone(1.0))
    assert "cannot play through the speaker" in str(err.value) and "\n" not in str(err.value)
    assert not player.playing


def test_a_speaker_that_stops_asking_for_audio_is_reported(monkeypatch):
    monkeypatch.setitem(sys.modules, "sounddevice", fake_sounddevice(output_blocks_on_start=1))
    player = SoundDevicePlayer()
    player.play(tone(0.1))
    player._deadline = 0.0  # the watchdog has run out
    with pytest.raises(UserError, match="unplugged"):
        player.wait()


# -- settings --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "values, message",
    [
        ({"engine": "festival"}, "engine is 'festival'; allowed: auto, piper, pyttsx3, wyoming"),
        ({"voice": "  "}, "voice is empty"),
        ({"rate": 20}, "rate is 20 words per minute; use 80 to 300"),
        ({"rate": 150.5}, "whole number"),
        ({"volume": 0.0}, "volume is 0.0"),
        ({"volume": 1.5}, "volume is 1.5"),
        ({"cache_mb": -1}, "cache_mb is -1"),
    ],
)
def test_impossible_voice_settings_are_refused(values, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        VoiceSettings(**values)


def test_voice_settings_from_yaml_name_the_line():
    node = compose_text("engine: pyttsx3\nrate: 400\n", "config.yaml")
    with pytest.raises(UserError) as err:
        build(VoiceSettings, node, "config.yaml", "voice")
    assert str(err.value).startswith("config.yaml:1: voice: rate is 400")
    ok = build(VoiceSettings, compose_text("rate: 130\nearcons: false\n", "c.yaml"), "c.yaml")
    assert (ok.rate, ok.earcons, ok.engine) == (130, False, "auto")


def test_defaults_are_calm():
    s = VoiceSettings()
    assert s.rate <= 160 and 0 < s.volume <= 1 and s.earcons and s.engine == "auto"
