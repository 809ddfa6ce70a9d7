"""`voice-attune speaker-test`: a chime and a sentence in the configured voice, on the speaker."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from typing import TextIO

import numpy as np

from voice_attune import SAMPLE_RATE
from voice_attune.config import Config
from voice_attune.errors import UserError

DESCRIPTION = """\
Check the speaker before a session: plays the soft two-note chime that opens a turn, a short
pause, then a sentence in the voice set in config.yaml (voice: engine, voice, rate, volume),
through the speaker set in audio.output_device. If you hear both clearly from where you will
sit, the speaker is ready. With --out the same audio goes to a WAV file instead (no speaker
needed), to listen to elsewhere.
"""

EPILOG = """\
examples:
  voice-attune speaker-test                 play it on the speaker in config.yaml
  voice-attune speaker-test --out test.wav  write it to a file instead

Nothing heard? Check the volume (alsamixer: F6 for the card, then the playback level), that
audio.output_device is the right one (voice-attune devices), and voice.volume in config.yaml.
"""

SENTENCE = "Hello {A} and {B}. If you can hear me clearly, the speaker is ready."
GAP_S = 0.3
"""Silence between the chime and the sentence, seconds: the chime has rung out by then."""


@dataclass(frozen=True)
class CheckSound:
    """The test audio and its parts, 16 kHz mono int16."""

    chime: np.ndarray
    gap: np.ndarray
    sentence: np.ndarray
    text: str

    @property
    def pcm(self) -> np.ndarray:
        return np.concatenate([self.chime, self.gap, self.sentence])


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "speaker-test",
        help="play a chime and a sentence in the configured voice: is the speaker ready?",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--out", metavar="FILE.wav", help="write the audio to this WAV file instead of playing it")
    return p


def compose(config: Config) -> CheckSound:
    """The chime, a pause and the sentence, at the configured volume."""
    from voice_attune.voice.earcons import TURN_START, earcon
    from voice_attune.voice.speaking import Voice

    text = SENTENCE.format(A=config.partners.A, B=config.partners.B)
    sentence = Voice(config.voice).render(text)
    return CheckSound(earcon(TURN_START, config.voice.volume), np.zeros(int(GAP_S * SAMPLE_RATE), np.int16),
                     np.asarray(sentence, dtype=np.int16), text)


def run(args: argparse.Namespace, config: Config, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    if args.out:
        sound = compose(config)
        _write(args.out, sound.pcm)
        print(f"Wrote {_describe(sound)} to {args.out}.", file=out)
        return 0
    from voice_attune.voice.player import SoundDevicePlayer

    # The device first: without a speaker there is no point in waiting for the voice to render.
    player = SoundDevicePlayer(config.audio.output_device)
    sound = compose(config)
    device = config.audio.output_device
    where = f"the speaker ({device})" if device else "the default speaker"
    print(f"Playing {_describe(sound)} on {where}...", file=out, flush=True)
    try:
        player.play(sound.pcm)
        player.wait()
    finally:
        player.stop()
    print(f"Did you hear a soft two-note chime, then: \"{sound.text}\"", file=out)
    print("If not: check the volume (alsamixer), the device (voice-attune devices) and voice.volume "
          "in config.yaml.", file=out)
    return 0


def _describe(sound: CheckSound) -> str:
    seconds = sound.pcm.size / SAMPLE_RATE
    return (f"{seconds:.1f} s (chime {sound.chime.size / SAMPLE_RATE:.2f} s, pause {GAP_S:.1f} s, "
            f"sentence {sound.sentence.size / SAMPLE_RATE:.2f} s)")


def _write(path: str, pcm: np.ndarray) -> None:
    from voice_attune.asr.audiofile import write_wav

    try:
        open(path, "wb").close()  # a bad path fails here, before the wave module half-opens it
        write_wav(path, pcm)
    except OSError as exc:
        raise UserError(f"cannot write: {exc.strerror or exc}", path) from None
