"""`voice-attune enroll`: each of you says the pause word a few times; its model adapts to you."""

from __future__ import annotations

import argparse
import shutil
import sys
from typing import Iterator

import numpy as np

from voice_attune import SAMPLE_RATE
from voice_attune.asr import kws_store
from voice_attune.asr.frames import Frame
from voice_attune.asr.kws_model import KeywordModel
from voice_attune.commands.progress import StageBar
from voice_attune.config import Config
from voice_attune.errors import UserError
from voice_attune.privatefiles import private_folder


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "enroll",
        help="each of you says the pause word a few times, so it is heard best in your voices",
        description=(
            "Each partner says the pause word 3-5 times; the pause word's keyword model then\n"
            "adapts to your two voices (about a minute). Only speech features are kept (numbers\n"
            "every 80 ms from which no sound can be played back), never the recordings, in your\n"
            "data folder next to the model; `forget --all` removes them. Enrol again at any time:\n"
            "new sayings are added to the old."
        ),
        epilog=("examples:\n  voice-attune enroll                       both of you, at the microphone\n"
                "  voice-attune enroll --partner B --audio alex1.wav alex2.wav alex3.wav"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--word", help="the pause word (default: the first of pause_words in config)")
    p.add_argument("--audio", nargs="+", metavar="FILE.wav", help="recordings of the word instead of the microphone")
    p.add_argument("--partner", choices=("A", "B"), help="whose recordings --audio holds (default A); "
                   "at the microphone: enrol only this partner")
    p.add_argument("--times", type=int, default=4, help="sayings per partner at the microphone, 3-5 (default 4)")
    p.add_argument("--seed", type=int, default=0)
    return p


def run(args: argparse.Namespace, config: Config) -> int:
    from voice_attune.keywords.enroll import Enrolment, adapt, enrol, find_sayings, heard_share

    word = kws_store.check_word(args.word or config.pause_words[0],
                                [p for ps in config.spotter.commands.values() for p in ps])
    if not 3 <= args.times <= 5:
        raise UserError(f"--times is {args.times}; say the word 3 to 5 times")
    base_path = kws_store.user_folder() / f"{kws_store.slug(word)}.base.npz"
    current = kws_store.find_model(word)
    if current is None:
        raise UserError(f"no keyword model for '{word}' yet; train one first: voice-attune train-word \"{word}\"")
    base = KeywordModel.load(base_path if base_path.exists() else current)

    sayings = list(_from_files(args.audio, args.partner or "A", config) if args.audio
                   else _from_microphone(word, args.partner, args.times, config))
    if not sayings:
        raise UserError("no saying of the word was heard; nothing was changed")
    before = heard_share(base, sayings)
    bar = StageBar(sys.stderr, f"Enrolling '{word}'")
    try:
        bar("hearing your sayings", 0.0)
        new = enrol(sayings, base.window, args.seed)
        features = kws_store.user_folder() / f"{kws_store.slug(word)}.enrolled.npz"
        old = Enrolment.load(features) if features.exists() else None
        enrolment = old.merged(new) if old is not None else new
        adapted = adapt(base, enrolment, word, kws_store.user_folder(), args.seed, progress=bar)
        if not base_path.exists():
            private_folder(base_path.parent)
            shutil.copyfile(current, base_path)
            base_path.chmod(0o600)
        enrolment.save(features)
        adapted.save(kws_store.user_model_path(word))
    finally:
        bar.finish()
    after = heard_share(adapted, sayings)
    counts = ", ".join(f"{config.partners.A if k == 'A' else config.partners.B}: {n}"
                       for k, n in sorted(enrolment.sayings.items()))
    print(f"Enrolled {len(sayings)} saying(s) of '{word}' ({counts} in all). Heard {before:.0%} of them before, "
          f"{after:.0%} now. Kept: speech features only, in {features}.")
    return 0


def _from_files(paths: list[str], partner: str, config: Config) -> Iterator[tuple[str, np.ndarray, int, int]]:
    from voice_attune.asr.audiofile import AudioFileSource
    from voice_attune.keywords.enroll import find_sayings

    for path in paths:
        pcm = np.concatenate([np.frombuffer(f.pcm, np.int16) for f in AudioFileSource(path).frames()] or [np.zeros(0, np.int16)])
        found = find_sayings(pcm, config.vad)
        if not found:
            raise UserError("no speech heard in the recording; say the word clearly and try again", path)
        for start, end in found:
            yield partner, pcm, start, end


def _from_microphone(word: str, only: str | None, times: int, config: Config) -> Iterator[tuple[str, np.ndarray, int, int]]:
    from voice_attune.asr.mic import MicrophoneSource
    from voice_attune.keywords.enroll import find_sayings

    mic = MicrophoneSource(config.audio.input_device)
    frames = mic.frames()
    for who in ("A", "B"):
        if only and who != only:
            continue
        name = config.partners.A if who == "A" else config.partners.B
        for k in range(times):
            print(f"{name}, please say '{word}' now ({k + 1} of {times})...", flush=True)
            pcm = _record(frames, seconds=3.0)
            found = find_sayings(pcm, config.vad)
            if not found:
                print("  I did not hear it; it is fine to skip this one.")
                continue
            start, end = max(found, key=lambda span: span[1] - span[0])
            yield who, pcm, start, end


def _record(frames: Iterator[Frame], seconds: float) -> np.ndarray:
    parts = []
    for frame in frames:
        parts.append(np.frombuffer(frame.pcm, np.int16))
        if len(parts) * 480 >= seconds * SAMPLE_RATE:
            break
    return np.concatenate(parts) if parts else np.zeros(0, np.int16)
