"""The daemon in its real loop: real VAD, PocketSphinx grammar for the start phrases, the real
engine and runner; microphones that raise, stall or vanish, and speakers that fail, are
injected as sources and players. Speech is synthesized here; nothing needs a sound device."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from voice_attune.asr.audiofile import write_wav
from voice_attune.asr.frames import frames_from_array
from voice_attune.asr.sphinx_engine import SphinxEngine
from voice_attune.config import Config, load_config
from voice_attune.daemon.loop import APOLOGY, Daemon
from voice_attune.daemon.starts import Start
from voice_attune.synthetic.compose import Composition
from voice_attune.synthetic.speech import piper_available
from voice_attune.voice.player import RecordingPlayer

pytestmark = pytest.mark.skipif(not piper_available(), reason="the partners speak with Piper")

TINY = """\
title: Tiny
description: A hello and one short turn.
minutes: 1
settings: {patience_seconds: 5, give_up_seconds: 60}
steps:
  - say: "Hello. To pause, say {pause_word}."
  - turn: A
    seconds: 10
    warning: 0
  - say: Thank you.
"""


@pytest.fixture(scope="module")
def sphinx_engine():
    return SphinxEngine()


@pytest.fixture
def config(tmp_path) -> Config:
    return tiny_config(tmp_path)


def tiny_config(tmp_path) -> Config:
    """A config whose daemon starts the tiny script on "morning ritual" (and on its key)."""
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "tiny.yaml").write_text(TINY)
    path = tmp_path / "config.yaml"
    path.write_text(
        f"scripts_dir: {tmp_path / 'scripts'}\n"
        "voice: {engine: pyttsx3, earcons: false}\n"
        "daemon:\n"
        "  start_phrases: {morning ritual: tiny}\n"
        "  spoken_names: false\n"
        "  key_script: tiny\n"
    )
    return load_config(path, env={})


def speech(*pieces) -> np.ndarray:
    """("silence", s) and ("say", text) pieces, Piper's voice."""
    comp = Composition()
    for kind, value in pieces:
        if kind == "silence":
            comp.silence(value)
        else:
            comp.say(value, voice="piper")
    return comp.audio()


class Sources:
    """What each opening of the microphone gives: frames of an array, then it ends, raises or
    stalls; "absent" raises on opening. When the list is used up the daemon is stopped."""

    def __init__(self, *plans):
        self.plans = list(plans)
        self.opened = 0
        self.daemon: Daemon | None = None
        self.release = threading.Event()

    def __call__(self):
        self.opened += 1
        if not self.plans:
            self.daemon.stop()
            raise OSError("no more test audio")
        plan = self.plans.pop(0)
        if plan == "absent":
            raise OSError("[Errno 19] No such device (unplugged)")
        audio, then = plan
        return self._frames(audio, then)

    def _frames(self, audio, then):
        yield from frames_from_array(audio)
        if then == "raise":
            raise OSError("[Errno -9999] Unanticipated host error (unplugged)")
        if then == "stall":
            self.release.wait(60)


class Players:
    """RecordingPlayers; ``fail_after``: the nth play of a player raises (the speaker gone)."""

    def __init__(self, fail_after: int | None = None, fail_players: int = 1, absent: int = 0):
        self.made: list[RecordingPlayer] = []
        self.fail_after, self.fail_players = fail_after, fail_players
        self.absent = absent
        """How many openings fail first (no speaker plugged in)."""

    def __call__(self):
        if self.absent:
            self.absent -= 1
            raise OSError("no usable speaker (is it plugged in?)")
        player = RecordingPlayer()
        if self.fail_after is not None and len(self.made) < self.fail_players:
            plays = {"n": 0}
            original = player.play

            def play(pcm):
                plays["n"] += 1
                if plays["n"] > self.fail_after:
                    raise OSError("the speaker stopped playing (unplugged?)")
                original(pcm)

            player.play = play
        self.made.append(player)
        return player


def make(config, engine, sources, players=None, **kw) -> Daemon:
    from voice_attune.voice.speaking import Voice
    from voice_attune.welcome import remember_notice_said

    if "folder" in kw:
        remember_notice_said(kw["folder"])  # the first-session notice is tested elsewhere

    kw.setdefault("stall_s", 5.0)  # a busy test machine can starve the reading thread for a while
    daemon = Daemon(config, engine, Voice(config.voice).render, sources, players or Players(),
                    sleep=lambda s: None, retry_s=0.3, **kw)
    sources.daemon = daemon
    return daemon


def run(daemon: Daemon) -> Daemon:
    thread = threading.Thread(target=daemon.run, daemon=True)
    thread.start()
    thread.join(600)
    assert not thread.is_alive(), "the daemon did not stop"
    return daemon


START = ("say", "Morning ritual.")


def test_a_start_phrase_starts_the_session_and_the_daemon_waits_again(config, sphinx_engine, tmp_path):
    events = []
    audio = speech(("silence", 1.0), START, ("silence", 40.0), ("say", "Could you pass the salt?"),
                   ("silence", 3.0), START, ("silence", 40.0))
    daemon = run(make(config, sphinx_engine, Sources((audio, "end")), folder=tmp_path / "data",
                      on_event=events.append))
    assert [(o.start.script, o.start.how, o.result) for o in daemon.outcomes] == [
        ("tiny", "voice", "finished"), ("tiny", "voice", "finished")]
    said = [e.text for e in events if e.type == "say_start"]
    assert said.count("Hello. To pause, say pineapple.") == 2
    # nothing said while waiting was transcribed: the only finals are from inside sessions
    assert not any("salt" in e.text for e in events if e.type == "final")


def test_voice_starts_can_be_turned_off_and_a_key_still_starts(config, sphinx_engine, tmp_path):
    import dataclasses

    config = dataclasses.replace(config, privacy=dataclasses.replace(config.privacy, listen_for_start=False))
    audio = speech(("silence", 1.0), START, ("silence", 30.0))
    daemon = make(config, sphinx_engine, Sources((audio, "end")), folder=tmp_path / "data")
    assert daemon.listener is None
    daemon.request(Start("tiny", "key"))
    run(daemon)
    assert [(o.start.how, o.result) for o in daemon.outcomes] == [("key", "finished")]


@pytest.mark.parametrize("failure", ["raise", "stall"])
def test_a_microphone_lost_while_waiting_is_listened_to_again_when_it_returns(failure, config, sphinx_engine, tmp_path):
    quiet = speech(("silence", 2.0))
    audio = speech(("silence", 1.0), START, ("silence", 30.0))
    sources = Sources((quiet, failure), "absent", "absent", (audio, "end"))
    players = Players()
    daemon = run(make(config, sphinx_engine, sources, players, folder=tmp_path / "data", stall_s=1.5))
    sources.release.set()
    assert daemon.input.losses >= 2  # the failure, and the end of the last recording
    assert sources.opened >= 4
    assert [o.result for o in daemon.outcomes] == ["finished"]
    # said nothing into the void while the microphone was away: the only player is the session's
    assert len(players.made) == 1


def test_a_microphone_lost_mid_session_pauses_it_and_yes_goes_on_when_it_returns(config, sphinx_engine, tmp_path):
    events = []
    before = speech(("silence", 1.0), START, ("silence", 6.0))
    after = speech(("silence", 40.0), ("say", "Yes."), ("silence", 40.0))
    daemon = run(make(config, sphinx_engine, Sources((before, "raise"), "absent", (after, "end")),
                      folder=tmp_path / "data", on_event=events.append))
    kinds = [e.type for e in events]
    assert "paused" in kinds and "resumed" in kinds[kinds.index("paused"):]
    assert [o.result for o in daemon.outcomes] == ["finished"]


def test_a_speaker_that_fails_mid_session_ends_it_and_the_next_start_works(config, sphinx_engine, tmp_path):
    audio = speech(("silence", 1.0), START, ("silence", 20.0), START, ("silence", 30.0))
    players = Players(fail_after=1)
    daemon = run(make(config, sphinx_engine, Sources((audio, "end")), players, folder=tmp_path / "data"))
    assert [o.result for o in daemon.outcomes] == ["fault", "finished"]


def test_a_start_without_a_speaker_is_refused_quietly_and_works_once_it_is_back(config, sphinx_engine, tmp_path):
    audio = speech(("silence", 1.0), START, ("silence", 5.0), START, ("silence", 30.0))
    daemon = run(make(config, sphinx_engine, Sources((audio, "end")), Players(absent=1), folder=tmp_path / "data"))
    assert [o.result for o in daemon.outcomes] == ["no_speaker", "finished"]


def test_a_fault_inside_a_session_is_apologized_for_and_the_daemon_goes_on(config, sphinx_engine, tmp_path):
    from voice_attune.voice.speaking import Voice

    voice = Voice(config.voice)
    broken = {"once": True}

    def render(text, speed=1.0):
        if text == "Thank you." and broken["once"] and threading.current_thread().name != "prompt-warm-up":
            broken["once"] = False
            raise RuntimeError("a bug in the middle of a session")
        return voice.render(text, speed)

    audio = speech(("silence", 1.0), START, ("silence", 25.0), START, ("silence", 30.0))
    sources, players = Sources((audio, "end")), Players()
    daemon = make(config, sphinx_engine, sources, players, folder=tmp_path / "data")
    daemon.render = render
    run(daemon)
    assert [o.result for o in daemon.outcomes] == ["fault", "finished"]
    apology = voice.render(APOLOGY)
    assert any(clip.pcm.size and np.array_equal(clip.pcm[:1000], apology[:1000]) for clip in players.made[0].clips)


def _clock_from(daemon_box, base):
    return lambda: base + timedelta(seconds=daemon_box[0].input.now if daemon_box else 0.0)


@pytest.mark.parametrize("answer, result", [("Yes.", "finished"), (None, "declined")])
def test_the_schedule_offers_once_and_yes_starts_the_session(answer, result, config, sphinx_engine, tmp_path):
    import dataclasses

    from voice_attune.config.daemon import ScheduleEntry

    entry = ScheduleEntry(at="07:30", script="tiny", days="weekdays")
    config = dataclasses.replace(config, daemon=dataclasses.replace(config.daemon, schedule=(entry,)))
    monday = datetime(2026, 11, 30, 7, 29, 55)
    pieces = [("silence", 14.0)] + ([("say", answer)] if answer else []) + [("silence", 80.0)]
    box: list[Daemon] = []
    daemon = make(config, sphinx_engine, Sources((speech(*pieces), "end")), folder=tmp_path / "data",
                  clock=_clock_from(box, monday))
    box.append(daemon)
    run(daemon)
    assert [(o.start.how, o.result) for o in daemon.outcomes] == [("schedule", result)]
    # asked once: not again that morning, even by a daemon started afresh
    later = make(config, sphinx_engine, Sources(), folder=tmp_path / "data")
    assert later.schedule.due(monday + timedelta(minutes=10)) is None
    assert later.schedule.due(monday + timedelta(days=1, minutes=1)) is not None


def test_sigterm_ends_the_daemon_promptly(tmp_path):
    wav = tmp_path / "quiet.wav"
    write_wav(wav, np.zeros(16000 * 120, np.int16))
    config = tmp_path / "config.yaml"
    config.write_text("recognizer: {engine: pocketsphinx}\n")
    proc = subprocess.Popen([sys.executable, "-m", "voice_attune", "daemon", "--audio", str(wav), "--no-keys",
                             "--config", str(config)], stderr=subprocess.PIPE, text=True,
                            cwd=Path(__file__).parent.parent)
    try:
        for line in proc.stderr:
            if "ready:" in line:
                break
        else:
            pytest.fail("the daemon never became ready")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        proc.kill()


def test_a_vosk_model_loads_behind_the_start_phrases_and_runs_the_session(config, sphinx_engine, korean, tmp_path):
    """The CLI's arrangement: start phrases through PocketSphinx's grammar at once, the
    sessions' engine (here the real Korean Vosk model) loaded in the background."""
    events = []
    loads = []

    def load():
        loads.append(1)
        return korean

    audio = speech(("silence", 1.0), START, ("silence", 30.0))
    sources = Sources((audio, "end"))
    daemon = make(config, load, sources, folder=tmp_path / "data", on_event=events.append,
                  phrase_engine=sphinx_engine)
    run(daemon)
    assert loads == [1]
    assert [o.result for o in daemon.outcomes] == ["finished"]
    [start] = [e for e in events if e.type == "session_start"]
    assert start.engines["recognizer"] == korean.name


def test_a_fault_while_waiting_is_logged_and_waiting_goes_on(config, sphinx_engine, tmp_path, caplog):
    audio = speech(("silence", 1.0), START, ("silence", 3.0), START, ("silence", 30.0))
    daemon = make(config, sphinx_engine, Sources((audio, "end")), folder=tmp_path / "data")
    feed, calls = daemon.listener.feed, {"n": 0}

    def flaky(frame):
        calls["n"] += 1
        if calls["n"] == 40:
            raise RuntimeError("the decoder hiccuped")
        return feed(frame)

    daemon.listener.feed = flaky
    run(daemon)
    assert "listening for a start failed (the decoder hiccuped)" in caplog.text
    assert [o.result for o in daemon.outcomes] == ["finished"]
