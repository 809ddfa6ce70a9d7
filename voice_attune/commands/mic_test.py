"""`voice-attune mic-test`: a live level meter with voice activity, then advice on the levels."""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass
from typing import Iterable, Iterator, TextIO

import numpy as np

from voice_attune import FRAME_SAMPLES, SAMPLE_RATE
from voice_attune.asr.frames import Frame
from voice_attune.asr.vad import SpeechGate, State
from voice_attune.config import Config
from voice_attune.errors import UserError

DESCRIPTION = """\
Check the microphone before a session. For a few seconds a meter shows how loud the microphone
hears the room, about ten lines a second:

    1.35 s   -24.1 dBFS  [######################-------|------]  voice

The number is the level in dBFS (decibels below the loudest sound the microphone can record:
0 is the top, -90 is digital silence); the bar spans -60 to 0 dBFS with | at the peak; "voice"
shows when voice activity detection (the vad settings in config.yaml) hears speech. Speak as
you would in a session, from where you will sit. At the end a summary gives the peak level,
your voice's level, the background level and how much of the time voice was heard, with a hint
when the microphone is too quiet, too noisy or clipping. Nothing is recorded or kept.
"""

EPILOG = """\
examples:
  voice-attune mic-test                   5 seconds from the microphone in config.yaml
  voice-attune mic-test --seconds 15      longer: try both seats, and the pause word
  voice-attune mic-test --audio talk.wav  the same meter over a recording (as fast as it reads)

Good levels: your voice around -30 to -12 dBFS, the quiet room below -50 dBFS, no clipping.
Capture gain on a Raspberry Pi: alsamixer, F6 to pick the USB card, F4 for capture.
"""

FLOOR_DB = -90.0
"""Levels are shown no lower than this: int16 silence has no finite level."""
METER_DB = 60.0
"""The bar spans the top 60 dB."""
TICK_FRAMES = 3
"""One meter line per three 30 ms frames (90 ms)."""
QUIET_DB = -38.0
"""Voice below this is hard to recognize: too far away or too little gain."""
NOISY_DB = -45.0
"""Background above this starts to bury the pause word."""
_FULL_SCALE = 32767


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "mic-test",
        help="a live level meter with voice activity: is the microphone loud enough?",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--seconds", type=_positive, metavar="S",
                   help="how long to measure (default: 5 for the microphone, the whole --audio file)")
    p.add_argument("--audio", metavar="FILE.wav",
                   help="measure a WAV recording instead of the microphone (any rate and format)")
    return p


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds") from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"{text} seconds: use more than 0 and at most 3600")
    return value


@dataclass(frozen=True)
class Tick:
    """One meter reading."""

    t: float
    """Audio seconds at the end of the reading's window."""
    level_db: float
    """RMS level of the window, dBFS."""
    peak_db: float
    """Highest sample of the window, dBFS."""
    voice: bool
    """True if the voice activity detector heard speech in the window."""


@dataclass(frozen=True)
class Summary:
    """What the whole measurement showed."""

    seconds: float
    peak_db: float
    clipped: int
    """Samples at full scale."""
    voice_db: float | None
    """RMS level while voice was heard, dBFS (None if none was)."""
    background_db: float
    """RMS level of the quietest tenth of the readings, dBFS."""
    stretches: tuple[tuple[float, float], ...]
    """(start, end) audio seconds of each stretch of voice."""

    @property
    def voice_s(self) -> float:
        return sum(end - start for start, end in self.stretches)


class LevelMeter:
    """Turns frames into meter readings and a summary; knows nothing about terminals or devices."""

    def __init__(self, gate: SpeechGate):
        self.gate = gate
        self.seconds = 0.0
        """Audio seconds measured so far."""
        self._window: list[np.ndarray] = []
        self._voice_in_window = False
        self._levels: list[float] = []
        # (t, mean square) of every frame: the voice's level is known only once its stretches are.
        self._frame_energy: list[tuple[float, float]] = []
        self._peak = 0
        self._clipped = 0
        self._stretches: list[tuple[float, float]] = []

    def feed(self, frame: Frame) -> Tick | None:
        """Take one frame; every TICK_FRAMES frames, return a reading."""
        samples = np.frombuffer(frame.pcm, dtype=np.int16)
        wide = samples.astype(np.int32)
        self._peak = max(self._peak, int(np.abs(wide).max()))
        self._clipped += int(np.count_nonzero(np.abs(wide) >= _FULL_SCALE))
        self._frame_energy.append((frame.t, float(np.mean(wide.astype(np.float64) ** 2))))
        change = self.gate.update(frame)
        if change is not None and not change.started:
            self._stretches.append((change.onset, change.offset if change.offset is not None else frame.end))
        # Only confirmed speech counts: STARTING may still be a click, STOPPING is the pause after.
        self._voice_in_window |= self.gate.state is State.SPEAKING
        self._window.append(wide)
        self.seconds = frame.end
        if len(self._window) < TICK_FRAMES:
            return None
        return self._tick()

    def flush(self) -> Tick | None:
        """A reading of the frames left over at the end (fewer than TICK_FRAMES), if any."""
        return self._tick() if self._window else None

    def finish(self) -> Summary:
        """Close the measurement (speech still going ends here) and sum it up."""
        self.flush()
        change = self.gate.close(self.seconds)
        if change is not None:
            self._stretches.append((change.onset, change.offset if change.offset is not None else self.seconds))
        times = np.array([t for t, _ in self._frame_energy])
        energy = np.array([e for _, e in self._frame_energy])
        voiced = np.zeros(times.size, dtype=bool)
        for start, end in self._stretches:
            voiced[np.searchsorted(times, start):np.searchsorted(times, end)] = True
        levels = sorted(self._levels) or [FLOOR_DB]
        return Summary(
            seconds=self.seconds,
            peak_db=db(self._peak),
            clipped=self._clipped,
            voice_db=db(math.sqrt(float(energy[voiced].mean()))) if voiced.any() else None,
            background_db=levels[len(levels) // 10],
            stretches=tuple(self._stretches),
        )

    def _tick(self) -> Tick:
        window = np.concatenate(self._window)
        tick = Tick(self.seconds, db(math.sqrt(float(np.mean(window.astype(np.float64) ** 2)))),
                    db(int(np.abs(window).max())), self._voice_in_window)
        self._levels.append(tick.level_db)
        self._window, self._voice_in_window = [], False
        return tick


def db(amplitude: float) -> float:
    """An int16 amplitude in dBFS, no lower than FLOOR_DB."""
    if amplitude <= 0:
        return FLOOR_DB
    return max(FLOOR_DB, round(20 * math.log10(amplitude / 32768.0), 1))


def meter_line(tick: Tick) -> str:
    """One reading as a line: time, level, a bar with the peak marked, and voice."""
    width = 36
    filled = _cells(tick.level_db, width)
    peak = min(_cells(tick.peak_db, width), width - 1)
    bar = ["#" if i < filled else "-" for i in range(width)]
    if tick.peak_db > FLOOR_DB and peak >= filled:
        bar[peak] = "|"
    return f"{tick.t:6.2f} s  {tick.level_db:6.1f} dBFS  [{''.join(bar)}]  {'voice' if tick.voice else ''}".rstrip()


def _cells(level_db: float, width: int) -> int:
    return max(0, min(width, round((level_db + METER_DB) / METER_DB * width)))


def summary_lines(s: Summary, what: str) -> list[str]:
    """The summary and its advice, as lines."""
    clip = f"{s.clipped} samples clipped" if s.clipped else "no clipping"
    share = s.voice_s / s.seconds * 100 if s.seconds else 0.0
    if s.stretches:
        spans = ", ".join(f"{a:.2f}-{b:.2f} s" for a, b in s.stretches)
        n = len(s.stretches)
        heard = f"{s.voice_s:.2f} s of {s.seconds:.2f} s ({share:.0f}%), {n} stretch{'es' if n > 1 else ''}: {spans}"
    else:
        heard = f"none in {s.seconds:.2f} s (0%)"
    lines = [
        f"Summary of {s.seconds:.1f} s {what}:",
        f"  peak level    {_level(s.peak_db)} ({clip})",
        f"  your voice    {_level(s.voice_db) + ' while speaking' if s.voice_db is not None else 'not heard'}",
        f"  background    {_level(s.background_db)}, the quietest tenth of the time",
        f"  voice heard   {heard}",
    ]
    return lines + advice(s)


def _level(value: float | None) -> str:
    if value is None:
        return "-"
    return "silent (digital zero)" if value <= FLOOR_DB else f"{value:.1f} dBFS"


def advice(s: Summary) -> list[str]:
    """What to change, if anything; the worst problem first."""
    hints = []
    if s.clipped:
        hints.append("Too loud: the microphone clipped (hit its ceiling), which distorts words. Turn the "
                     "capture gain down (alsamixer: F6 for the card, F4 for capture) or sit further away.")
    if not s.stretches:
        if s.peak_db <= FLOOR_DB:
            hints.append("Nothing at all reached the microphone (digital silence). Is it muted (alsamixer, "
                         "F4, M) or is another device the one in use (voice-attune devices)?")
        elif s.peak_db < -50:
            hints.append(f"Almost nothing reached the microphone (peak {_level(s.peak_db)}). Is it muted, "
                         "or its gain at zero (alsamixer, F4)? Is it the right device (voice-attune devices)?")
        else:
            hints.append("No voice was heard. Speak as you would in a session while the meter runs; if you "
                         "did, raise the gain, move closer, or lower vad.aggressiveness in config.yaml.")
    elif s.voice_db is not None and s.voice_db < QUIET_DB:
        hints.append(f"Too quiet: your voice reached only {_level(s.voice_db)}; aim for -30 to -12 dBFS. "
                     "Raise the capture gain (alsamixer, F4) or move the microphone closer.")
    if s.background_db > NOISY_DB:
        hints.append(f"The room is noisy ({_level(s.background_db)} between words): turn off what hums "
                     "(fan, radio, kettle) or point the microphone away from it.")
    if not hints:
        margin = (s.voice_db or FLOOR_DB) - s.background_db
        hints.append(f"Good: your voice is {margin:.0f} dB above the background and nothing clipped.")
    return hints


def run(args: argparse.Namespace, config: Config, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    if args.audio:
        from voice_attune.asr.audiofile import AudioFileSource

        frames: Iterable[Frame] = AudioFileSource(args.audio).frames()
        limit = args.seconds
        what = f"from {args.audio}"
    else:
        from voice_attune.asr.mic import MicrophoneSource

        mic = MicrophoneSource(config.audio.input_device)
        frames = mic.frames()
        limit = args.seconds or 5.0
        device = config.audio.input_device
        what = "from the microphone" + (f" ({device})" if device else " (the default input)")
        print(f"Listening {what} for {limit:g} s: speak as you would in a session, from where you "
              "will sit. Nothing is recorded.", file=out, flush=True)
    meter = LevelMeter(SpeechGate(config.vad))
    live = not args.audio and out.isatty()
    try:
        for tick in _ticks(meter, frames, limit):
            if live:  # one line that updates in place
                print(f"\r{meter_line(tick)}\033[K", end="", file=out, flush=True)
            else:
                print(meter_line(tick), file=out, flush=True)
    except KeyboardInterrupt:
        pass  # Ctrl+C ends the measurement early; the summary still helps
    finally:
        if live:
            print(file=out)
    if meter.seconds == 0:
        raise UserError("no audio arrived from the microphone" if not args.audio else "the recording holds no audio")
    print("\n".join(summary_lines(meter.finish(), what)), file=out)
    return 0


def _ticks(meter: LevelMeter, frames: Iterable[Frame], limit: float | None) -> Iterator[Tick]:
    wanted = None if limit is None else max(1, math.ceil(limit * SAMPLE_RATE / FRAME_SAMPLES - 1e-9))
    iterator = iter(frames)
    try:
        for n, frame in enumerate(iterator, 1):
            tick = meter.feed(frame)
            if tick is not None:
                yield tick
            if wanted is not None and n >= wanted:
                break
        tail = meter.flush()
        if tail is not None:
            yield tail
    finally:
        close = getattr(iterator, "close", None)
        if close:
            close()  # stops the microphone stream at once
