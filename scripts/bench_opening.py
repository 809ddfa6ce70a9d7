#!/usr/bin/env python3
"""Recordings that open with the word: the pause word and the commands said in a stream's first
half second, through the listener a session uses.

A recording handed to `voice-attune listen`, or a microphone just opened, may begin with the
pause word. The keyword models judge a window of speech embeddings that takes 1.3-1.7 s of sound
to fill; until 2026-12-06 nothing said before the window first filled was scored at all. Each
stream here is a lead of silence (0, 0.2 or 0.5 s), one saying and 1.5 s of silence, heard in a
room by a fresh listener (``build_listener``: echo canceller, VAD, PocketSphinx, spotter, the
shipped keyword models). Streams that open with an everyday sentence instead measure what the
opening costs: pauses and the four commands reported where nobody said them.

Voices: the four of bench_listen.py's held-out accents (Scottish, Caribbean f4, West Midlands m6,
British; the shipped models trained on every accent) and its six family voices (en-us+m3 stands
in for Piper where Piper is not installed). Rooms: clean, pink noise 15 dB, brown noise 10 dB,
babble of four talkers 10 dB, one background talker 15 dB (``keywords.measure.Room``, seeded).
A saying counts as heard when a spotted event of its name comes between its start and 1 s after
its end; latency is that event's time minus the saying's end (a command is reported when its
speaker has fallen quiet, so later than the pause word). A command that opens a stream under
babble or behind a talker is seldom reported: the listener takes a command said in running talk
only when the room around it falls back to the level it had before, and a stream that opens with
the command has no before. One JSON object goes to stdout, progress to stderr.

    python scripts/bench_opening.py           # 10 voices, 5 rooms, 3 leads (about 15 minutes on 2 cores)
    python scripts/bench_opening.py --quick   # 2 voices, clean and babble, one lead (about 40 s)
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench_listen.py's voices

from bench_listen import family_voices, held_out_picks  # noqa: E402
from voice_attune import SAMPLE_RATE  # noqa: E402
from voice_attune.asr.frames import frames_from_array  # noqa: E402
from voice_attune.asr.listener import build_listener  # noqa: E402
from voice_attune.asr.sphinx_engine import SphinxEngine  # noqa: E402
from voice_attune.config import Config  # noqa: E402
from voice_attune.events import Spotted  # noqa: E402
from voice_attune.keywords.augment import to_int16  # noqa: E402
from voice_attune.keywords.measure import Room, say  # noqa: E402
from voice_attune.keywords.talk import MORE_EVERYDAY  # noqa: E402
from voice_attune.keywords.voices import Voice  # noqa: E402
from voice_attune.synthetic.speech import piper_available  # noqa: E402

SAYINGS = {"pineapple": "pause", "stop": "stop", "yes": "yes", "no": "no", "I'm done": "done"}
"""What each stream opens with -> the name its spotted event has."""
ROOMS = ("clean", "pink15", "brown10", "babble10", "talker15")
LEADS = (0.0, 0.2, 0.5)
TAIL_S = 1.5
HEARD_AFTER_S = 1.0
EVERYDAY_PER_VOICE = 4
"""Everyday sentences each voice opens a stream with, in each room."""
LEVEL = 3000.0
"""Speech RMS of every saying, as bench_listen.py's partners speak."""


def voices(quick: bool) -> list[tuple[str, Voice]]:
    """bench_listen.py's voices: its held-out picks, then its family voices."""
    held, family = held_out_picks(), family_voices(piper_available())
    picked = [("held_out", v) for v in held] + [("family", v) for v in family]
    return [picked[0], picked[4]] if quick else picked


def stream(speech: np.ndarray, lead: float, room: str, rooms: Room, rng: np.random.Generator) -> np.ndarray:
    speech = speech * (LEVEL / (float(np.sqrt(np.mean(speech.astype(np.float64) ** 2))) or 1.0))
    pcm = np.concatenate([np.zeros(int(lead * SAMPLE_RATE), np.float32), speech.astype(np.float32),
                          np.zeros(int(TAIL_S * SAMPLE_RATE), np.float32)])
    return to_int16(rooms.apply(pcm, room, rng))


def spots(engine: SphinxEngine, pcm: np.ndarray) -> list[Spotted]:
    listener = build_listener(Config(), engine)
    return [e for e in listener.run(frames_from_array(pcm)) if isinstance(e, Spotted)]


def _pct(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 3) if values else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="two voices, clean and babble, a lead of 0.2 s")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    rooms = Room(rng, Voice("en-us", 160))
    picked = voices(args.quick)
    room_names = ("clean", "babble10") if args.quick else ROOMS
    leads = (0.2,) if args.quick else LEADS
    engine = SphinxEngine()
    start, cpu = time.monotonic(), time.process_time()
    audio_s = 0.0
    sayings, misses, false = [], [], []
    latencies: dict[str, list[float]] = {"pause": [], "commands": []}
    for n, (group, voice) in enumerate(picked):
        print(f"[{n + 1}/{len(picked)}] {voice.name}", file=sys.stderr, flush=True)
        for text, name in SAYINGS.items():
            speech = say(text, voice)
            for room in room_names:
                for lead in leads:
                    pcm = stream(speech, lead, room, rooms, rng)
                    audio_s += pcm.size / SAMPLE_RATE
                    end = lead + speech.size / SAMPLE_RATE
                    found = [s for s in spots(engine, pcm) if s.name == name and lead <= s.t <= end + HEARD_AFTER_S]
                    sayings.append({"saying": text, "group": group, "voice": voice.name, "room": room,
                                    "lead": lead, "heard": bool(found),
                                    "source": found[0].source if found else None})
                    if found:
                        latencies["pause" if name == "pause" else "commands"].append(found[0].t - end)
                    else:
                        misses.append(f"{text} | {voice.name} | {room} | lead {lead}")
        for k in range(1 if args.quick else EVERYDAY_PER_VOICE):
            text = MORE_EVERYDAY[(n * EVERYDAY_PER_VOICE + k) % len(MORE_EVERYDAY)]
            speech = say(text, voice)
            for room in room_names:
                pcm = stream(speech, 0.0, room, rooms, rng)
                audio_s += pcm.size / SAMPLE_RATE
                for s in spots(engine, pcm):
                    if s.kind == "pause" or s.name in ("stop", "yes", "no", "done"):
                        false.append({"said": text, "voice": voice.name, "room": room, "heard": s.name,
                                      "source": s.source, "t": round(s.t, 2)})

    def recall(**where: str) -> float | None:
        chosen = [s["heard"] for s in sayings if all(s[k] == v for k, v in where.items())]
        return round(sum(chosen) / len(chosen), 3) if chosen else None

    report = {
        "benchmark": "bench_opening", "engine": "pocketsphinx", "seed": args.seed, "quick": args.quick,
        "voices": {g: [v.name for gg, v in picked if gg == g] for g in ("held_out", "family")},
        "rooms": list(room_names), "leads_s": list(leads), "sayings": len(sayings),
        "recall": {text: {"all": recall(saying=text),
                          **{room: recall(saying=text, room=room) for room in room_names},
                          **{group: recall(saying=text, group=group) for group in ("held_out", "family")}}
                   for text in SAYINGS},
        "heard_first_by": {src: sum(1 for s in sayings if s["source"] == src) for src in ("keyword", "transcript")},
        "latency_after_saying_s": {kind: {"p50": _pct(got, 50), "p95": _pct(got, 95),
                                          "max": round(max(got), 3) if got else None}
                                   for kind, got in latencies.items()},
        "everyday_streams": len(picked) * len(room_names) * (1 if args.quick else EVERYDAY_PER_VOICE),
        "false_pauses": sum(1 for f in false if f["heard"] == "pause"),
        "false_commands": {c: sum(1 for f in false if f["heard"] == c) for c in ("stop", "yes", "no", "done")},
        "false": false,
        "missed": misses,
        "audio_s": round(audio_s, 1),
        "cpu_per_audio_s": round((time.process_time() - cpu) / audio_s, 3) if audio_s else None,
        "seconds": round(time.monotonic() - start, 1),
    }
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
