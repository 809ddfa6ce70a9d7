"""Synthesizers: text to 16 kHz mono int16 PCM, which a Player can then stop at any sample.

Piper (en_US-joe-medium) is preferred when installed because it sounds human; pyttsx3 (espeak-ng
on Linux, the platform voice elsewhere) is always there. Neither knows about sound cards.
"""

from __future__ import annotations

import gc
import logging
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import wave
import weakref
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import Any, Callable, Protocol

import numpy as np

from voice_attune.config.voice import VoiceSettings
from voice_attune.errors import UserError, one_line
from voice_attune.voice import piper
from voice_attune.voice.espeak import espeak, espeak_available, espeak_uncached
from voice_attune.voice.pcm import apply_gain, to_16k
from voice_attune.voice.piper import piper_available

log = logging.getLogger(__name__)

PIPER_NATURAL_WPM = 200
"""Words per minute of en_US-joe-medium at length_scale 1, measured against espeak-ng's rate."""


class Synthesizer(Protocol):
    """Renders text to speech; knows nothing about speakers."""

    name: str
    """Which engine renders ("piper", "pyttsx3", "wyoming"); part of the prompt cache's key.
    A synthesizer may also have ``cache_tag`` (which service renders), also part of the key."""

    def render(self, text: str) -> np.ndarray:
        """``text`` spoken as int16 samples at 16 kHz, mono."""
        ...


def choose_synthesizer(settings: VoiceSettings, lazy: bool = False) -> Synthesizer:
    """Piper when asked for, or in auto mode when installed (unless ``voice`` names a
    non-Piper voice); a Wyoming service when asked for; pyttsx3 otherwise. ``lazy``: load
    Piper's model at its first render."""
    if settings.engine == "wyoming":
        from voice_attune.voice.wyoming_voice import WyomingSynthesizer

        return WyomingSynthesizer(settings)
    wants_piper_voice = settings.voice is None or settings.voice.endswith(".onnx")
    if settings.engine == "piper":
        return PiperSynthesizer(settings, lazy)
    if settings.engine == "auto" and wants_piper_voice and piper_available():
        try:
            return PiperSynthesizer(settings, lazy)
        except UserError as exc:
            log.warning("Piper could not start (%s); speaking with pyttsx3", exc)
    return Pyttsx3Synthesizer(settings)


class PiperSynthesizer:
    """The Piper voice en_US-joe-medium (or a .onnx model given as ``voice``), deterministic."""

    name = "piper"

    def __init__(self, settings: VoiceSettings = VoiceSettings(), lazy: bool = False):
        """``lazy``: load the model (a second or more on a Raspberry Pi) at the first render,
        for a daemon whose first words come from the prompt cache."""
        self.settings = settings
        if not piper_available():
            raise UserError("Piper is not installed: pip install 'voice-attune[piper]'")
        model = settings.voice
        if model is None:
            model = piper.bundled_model()
        elif not (model.endswith(".onnx") and Path(model).expanduser().is_file()):
            raise UserError(
                f"voice '{model}' is not a Piper model file (.onnx); leave voice out for the "
                "bundled en_US-joe-medium, or set voice.engine to pyttsx3"
            )
        self._model = str(Path(model).expanduser())
        self._length_scale = PIPER_NATURAL_WPM / settings.rate
        if not lazy:
            piper.load(self._model)

    def render(self, text: str) -> np.ndarray:
        if not text.strip():
            return np.zeros(0, np.int16)
        pcm = piper.speak(piper.load(self._model), text, self._length_scale)
        return apply_gain(pcm, self.settings.volume)


class Pyttsx3Worker:
    """The one thread that may touch a pyttsx3 engine, and that engine (platforms whose pyttsx3
    driver is not espeak: Windows' SAPI 5, macOS's NSSpeechSynthesizer).

    A driver's engine must not run on two threads at once, so every Pyttsx3Synthesizer in a
    process shares one worker (``shared_worker``), which runs their renders in turn. Only
    pyttsx3's public interface is used: ``save_to_file``, ``runAndWait`` and the
    ``finished-utterance`` notification.
    """

    def __init__(self, driver: str | None = None):
        self.driver = driver
        self.hung = False
        """True once a render never returned: the engine is stuck for the rest of the process."""
        self._engine: Any = None
        _sweep_leftovers()
        # 0700, removed at exit (also on SIGTERM, which ends the program as Ctrl+C does); its one
        # file lives only while a prompt renders.
        self._dir = Path(tempfile.mkdtemp(prefix=f"{_TEMP_PREFIX}{os.getpid()}-"))
        weakref.finalize(self, shutil.rmtree, self._dir, True)
        self._jobs: queue.Queue[tuple[Callable[[], Any], Future]] = queue.Queue()
        # Daemon, so a pyttsx3 that hangs for ever cannot keep the program from exiting.
        threading.Thread(target=self._work, name="pyttsx3", daemon=True).start()

    @property
    def drives_espeak(self) -> bool:
        """Whether pyttsx3 would speak through espeak (its driver on Linux and the BSDs)."""
        if self.driver is not None:
            return self.driver == "espeak"
        return not (sys.platform.startswith("win") or sys.platform == "darwin")

    def call(self, job: Callable[[], Any], timeout: float) -> Any:
        """Run ``job`` on the worker thread; TimeoutError (and ``hung``) if it never returns."""
        if self.hung:
            raise TimeoutError
        done: Future = Future()
        self._jobs.put((job, done))
        try:
            return done.result(timeout=timeout)
        except FutureTimeout:  # a different class from TimeoutError before Python 3.11
            self.hung = True
            raise TimeoutError from None

    def voices(self) -> list[tuple[str, str]]:
        """(id, name) of every voice the engine offers (on the worker thread only)."""
        engine = self._engine or self._new_engine()
        return [(str(v.id), str(v.name)) for v in engine.getProperty("voices")]

    def render(self, text: str, rate: int, voice_id: str | None, wait_s: float) -> np.ndarray:
        """``text`` at 16 kHz, unscaled (on the worker thread only)."""
        for attempt in range(2):
            if self.hung:  # a render that hung came back after we gave up: leave it be
                raise RuntimeError("pyttsx3 hung earlier")
            fresh = attempt > 0 or self._engine is None
            engine = self._new_engine() if fresh else self._engine
            path = self._dir / "prompt.wav"
            path.unlink(missing_ok=True)
            finished = threading.Event()
            token = engine.connect("finished-utterance", lambda **_: finished.set())
            try:
                engine.setProperty("rate", rate)
                engine.setProperty("volume", 1.0)  # one gain for every engine, applied after
                if voice_id:
                    engine.setProperty("voice", voice_id)
                engine.save_to_file(text, str(path))
                engine.runAndWait()
                # Some drivers return from runAndWait before the file is written (pyttsx3 #219):
                # it is whole once the utterance has finished.
                finished.wait(wait_s)
            finally:
                engine.disconnect(token)
            pcm = _read_wav(path)
            path.unlink(missing_ok=True)
            if pcm is not None and pcm.size and np.abs(pcm).max() > 0:
                return pcm
            if attempt == 0 and not self.hung:
                log.info("pyttsx3 wrote no audio; retrying on a fresh engine")
        raise RuntimeError("no audio file after two attempts")

    def _work(self) -> None:
        while True:
            job, done = self._jobs.get()
            try:
                done.set_result(job())
            except BaseException as exc:  # handed to the caller, who decides
                done.set_exception(exc)

    def _new_engine(self) -> Any:
        import pyttsx3

        if self._engine is not None:
            self._engine = None
            gc.collect()  # let the old driver let go of the platform's voice now
        # Engine() rather than pyttsx3.init(): init() hands back a cached engine that others
        # may hold, and a stale engine is exactly what a retry must get away from.
        self._engine = pyttsx3.Engine(self.driver)
        return self._engine


_TEMP_PREFIX = "voice-attune-tts-"


def _sweep_leftovers() -> None:
    """Remove the render folders of earlier processes that were killed outright (kill -9), so
    no prompt outlives the next start."""
    for folder in Path(tempfile.gettempdir()).glob(f"{_TEMP_PREFIX}*-*"):
        pid = folder.name[len(_TEMP_PREFIX):].split("-", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except PermissionError:
            pass  # another user's process, alive


_workers: dict[str | None, Pyttsx3Worker] = {}
_workers_lock = threading.Lock()


def shared_worker(driver: str | None = None) -> Pyttsx3Worker:
    """The process's pyttsx3 worker for ``driver`` (None: the platform's default)."""
    with _workers_lock:
        if driver not in _workers:
            _workers[driver] = Pyttsx3Worker(driver)
        return _workers[driver]


class Pyttsx3Synthesizer:
    """The platform's voice, rendered to 16 kHz samples (never to the speaker).

    Where pyttsx3 would drive espeak (Linux), the espeak-ng program speaks instead, through its
    public command line, in memory: the same voice, with no temporary file and none of the
    traps of pyttsx3's espeak driver (a process-wide callback that a second engine steals, a
    first runAndWait that returns early, rate changes dropped). Elsewhere pyttsx3's own driver
    renders to a temporary WAV that is deleted as soon as it is read; a render that writes
    nothing gets one retry on a fresh engine; one that hangs times out, and espeak-ng (when
    installed) speaks from then on.
    """

    name = "pyttsx3"

    def __init__(self, settings: VoiceSettings = VoiceSettings(), timeout_s: float = 8.0,
                 worker: Pyttsx3Worker | None = None):
        self.settings = settings
        self._timeout_s = timeout_s
        self._worker = worker or shared_worker()
        self.direct = self._worker.drives_espeak and espeak_available()
        """True when espeak-ng runs as a program: where pyttsx3 drives espeak, or once it failed."""
        self._voice_id: str | None = None
        if settings.voice is None:
            return
        if self.direct:
            # A variant goes along as espeak-ng writes it: "en-gb+f3".
            name, plus, variant = settings.voice.partition("+")
            voices = espeak_voices()
            files = {language: file for language, file, _ in voices}  # "en-gb": "gmw/en"
            name = files.get(name.strip().lower(), name)
            self._voice_id = match_voice([(file, n) for _, file, n in voices], name) + plus + variant
            return
        try:
            voices = self._worker.call(self._worker.voices, timeout_s + 10.0)
        except TimeoutError:
            self._give_up("pyttsx3 did not answer")
        except Exception as exc:
            self._give_up(f"pyttsx3 could not start ({one_line(exc)})")
        else:
            self._voice_id = match_voice(voices, settings.voice)

    def render_private(self, text: str) -> np.ndarray:
        """A prompt holding the couple's words. Where espeak-ng speaks, in memory; through
        another pyttsx3 driver, in a file of a 0700 folder that lives only while it renders."""
        return self.render(text, cached=False)

    def render(self, text: str, cached: bool = True) -> np.ndarray:
        """``cached``: espeak-ng's output may be kept in memory for the next time (never for the
        couple's own words)."""
        if not text.strip():
            return np.zeros(0, np.int16)
        if not self.direct:
            s, w = self.settings, self._worker
            try:
                wait_s = self._timeout_s + len(text) / 20
                pcm = w.call(lambda: w.render(text, s.rate, self._voice_id, wait_s), 2 * wait_s)
                return apply_gain(pcm, s.volume)
            except TimeoutError:
                self._give_up("pyttsx3 did not finish rendering (runAndWait hung)")
            except Exception as exc:
                self._give_up(f"pyttsx3 produced no audio ({one_line(exc)})")
        run = espeak if cached else espeak_uncached
        return apply_gain(run(text, self._espeak_voice(), self.settings.rate), self.settings.volume)

    def _espeak_voice(self) -> str:
        """The voice for espeak-ng: the matched espeak voice, else the configured name, else English."""
        if self._voice_id and self._worker.drives_espeak:
            return self._voice_id
        return self.settings.voice or "en"

    def _give_up(self, reason: str) -> None:
        if not self.direct:
            log.warning("%s; speaking with espeak-ng directly from now on", reason)
        self.direct = True


def espeak_voices() -> list[tuple[str, str, str]]:
    """(language, file, name) of every voice ``espeak-ng --voices`` lists: ("en-gb", "gmw/en",
    "English (Great Britain)"). A variant ("+f3") applies to the file's name, not the language's."""
    result = subprocess.run(["espeak-ng", "--voices"], capture_output=True, text=True, check=False)
    voices = []
    for line in result.stdout.splitlines()[1:]:
        fields = line.split()
        if len(fields) >= 5:
            voices.append((fields[1], fields[4], fields[3].replace("_", " ")))
    return voices


def match_voice(voices: list[tuple[str, str]], wanted: str) -> str:
    """The id of the voice whose id or name best matches ``wanted``, or a UserError."""
    w = wanted.strip().lower()
    tests: list[Callable[[str, str], bool]] = [
        lambda i, n: i == w,
        # pyttsx3's espeak ids carry a family: "gmw/en-us"
        lambda i, n: i.rsplit("/", 1)[-1] == w.rsplit("/", 1)[-1],
        lambda i, n: n == w,
        lambda i, n: w in n,
        lambda i, n: w in i,
    ]
    for test in tests:
        for vid, vname in voices:
            if test(vid.lower(), vname.lower()):
                return vid
    english = [vid for vid, _ in voices if vid.lower().rsplit("/", 1)[-1].startswith("en")]
    examples = ", ".join((english or [vid for vid, _ in voices])[:8]) or "none found"
    raise UserError(f"no voice matches '{wanted}' (voice.voice); some voices: {examples}")


def _read_wav(path: Path) -> np.ndarray | None:
    try:
        with wave.open(str(path)) as w:
            if w.getsampwidth() != 2:
                return None
            pcm = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
            if w.getnchannels() > 1:
                pcm = pcm.reshape(-1, w.getnchannels()).mean(axis=1).astype(np.int16)
            # The header's rate is trusted: pyttsx3's espeak driver writes espeak-ng's 22050 Hz.
            return to_16k(pcm, w.getframerate())
    except (OSError, EOFError, wave.Error):
        return None  # missing, truncated, or not a WAV (some drivers write AIFF)

