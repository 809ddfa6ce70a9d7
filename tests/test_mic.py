"""The microphone source, isolated from hardware by a stand-in sounddevice module.

The machines that run the tests have no sound card; the stand-in plays the part of PortAudio:
a device that only records at 44.1 kHz, overflows, and a device that is missing.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

from tests.conftest import FAKE_NAME, fake_sounddevice
from voice_attune import FRAME_SAMPLES, SAMPLE_RATE
from voice_attune.asr.mic import MicrophoneSource
from voice_attune.errors import UserError


def take(source: MicrophoneSource, n: int):
    frames = []
    for frame in source.frames():
        frames.append(frame)
        if len(frames) == n:
            break
    return frames


def test_a_44k1_device_is_resampled_to_16k_frames(monkeypatch):
    monkeypatch.setitem(sys.modules, "sounddevice", fake_sounddevice(rate=44100, input_blocks=100, tone_hz=300, amplitude=0.3))
    source = MicrophoneSource(FAKE_NAME)
    assert source.rate == 44100
    frames = take(source, 50)
    assert [f.t for f in frames[:3]] == pytest.approx([0.0, 0.03, 0.06])
    pcm = np.frombuffer(b"".join(f.pcm for f in frames), dtype=np.int16)
    assert pcm.size == 50 * FRAME_SAMPLES
    peak = np.fft.rfftfreq(pcm.size, 1 / SAMPLE_RATE)[np.argmax(np.abs(np.fft.rfft(pcm)))]
    assert abs(peak - 300) < 5


def test_overflows_are_counted_not_fatal(monkeypatch, caplog):
    monkeypatch.setitem(sys.modules, "sounddevice", fake_sounddevice(input_blocks=40, overflow_every=10))
    source = MicrophoneSource()
    frames = take(source, 35)
    assert len(frames) == 35
    assert source.overflows == 4
    assert "overflow" in caplog.text


def test_no_microphone_is_a_one_line_user_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "sounddevice", fake_sounddevice([]))
    with pytest.raises(UserError) as err:
        MicrophoneSource()
    assert "no usable microphone" in str(err.value) and "\n" not in str(err.value)


def test_a_microphone_that_goes_silent_while_active_is_reported_gone(monkeypatch):
    """An unplugged USB microphone can leave PortAudio's stream active but empty for ever."""
    monkeypatch.setitem(sys.modules, "sounddevice", fake_sounddevice(input_blocks=5))
    frames = []
    with pytest.raises(UserError) as err:
        for frame in MicrophoneSource().frames():
            frames.append(frame)
    assert len(frames) == 5 and "stopped delivering audio" in str(err.value)
