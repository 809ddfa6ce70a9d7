"""The microphone source, isolated from hardware by a stand-in sounddevice module.

The machines that run the tests have no sound card; the stand-in plays the part of PortAudio:
a device that only records at 44.1 kHz, overflows, and a device that is missing.
"""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest

from voice_attune import FRAME_SAMPLES, SAMPLE_RATE
from voice_attune.asr.mic import MicrophoneSource
from voice_attune.errors import UserError


class PortAudioError(Exception):
    pass


def fake_sounddevice(native_rate: int, blocks: int, overflow_every: int = 0, missing: bool = False):
    sd = types.ModuleType("sounddevice")
    sd.PortAudioError = PortAudioError

    def check_input_settings(device=None, samplerate=None, channels=None, dtype=None):
        if missing:
            raise PortAudioError("Error querying device -1")
        if samplerate != native_rate:
            raise PortAudioError("Invalid sample rate")

    def query_devices(device=None, kind=None):
        if missing:
            raise PortAudioError("Error querying device -1")
        return {"name": "Fake USB Mic", "default_samplerate": float(native_rate)}

    class InputStream:
        def __init__(self, device, samplerate, channels, dtype, blocksize, callback):
            self.rate, self.blocksize, self.callback = samplerate, blocksize, callback
            self.active = False

        def __enter__(self):
            self.active = True
            t = np.arange(self.blocksize * blocks) / self.rate
            tone = (0.3 * np.sin(2 * np.pi * 300 * t)).astype(np.float32)
            for i in range(blocks):
                status = types.SimpleNamespace(input_overflow=bool(overflow_every and i % overflow_every == 0))
                chunk = tone[i * self.blocksize:(i + 1) * self.blocksize].reshape(-1, 1)
                self.callback(chunk, self.blocksize, None, status)
            return self

        def __exit__(self, *exc):
            self.active = False

    sd.check_input_settings = check_input_settings
    sd.query_devices = query_devices
    sd.InputStream = InputStream
    return sd


def take(source: MicrophoneSource, n: int):
    frames = []
    for frame in source.frames():
        frames.append(frame)
        if len(frames) == n:
            break
    return frames


def test_a_44k1_device_is_resampled_to_16k_frames(monkeypatch):
    monkeypatch.setitem(sys.modules, "sounddevice", fake_sounddevice(44100, blocks=100))
    source = MicrophoneSource("Fake USB")
    assert source.rate == 44100
    frames = take(source, 50)
    assert [f.t for f in frames[:3]] == pytest.approx([0.0, 0.03, 0.06])
    pcm = np.frombuffer(b"".join(f.pcm for f in frames), dtype=np.int16)
    assert pcm.size == 50 * FRAME_SAMPLES
    peak = np.fft.rfftfreq(pcm.size, 1 / SAMPLE_RATE)[np.argmax(np.abs(np.fft.rfft(pcm)))]
    assert abs(peak - 300) < 5


def test_overflows_are_counted_not_fatal(monkeypatch, caplog):
    monkeypatch.setitem(sys.modules, "sounddevice", fake_sounddevice(16000, blocks=40, overflow_every=10))
    source = MicrophoneSource()
    frames = take(source, 35)
    assert len(frames) == 35
    assert source.overflows == 4
    assert "overflow" in caplog.text


def test_no_microphone_is_a_one_line_user_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "sounddevice", fake_sounddevice(16000, blocks=1, missing=True))
    with pytest.raises(UserError) as err:
        MicrophoneSource()
    assert "no usable microphone" in str(err.value) and "\n" not in str(err.value)


def test_a_microphone_that_goes_silent_while_active_is_reported_gone(monkeypatch):
    """An unplugged USB microphone can leave PortAudio's stream active but empty for ever."""
    monkeypatch.setitem(sys.modules, "sounddevice", fake_sounddevice(16000, blocks=5))
    frames = []
    with pytest.raises(UserError) as err:
        for frame in MicrophoneSource().frames():
            frames.append(frame)
    assert len(frames) == 5 and "stopped delivering audio" in str(err.value)
