"""Recordings of any common format become 16 kHz mono frames; broken files get one clear line."""

from __future__ import annotations

import struct
import wave
from pathlib import Path

import numpy as np
import pytest

from voice_attune import FRAME_SAMPLES, SAMPLE_RATE
from voice_attune.asr.audiofile import AudioFileSource
from voice_attune.cli import main
from voice_attune.errors import UserError


def tone(rate: int, seconds: float, freq: float = 440.0) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def write_pcm(path: Path, samples: np.ndarray, rate: int, channels: int, width: int) -> Path:
    """Write float samples in [-1, 1] as integer PCM of the given width, channels duplicated."""
    data = np.repeat(samples[:, None], channels, axis=1).reshape(-1)
    if width == 1:
        raw = ((data * 127) + 128).astype(np.uint8).tobytes()
    elif width == 2:
        raw = (data * 32767).astype("<i2").tobytes()
    elif width == 3:
        ints = (data * 8388607).astype(np.int32)
        raw = b"".join(int(v).to_bytes(3, "little", signed=True) for v in ints)
    else:
        raw = (data * 2147483647).astype("<i4").tobytes()
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(raw)
    return path


def write_float(path: Path, samples: np.ndarray, rate: int) -> Path:
    data = samples.astype("<f4").tobytes()
    fmt = struct.pack("<HHIIHH", 3, 1, rate, rate * 4, 4, 32)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return path


def collect(path: Path) -> tuple[np.ndarray, list[float]]:
    frames = list(AudioFileSource(path).frames())
    pcm = np.frombuffer(b"".join(f.pcm for f in frames), dtype=np.int16)
    return pcm, [f.t for f in frames]


def dominant_hz(pcm: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(pcm.astype(np.float32)))
    return float(np.fft.rfftfreq(pcm.size, 1 / SAMPLE_RATE)[np.argmax(spectrum)])


@pytest.mark.parametrize("rate, channels, width", [
    (44100, 2, 2), (48000, 1, 2), (22050, 1, 1), (16000, 2, 3), (8000, 1, 4), (32000, 6, 2),
])
def test_any_common_wav_becomes_16k_mono_frames(tmp_path, rate, channels, width):
    path = write_pcm(tmp_path / "in.wav", tone(rate, 2.0), rate, channels, width)
    pcm, times = collect(path)
    assert abs(pcm.size / SAMPLE_RATE - 2.0) < 0.04
    assert all(len(f) == FRAME_SAMPLES for f in np.split(pcm, len(times)))
    assert times[:3] == pytest.approx([0.0, 0.03, 0.06])
    assert abs(dominant_hz(pcm) - 440) < 5
    assert 0.3 < np.abs(pcm).max() / 32767 < 0.6  # the level survives conversion


def test_float_wav_is_read(tmp_path):
    pcm, _ = collect(write_float(tmp_path / "f.wav", tone(44100, 1.0, 300.0), 44100))
    assert abs(dominant_hz(pcm) - 300) < 5


def test_44k1_stereo_speech_through_the_cli(tmp_path, capsys):
    from voice_attune.synthetic.compose import Composition

    comp = Composition().silence(0.8).say("pineapple, I need a moment").silence(1.0)
    mono = comp.audio().astype(np.float32) / 32768
    import soxr

    up = soxr.resample(mono, SAMPLE_RATE, 44100)
    path = write_pcm(tmp_path / "stereo.wav", up, 44100, 2, 2)
    assert main(["listen", "--audio", str(path), "--engine", "pocketsphinx"]) == 0
    out = capsys.readouterr().out
    assert "PAUSE WORD" in out
    assert "speech starts" in out


@pytest.mark.parametrize("content, fragment", [
    (b"", "the file is empty"),
    (b"hello, this is a text file and not audio at all\n", "not a recording that can be read"),
    (b"RIFF\x10\x00\x00\x00WAVEfmt ", "cut short"),
    (b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x55\x00\x01\x00\x80\x3e\x00\x00\x00\x7d\x00\x00\x02\x00\x10\x00data\x00\x00\x00\x00",
     "unsupported or damaged WAV file"),
    (b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x80\x3e\x00\x00\x00\x7d\x00\x00\x02\x00\x10\x00data\x00\x00\x00\x00",
     "holds no audio"),
])
def test_broken_files_are_refused_in_one_line(tmp_path, capsys, content, fragment):
    path = tmp_path / "bad.wav"
    path.write_bytes(content)
    with pytest.raises(UserError) as err:
        AudioFileSource(path)
    assert fragment in str(err.value)
    assert str(path) in str(err.value)
    assert main(["listen", "--audio", str(path)]) == 2
    err_lines = capsys.readouterr().err.strip().splitlines()
    assert len(err_lines) == 1 and fragment in err_lines[0]


def test_a_missing_file_is_named(tmp_path, capsys):
    assert main(["listen", "--audio", str(tmp_path / "none.wav")]) == 2
    assert "none.wav: no such file" in capsys.readouterr().err


def test_a_truncated_data_chunk_still_plays_what_is_there(tmp_path):
    path = write_pcm(tmp_path / "t.wav", tone(16000, 1.0), 16000, 1, 2)
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    pcm, _ = collect(path)
    assert 0.4 < pcm.size / SAMPLE_RATE < 0.6
