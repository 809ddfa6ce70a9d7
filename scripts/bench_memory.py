#!/usr/bin/env python3
"""Resident memory of `voice-attune listen`: the whole listener (echo canceller, voice-activity
gate, recognizers, keyword models, knock detector and the care check's sentence encoder) over a
recording, in a process of its own.

The recording is synthesized here (never kept: it lives in a private temporary folder that is
removed at the end): about a minute of two espeak-ng voices taking turns, with the pause word,
the commands and one long utterance of twenty seconds (the recognizers' lattices grow with an
utterance). `voice-attune listen --audio FILE --engine E --quiet` hears it; the peak resident
set size of that process (``wait4``'s ``ru_maxrss``, what `/usr/bin/time -v` reports as
"Maximum resident set size") is the figure. One JSON object goes to stdout.

    python scripts/bench_memory.py                        # PocketSphinx, about 30 s
    python scripts/bench_memory.py --engine vosk          # with an installed Vosk model
    python scripts/bench_memory.py --runs 3               # the largest of three runs

The target (issue 12): at most 350 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from voice_attune import SAMPLE_RATE  # noqa: E402
from voice_attune.synthetic.compose import in_a_row, trim  # noqa: E402
from voice_attune.synthetic.speech import synthesize  # noqa: E402

TARGET_MB = 350.0
SAYINGS = (
    ("en-gb", "I had a long day at work and I am tired. Can we talk about the weekend?"),
    ("en-us+f3", "I would like to go for a walk by the river, and maybe have lunch somewhere quiet."),
    ("en-gb", "pineapple"),
    ("en-us+f3", "yes"), ("en-gb", "no"), ("en-us+f3", "stop"), ("en-gb", "I'm done"),
    ("en-us+f3", "I think we should call your mother on Sunday. The kids need new shoes before "
                 "school starts, and the car needs a service. Let's make a list together tonight "
                 "after dinner, and then we can relax. I feel a bit anxious about money this month, "
                 "but I know we will manage, and thank you for listening to me."),
    ("en-gb", "Thank you. pineapple."),
    ("en-us+f3", "Tomorrow morning I want to get up early and make coffee for both of us."),
)


def recording() -> np.ndarray:
    clips = [trim(synthesize(text, voice, 155)) for voice, text in SAYINGS]
    audio, _ = in_a_row(clips, 1.2)
    return audio


def heard(path: Path, engine: str, config: str | None) -> dict:
    """Run `voice-attune listen` over ``path``; its peak resident memory and times. Its messages
    go to a file beside the recording (a pipe left unread while waiting could fill and stall it)."""
    cmd = [sys.executable, "-m", "voice_attune", "listen", "--audio", str(path), "--engine", engine, "--quiet"]
    if config:
        cmd += ["--config", config]
    began = time.monotonic()
    with open(path.with_suffix(".err"), "w+") as errors:
        child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.monotonic() - began
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            errors.seek(0)
            raise SystemExit(f"voice-attune listen failed ({code}): {errors.read().strip()[-500:]}")
    return {"peak_rss_mb": round(usage.ru_maxrss / 1024.0, 1), "wall_s": round(wall, 2),
            "cpu_s": round(usage.ru_utime + usage.ru_stime, 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", default="pocketsphinx", choices=("pocketsphinx", "vosk"),
                        help="recognizer the listener runs (default pocketsphinx, the bundled one)")
    parser.add_argument("--runs", type=int, default=1, help="runs; the largest peak is reported")
    parser.add_argument("--config", help="settings file for voice-attune listen")
    args = parser.parse_args()
    audio = recording()
    with tempfile.TemporaryDirectory(prefix="voice-attune-memory-") as folder:
        os.chmod(folder, 0o700)
        path = Path(folder) / "talk.wav"
        with wave.open(str(path), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(SAMPLE_RATE)
            w.writeframes(audio.astype(np.int16).tobytes())
        os.chmod(path, 0o600)
        runs = [heard(path, args.engine, args.config) for _ in range(max(1, args.runs))]
    peak = max(r["peak_rss_mb"] for r in runs)
    print(json.dumps({
        "benchmark": "bench_memory", "engine": args.engine,
        "audio_s": round(audio.size / SAMPLE_RATE, 1), "runs": runs,
        "peak_rss_mb": peak, "target_mb": TARGET_MB, "meets_target": peak <= TARGET_MB,
        "machine": {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count()},
    }, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
