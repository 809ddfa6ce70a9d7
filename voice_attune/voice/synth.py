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
    """Which engine renders ("piper", "pyttsx3"); part of the prompt cache's key."""

    def render(self, text: str) -> np.ndarray:
        """``text`` spoken as int16 samples at 16 kHz, mono."""
        ...


def choose_synthesizer(settings: VoiceSettings, lazy: bool = False) -> Synthesizer:
    """Piper when asked for, or in auto mode when installed (unless ``voice`` names a
    non-Piper voice); pyttsx3 otherwise. ``lazy``: load Piper's model at its first render."""
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
    """The one thread that may touch a pyttsx3 engine, and that engine.

    espeak keeps one synthesis callback per process, so two live engines steal it from each
    other, and espeak must not run on two threads at once: every Pyttsx3Synthesizer in a
    process therefore shares one worker (``shared_worker``), which runs their renders in turn.
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
                _hook_espeak(engine)
                engine.setProperty("rate", rate)
                engine.setProperty("volume", 1.0)  # one gain for every engine, applied after
                if voice_id:
                    engine.setProperty("voice", voice_id)
                _settle_espeak(engine)
                engine.save_to_file(text, str(path))
                engine.runAndWait()
                # espeak renders on its own thread, and an engine's first runAndWait returns
                # before it is done (pyttsx3 #219): the file is whole once the utterance ends.
                if _is_espeak(engine):
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
            gc.collect()  # the old driver unhooks espeak's callback when collected: do it now
        # Engine() rather than pyttsx3.init(): init() hands back a cached engine that others
        # may hold, and a stale engine is exactly what a retry must get away from.
        engine = pyttsx3.Engine(self.driver)
        espeak_driver = sys.modules.get("pyttsx3.drivers.espeak")
        if espeak_driver is not None:
            espeak_driver.print = lambda *a, **k: log.debug("pyttsx3: %s", " ".join(map(str, a)))
        self._engine = engine
        return engine


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


def _is_espeak(engine: Any) -> bool:
    driver = getattr(getattr(engine, "proxy", None), "_driver", None)
    return type(driver).__module__ == "pyttsx3.drivers.espeak"


def _hook_espeak(engine: Any) -> None:
    """Point espeak's one process-wide callback back at this engine: another Engine built
    anywhere in the process takes it, and then runAndWait waits for ever (voicebox #8)."""
    espeak = sys.modules.get("pyttsx3.drivers._espeak")
    if _is_espeak(engine) and espeak is not None:
        espeak.SetSynthCallback(engine.proxy._driver._onSynth)


def _settle_espeak(engine: Any) -> None:
    """Let espeak apply the queued rate and voice: runAndWait cancels whatever espeak still
    has pending when it starts, and a rate change would be silently dropped."""
    espeak = sys.modules.get("pyttsx3.drivers._espeak")
    if _is_espeak(engine) and espeak is not None:
        espeak.Synchronize()


_workers: dict[str | None, Pyttsx3Worker] = {}
_workers_lock = threading.Lock()


def shared_worker(driver: str | None = None) -> Pyttsx3Worker:
    """The process's pyttsx3 worker for ``driver`` (None: the platform's default)."""
    with _workers_lock:
        if driver not in _workers:
            _workers[driver] = Pyttsx3Worker(driver)
        return _workers[driver]


class Pyttsx3Synthesizer:
    """pyttsx3 rendering to a WAV file (never to the speaker), read back at 16 kHz.

    pyttsx3 has known traps, each handled here:
    - espeak's synthesis callback is process-wide: a second Engine steals it, and the first
      then hangs in runAndWait or writes nothing (pyttsx3 #126, #194). All synthesizers share
      one engine on one thread, which re-hooks the callback before each render; a missing file
      gets one retry on a fresh engine; a render that still hangs times out, and espeak-ng is
      then used for good.
    - the first runAndWait of an engine returns before espeak has written the file (#219):
      the render waits for the utterance to finish.
    - runAndWait cancels espeak's pending commands, a rate or voice change among them: the
      render lets espeak apply them first.
    - a bad voice name is swallowed as an "error" notification, so voices are matched here.
    - the espeak driver prints "Audio saved to ..." on stdout: routed to the debug log.
    When pyttsx3 still yields no audio, espeak-ng runs directly (voice_attune.synthetic.speech), with a warning.
    """

    name = "pyttsx3"

    def __init__(self, settings: VoiceSettings = VoiceSettings(), timeout_s: float = 8.0,
                 worker: Pyttsx3Worker | None = None):
        self.settings = settings
        self.fell_back = False
        """True once pyttsx3 has failed and espeak-ng is run directly instead."""
        self._timeout_s = timeout_s
        self._worker = worker or shared_worker()
        self._voice_id: str | None = None
        if settings.voice is None:
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
        """A prompt holding the couple's words: rendered by espeak-ng in memory (the voice pyttsx3
        drives on Linux), so not even a temporary file holds them; elsewhere as any prompt."""
        if not text.strip():
            return np.zeros(0, np.int16)
        if espeak_available():
            voice = self._voice_id or self.settings.voice or "en"
            return apply_gain(espeak_uncached(text, voice, self.settings.rate), self.settings.volume)
        return self.render(text)

    def render(self, text: str) -> np.ndarray:
        if not text.strip():
            return np.zeros(0, np.int16)
        if not self.fell_back:
            s, w = self.settings, self._worker
            try:
                wait_s = self._timeout_s + len(text) / 20
                pcm = w.call(lambda: w.render(text, s.rate, self._voice_id, wait_s), 2 * wait_s)
                return apply_gain(pcm, s.volume)
            except TimeoutError:
                self._give_up("pyttsx3 did not finish rendering (runAndWait hung)")
            except Exception as exc:
                self._give_up(f"pyttsx3 produced no audio ({one_line(exc)})")
        voice = self._voice_id or self.settings.voice or "en"
        return apply_gain(espeak(text, voice, self.settings.rate),
                          self.settings.volume)

    def _give_up(self, reason: str) -> None:
        if not self.fell_back:
            log.warning("%s; speaking with espeak-ng directly from now on", reason)
        self.fell_back = True


def match_voice(voices: list[tuple[str, str]], wanted: str) -> str:
    """The id of the voice whose id or name best matches ``wanted``, or a UserError."""
    w = wanted.strip().lower()
    tests: list[Callable[[str, str], bool]] = [
        lambda i, n: i == w,
        lambda i, n: i.rsplit("/", 1)[-1] == w,  # espeak ids carry a family: "gmw/en-us"
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

