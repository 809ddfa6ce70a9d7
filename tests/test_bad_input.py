"""Bad input of every family gets one line and exit status 2, never a traceback (issue 15): numbers
YAML writes but Python does not read, nesting hundreds deep, a NUL byte, odd recordings, a damaged
history, SIGTERM, and a scenario that says something starting with a dash."""

from __future__ import annotations

import os
import signal
import sqlite3
import struct
import subprocess
import sys
import time
import warnings
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from voice_attune import SAMPLE_RATE
from voice_attune.asr.audiofile import AudioFileSource
from voice_attune.cli import main
from voice_attune.config import Config, data_dir, load_config
from voice_attune.errors import UserError
from voice_attune.history import FILE, History
from voice_attune.script.loader import load_script
from voice_attune.session.scenario import load_scenario, render_reply

SCRIPT = ("title: T\ndescription: d\nminutes: 3\nsteps:\n  - say: 'To pause, say {pause_word}.'\n"
          "  - turn: A\n    seconds: %s\n    warning: 0\n")


# -- numbers ----------------------------------------------------------------------------------

@pytest.mark.parametrize("written, meant", [("0x3C", 60), ("0b101", 5), ("1:30", 90), ("1__0", 10), ("45", 45)])
def test_numbers_as_yaml_writes_them_mean_what_they_say(tmp_path, written, meant):
    path = tmp_path / "s.yaml"
    path.write_text(SCRIPT % written)
    assert load_script(path, Config()).steps[1].seconds == meant


def test_a_config_reads_yaml_numbers_too(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("vad:\n  end_silence_ms: 0x1F4\n  pre_roll_ms: 3_00\n")
    vad = load_config(config, env={}).vad
    assert (vad.end_silence_ms, vad.pre_roll_ms) == (500, 300)


@pytest.mark.parametrize("written, why", [(".inf", "not a finite number"), ("-.inf", "not a finite number"),
                                          (".nan", "not a finite number"), ("017", "without its leading 0")])
def test_numbers_that_mean_no_time_are_one_line_with_their_line(tmp_path, capsys, written, why):
    script = tmp_path / "s.yaml"
    script.write_text(SCRIPT % written)
    assert main(["validate", str(script)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err and all("Traceback" not in line for line in err)
    assert f"{script}:7: 'seconds': " in err[0] and why in err[0]
    config = tmp_path / "c.yaml"
    config.write_text(f"voice:\n  volume: {written}\n")
    assert main(["list", "--config", str(config)]) == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith(f"voice-attune: {config}:2: 'voice.volume': ") and why in line
    scenario = tmp_path / "sc.yaml"
    scenario.write_text(f"echo: {written}\n")
    with pytest.raises(UserError, match=why) as caught:
        load_scenario(scenario)
    assert f"{scenario}:1:" in str(caught.value)


# -- YAML that cannot be read -------------------------------------------------------------------

def test_nesting_hundreds_deep_is_one_line(tmp_path, capsys):
    deep = tmp_path / "deep.yaml"
    deep.write_text("title: " + "[" * 3000 + "]" * 3000 + "\n")
    assert main(["validate", str(deep)]) == 2
    assert main(["list", "--config", str(deep)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all("nested too deeply" in line and str(deep) in line for line in err)


def test_a_nul_byte_is_one_line_with_its_line(tmp_path, capsys):
    bad = tmp_path / "nul.yaml"
    bad.write_bytes(b"title: T\ndescription: a\x00b\n")
    assert main(["validate", str(bad)]) == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert f"{bad}:2: YAML syntax: a character that cannot be in a YAML file (#x0000)" in line


# -- recordings -------------------------------------------------------------------------------

def _wav(path: Path, fmt_tag: int, bits: int, rate: int, data: bytes) -> Path:
    fmt = struct.pack("<HHIIHH", fmt_tag, 1, rate, (rate * bits // 8) & 0xFFFFFFFF, bits // 8, bits)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return path


def _tone(seconds: float = 1.0, rate: int = SAMPLE_RATE, hz: float = 440.0) -> np.ndarray:
    return (0.5 * np.sin(2 * np.pi * hz * np.arange(int(rate * seconds)) / rate)).astype(np.float32)


def _pcm(path: Path) -> np.ndarray:
    return np.frombuffer(b"".join(f.pcm for f in AudioFileSource(path).frames()), np.int16)


def test_not_a_number_samples_are_silence_without_a_warning(tmp_path, caplog):
    samples = _tone()
    samples[4000:8000] = np.nan
    samples[9000] = np.inf
    path = _wav(tmp_path / "nan.wav", 3, 32, SAMPLE_RATE, samples.astype("<f4").tobytes())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pcm = _pcm(path)
    assert pcm.size >= SAMPLE_RATE - 480 and np.all(pcm[4200:7800] == 0) and np.abs(pcm[:3000]).max() > 10000
    assert "4001 samples were not numbers" in caplog.text


@pytest.mark.parametrize("rate", [4294967295, 500])
def test_a_rate_no_recording_has_is_the_same_one_line_for_listen_and_mic_test(tmp_path, capsys, rate):
    path = _wav(tmp_path / "odd.wav", 1, 16, rate, (_tone() * 32767).astype("<i2").tobytes())
    assert main(["listen", "--audio", str(path)]) == 2
    assert main(["mic-test", "--audio", str(path)]) == 2
    first, second = capsys.readouterr().err.strip().splitlines()
    assert first == second and str(path) in first
    if rate == 500:
        assert "500 Hz" in first


def test_64_bit_samples_are_read_as_what_they_are_or_refused_in_one_line(tmp_path, capsys):
    ints = (_tone() * (2 ** 62)).astype("<i8")
    path = _wav(tmp_path / "i64.wav", 1, 64, SAMPLE_RATE, ints.tobytes())
    try:
        pcm = _pcm(path)
    except UserError as exc:
        assert str(path) in str(exc) and "\n" not in str(exc)
        return
    peak = np.fft.rfftfreq(pcm.size, 1 / SAMPLE_RATE)[np.argmax(np.abs(np.fft.rfft(pcm)))]
    assert abs(peak - 440) < 5 and 10000 < np.abs(pcm).max() < 20000  # not read as 32-bit noise


@pytest.mark.parametrize("kind", ["FLAC", "OGG"])
def test_flac_and_ogg_recordings_are_read(tmp_path, kind):
    import soundfile

    path = tmp_path / f"tone.{kind.lower()}"
    soundfile.write(str(path), np.stack([_tone(2.0, 44100, 300)] * 2, axis=1), 44100, format=kind)
    pcm = _pcm(path)
    assert abs(pcm.size / SAMPLE_RATE - 2.0) < 0.05
    peak = np.fft.rfftfreq(pcm.size, 1 / SAMPLE_RATE)[np.argmax(np.abs(np.fft.rfft(pcm)))]
    assert abs(peak - 300) < 5


# -- the history ------------------------------------------------------------------------------

def _damage(folder: Path) -> Path:
    history = History.open(folder)
    with sqlite3.connect(history.path) as db:
        for _ in range(300):
            db.execute("INSERT INTO sessions (started, script, duration_s, ended, pauses, partners)"
                       " VALUES (?, ?, 60, 'finished', 0, '{}')", (datetime(2026, 11, 1).isoformat(), "x" * 300))
    with open(history.path, "r+b") as f:
        f.seek(4096 * 3)
        f.write(os.urandom(4096))
    return history.path


@pytest.mark.parametrize("command", [["history"], ["export", "--out", "EXPORT"], ["forget", "--all", "--yes"]])
def test_a_damaged_history_is_moved_aside_in_one_line_and_a_new_one_started(command, tmp_path, capsys, chdir_tmp):
    path = _damage(data_dir())
    command = [str(tmp_path / "out.md") if c == "EXPORT" else c for c in command]
    assert main(command) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "was damaged" in err[0] and "moved aside" in err[0]
    assert History.open(data_dir()).sessions() == []
    copies = History.damaged_copies(data_dir())
    if command[0] == "forget":
        assert copies == [] and [p.name for p in data_dir().iterdir() if p.name.startswith(FILE)] == [FILE]
    else:
        assert len(copies) == 1 and copies[0].stat().st_mode & 0o777 == 0o600
        assert path.exists()  # the new, empty one


# -- a scenario that says a dash ----------------------------------------------------------------

@pytest.mark.parametrize("said", ["--version", "-h"])
def test_a_partner_who_says_something_starting_with_a_dash_is_heard_as_words(tmp_path, said):
    path = tmp_path / "s.yaml"
    path.write_text(f"voice: en-us\nreplies:\n  - [{{say: '{said}'}}, {{silence: 0.2}}]\n")
    scenario = load_scenario(path)
    clip = render_reply(scenario, scenario.replies[0])
    assert clip.size > 0.2 * SAMPLE_RATE and np.abs(clip).max() > 1000


# -- SIGTERM ----------------------------------------------------------------------------------

def test_sigterm_ends_a_command_as_ctrl_c_does(tmp_path):
    import voice_attune

    here = str(Path(voice_attune.__file__).resolve().parents[1])
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "PYTHONPATH": here}
    proc = subprocess.Popen([sys.executable, "-m", "voice_attune", "forget", "--all"], cwd=tmp_path, env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (tmp_path / "data" / "voice-attune" / FILE).exists():
        time.sleep(0.1)  # it waits for "forget" to be typed once the history is open
    time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 143, (out, err)
    assert err.strip().splitlines() == ["voice-attune: stopped."]


def test_an_empty_scenario_is_partners_who_stay_silent(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("# nothing here yet\n")
    assert load_scenario(path).replies == ()
