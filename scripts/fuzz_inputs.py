#!/usr/bin/env python3
"""Fuzz the files people hand voice-attune: recordings, session scripts, configs and scenarios.

Each seed file is mutated (bytes flipped, cut, spliced; YAML values swapped for the numbers,
nesting and oddities YAML allows) and handed to the command that reads it, in process. A run
counts how each ended: accepted (0), refused in one line (2), or a traceback (anything else).
The product promise is 0 tracebacks. Prints JSON; seeded, so a run repeats exactly.

    python scripts/fuzz_inputs.py                 # 200 mutations of each kind (a few minutes)
    python scripts/fuzz_inputs.py --each 50       # quicker
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import random
import sys
import tempfile
import time
import traceback
import wave
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from voice_attune.cli import main  # noqa: E402

ODD_VALUES = [".inf", "-.inf", ".nan", "0x3C", "0b101", "1:30", "017", "1__0", "~", "[]", "{}", "'-h'",
              "yes", "-1", "0", "1e999", "99999999999999999999", "null", "&a x", "*a", "!!python/object:os.system",
              "!!binary aGVsbG8=", "'\\x00'", "[[[[[[[[[[[[]]]]]]]]]]]]", "'" + "a" * 5000 + "'", "{a: [b, {c: d}]}",
              "2026-12-01", "true", "'{pause_word'", "'{nowhere}'", "-", "--version"]


def mutate_bytes(data: bytes, rng: random.Random) -> bytes:
    b = bytearray(data)
    kind = rng.choice(["flip", "cut", "splice", "zero", "insert"])
    if kind == "flip" and b:
        header = rng.random() < 0.6  # most damage that matters is in the first bytes
        for _ in range(rng.randint(1, 16)):
            b[rng.randrange(min(len(b), 64) if header else len(b))] = rng.randrange(256)
    elif kind == "cut":
        del b[rng.randrange(len(b) + 1):]
    elif kind == "splice" and b:
        at = rng.randrange(len(b))
        b[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
    elif kind == "zero" and b:
        at = rng.randrange(len(b))
        b[at:at + rng.randint(1, 400)] = bytes(min(400, len(b) - at))
    elif kind == "insert":
        b[rng.randrange(len(b) + 1):0] = rng.choice([b"\x00", b"\xff\xfe", b"RIFF", b"\n  - ", b": ", b"\t"])
    return bytes(b)


def mutate_yaml(text: str, rng: random.Random) -> str:
    lines = text.splitlines()
    kind = rng.choice(["value", "value", "value", "drop", "dup", "indent", "bytes", "deep"])
    if kind == "value":
        candidates = [i for i, line in enumerate(lines) if ":" in line and not line.strip().startswith("#")]
        if candidates:
            i = rng.choice(candidates)
            key = lines[i].split(":", 1)[0]
            lines[i] = f"{key}: {rng.choice(ODD_VALUES)}"
    elif kind == "drop" and lines:
        del lines[rng.randrange(len(lines))]
    elif kind == "dup" and lines:
        i = rng.randrange(len(lines))
        lines.insert(i, lines[i])
    elif kind == "indent" and lines:
        i = rng.randrange(len(lines))
        lines[i] = " " * rng.randint(1, 5) + lines[i]
    elif kind == "bytes":
        return mutate_bytes(text.encode(), rng).decode("utf-8", "replace")
    elif kind == "deep":
        depth = rng.choice([50, 600, 3000])
        lines.append("extra: " + "[" * depth + "]" * depth)
    return "\n".join(lines) + "\n"


def seed_wav(path: Path) -> bytes:
    t = np.arange(16000) / 16000
    pcm = (0.3 * np.sin(2 * np.pi * 300 * t) * 32767).astype(np.int16)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(pcm.tobytes())
    return path.read_bytes()


def run_cli(argv: list[str]) -> tuple[int | str, str]:
    err = io.StringIO()
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            code = main(argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 2
    except BaseException:
        return "exception", traceback.format_exc(limit=3)
    text = err.getvalue()
    if code == 1 or "Traceback" in text:
        return "traceback", text[-600:]
    return code, text


def run_scenario(path: Path) -> tuple[int | str, str]:
    from voice_attune.errors import UserError
    from voice_attune.session.scenario import load_scenario, render_reply

    try:
        scenario = load_scenario(path)
        for reply in scenario.replies[:2]:
            render_reply(scenario, reply)
    except UserError as exc:
        return 2, str(exc)
    except BaseException:
        return "exception", traceback.format_exc(limit=3)
    return 0, ""


def main_fuzz() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--each", type=int, default=200, help="mutations of each kind of file (200)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    results: dict[str, dict[str, int]] = {}
    failures: list[dict[str, str]] = []
    began = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        wav_seed = seed_wav(tmp / "seed.wav")
        kinds = {
            "wav": (wav_seed, lambda p: run_cli(["mic-test", "--audio", str(p)])),
            "script": ((ROOT / "voice_attune/sessions/mirroring.yaml").read_text(),
                       lambda p: run_cli(["validate", str(p)])),
            "config": ((ROOT / "config.yaml").read_text(), lambda p: run_cli(["list", "--config", str(p)])),
            "scenario": ((ROOT / "tests/scenarios/daily-checkin.yaml").read_text().replace("voice: piper", "voice: en-us"),
                         run_scenario),
        }
        for kind, (seed, check) in kinds.items():
            counts = {"accepted": 0, "refused": 0, "traceback": 0}
            for i in range(args.each):
                path = tmp / f"{kind}-{i}.{'wav' if kind == 'wav' else 'yaml'}"
                if kind == "wav":
                    path.write_bytes(mutate_bytes(seed, rng))
                else:
                    path.write_text(mutate_yaml(seed, rng), encoding="utf-8", errors="replace")
                code, text = check(path)
                if code == 0:
                    counts["accepted"] += 1
                elif code == 2:
                    counts["refused"] += 1
                    if kind != "script" and len(text.strip().splitlines()) > 1:  # validate lists them all
                        counts.setdefault("refused_in_more_than_one_line", 0)
                        counts["refused_in_more_than_one_line"] += 1
                else:
                    counts["traceback"] += 1
                    failures.append({"kind": kind, "case": i, "tail": text[-400:]})
            results[kind] = counts
    print(json.dumps({"seed": args.seed, "each": args.each, "results": results,
                      "tracebacks": sum(r["traceback"] for r in results.values()),
                      "first_failures": failures[:5], "seconds": round(time.perf_counter() - began, 1)}, indent=2))


if __name__ == "__main__":
    main_fuzz()
