#!/usr/bin/env python3
"""Commands model benchmark: what the keyword model alone hears of "yes", "no", "stop" and
"I'm done", in about 30 seconds a model.

The listening pipeline's benchmark (bench_listen.py, an hour) measures what a session acts on;
this one measures the model under it, so that a change of training can be judged quickly.
Each of the ten voices of bench_listen.py says every command alone and after four lead-ins
("So,", "Alright,", "Okay,", "Um,"; the commands model trains with "Okay," and "Um," before a
command, never with "So," or "Alright,"), ten everyday sentences and 45 short replies that are no
command ("I'm good.", "Yet.", "Top."; SHORT_REPLIES, a stream of their own), 1.2 s apart; the
streams are heard clean, in pink noise 15 dB, under babble of four talkers 10 dB and behind one talker 15 dB (two
draws each of babble and talker), and fed to the model's front end. A command counts as heard
when its output stays at or above its threshold for the model's confirming steps between 0.3 s
before and 0.8 s after the saying ends. Also counted, at the same moments: outputs that fire at
the end of an everyday sentence, the four commands set off by a short reply, and other
commands' outputs that fire on a command.
None of the voices is held out of the shipped commands model's training (it met every
espeak-ng accent): these are figures of the model, not a promise for new voices.

    python scripts/bench_commands.py                     # the shipped model
    python scripts/bench_commands.py --model FILE.npz    # a rebuilt one
    python scripts/bench_commands.py --quick             # two voices, a smoke run

One JSON object goes to stdout, progress to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import zlib
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bench_listen  # noqa: E402
from voice_attune.asr import kws_store  # noqa: E402
from voice_attune.asr.kws_features import FrontEnd  # noqa: E402
from voice_attune.asr.kws_model import BadModelFile, KeywordModel  # noqa: E402
from voice_attune.asr.level_gate import GateSettings  # noqa: E402
from voice_attune.events import SURE_STOP  # noqa: E402
from voice_attune.keywords.augment import to_int16  # noqa: E402
from voice_attune.keywords.measure import Room, everyday_talk, say  # noqa: E402
from voice_attune.keywords.voices import Voice  # noqa: E402

SR = 16000
COMMANDS = {"yes": "yes", "no": "no", "stop": "stop", "done": "I'm done"}
LEAD_INS = ("", "So, ", "Alright, ", "Okay, ", "Um, ")
ROOMS = (("clean", 0), ("pink15", 0), ("babble10", 0), ("babble10", 1), ("talker15", 0), ("talker15", 1), ("far", 0))
NOISY = ("babble10", "talker15")
SENTENCES = 10
SHORT_REPLIES = (
    "I'm fine.", "I'm good.", "I'm gone.", "I'm dumb.", "I'm down.", "I'm sorry.", "I'm tired.", "I'm here.",
    "I'm ready.", "I'm okay.", "I'm not sure.", "I know.", "I don't know.", "Maybe.", "Thanks.",
    "Thank you.", "Sure.", "Go on.", "Right.", "Really?", "Me too.", "I love you.", "Good night.", "Sorry.", "Hmm.",
    "Oh.", "Fine.", "Fun.", "Just.", "Time's up.", "Now.", "Nose.", "Snow.", "Noted.", "Yet.", "Jess.", "Guess.",
    "Mess.", "Yellow.", "Yesterday.", "Top.", "Shop.", "Stuff.", "Stuck.", "Spot.",
)
"""Short things a partner says on their own, none of them a command: replies of a check-in
("I'm good.") and single words that share most of a command's sound ("Yet.", "Top."). The
listener takes a command that is the whole utterance, so each of these set off as a command
would act: "I'm good." heard as "I'm done" ends the partner's turn. Some of the single words
are among the sound-alikes training makes for each command (keywords/neighbours.py). "Okay" and
"not yet" are not here: the configuration takes them for yes and no."""
BEFORE_S, AFTER_S, GAP_S = 0.3, 0.8, 1.2


def steady_scores(model: KeywordModel, front: FrontEnd, pcm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(times, scores): each output's lowest score over the model's confirming steps, per step."""
    stream = front.stream(GateSettings.from_meta(model.meta.get("level_gate")))  # as the detector hears it
    times, embeddings = [], []
    for end, embedding in stream.feed(pcm.astype(np.int16)):
        times.append(end / SR)
        embeddings.append(embedding)
    window = model.window
    stacked = np.stack(embeddings)
    windows = np.stack([stacked[i - window + 1:i + 1] for i in range(window - 1, len(stacked))])
    scores = model.scores(windows)
    steps = max(1, model.confirm)
    steady = scores[steps - 1:].copy()
    for back in range(1, steps):
        steady = np.minimum(steady, scores[steps - 1 - back:len(scores) - back])
    return np.array(times[window - 1 + steps - 1:]), steady


def voice_rows(model: KeywordModel, front: FrontEnd, room: Room, voice: Voice, index: int, voices: int,
               seed: int) -> list[dict]:
    """Every saying of the ``index``-th of ``voices`` voices in every room: the highest steady score of each
    output around its end. The short replies are a stream of their own, so that the commands and
    sentences are heard in the same rooms as before they were added."""
    sayings = [("command", name, lead + text + ".") for name, text in COMMANDS.items() for lead in LEAD_INS]
    sayings += [("everyday", None, text) for text in everyday_talk(index, voices, SENTENCES)]
    replies = [("short", None, text) for text in SHORT_REPLIES]
    return (stream_rows(model, front, room, voice, sayings, [seed, index])
            + stream_rows(model, front, room, voice, replies, [seed, index, 1]))


def stream_rows(model: KeywordModel, front: FrontEnd, room: Room, voice: Voice, sayings: list[tuple],
                key: list[int]) -> list[dict]:
    """``sayings`` said by ``voice`` 1.2 s apart, heard in every room (drawn from ``key``: seed, ...)."""
    gap = np.zeros(int(GAP_S * SR), np.int16)
    parts, spans, at = [], [], 0
    for kind, name, text in sayings:
        audio = say(text, voice)
        parts += [gap, audio]
        at += gap.size
        spans.append((kind, name, text, (at + audio.size) / SR))
        at += audio.size
    parts.append(np.zeros(2 * SR, np.int16))
    pcm = np.concatenate(parts)
    rows = []
    for condition, draw in ROOMS:
        rng = np.random.default_rng([key[0] + draw, zlib.crc32(condition.encode()), *key[1:]])
        heard = pcm if condition == "clean" else to_int16(room.apply(pcm.astype(np.float32), condition, rng))
        times, steady = steady_scores(model, front, heard)
        for kind, name, text, end in spans:
            near = (times >= end - BEFORE_S) & (times <= end + AFTER_S)
            top = steady[near].max(axis=0)
            rows.append({"voice": voice.name, "room": condition, "kind": kind, "name": name, "text": text,
                         "top": {phrase: float(top[i]) for i, phrase in enumerate(model.phrases)}})
    return rows


def summary(rows: list[dict], thresholds: dict[str, float]) -> dict:
    """Recall by room and command; everyday sentence-end fires; other commands' fires."""
    fired = {id(r): {p for p, s in r["top"].items() if s >= thresholds[p]} for r in rows}
    recall: dict[str, dict] = {}
    for condition in dict(ROOMS):
        recall[condition] = {}
        for name, phrase in COMMANDS.items():
            said = [r for r in rows if r["room"] == condition and r["name"] == name]
            heard = sum(phrase in fired[id(r)] for r in said)
            recall[condition][name] = {"heard": heard, "said": len(said), "recall": round(heard / max(1, len(said)), 3)}
    by_lead_in: dict[str, dict] = {}
    for lead in LEAD_INS:
        key = lead.strip(", ") or "alone"
        by_lead_in[key] = {}
        for name, phrase in COMMANDS.items():
            said = [r for r in rows if r["room"] in NOISY and r["name"] == name and r["text"] == f"{lead}{phrase}."]
            by_lead_in[key][name] = round(sum(phrase in fired[id(r)] for r in said) / max(1, len(said)), 3)
    everyday = [r for r in rows if r["kind"] == "everyday"]
    by_output: dict[str, int] = {}
    for r in everyday:
        for phrase in fired[id(r)]:
            by_output[phrase] = by_output.get(phrase, 0) + 1
    cross: dict[str, int] = {}
    for r in rows:
        if r["kind"] == "command":
            for phrase in fired[id(r)] - {COMMANDS[r["name"]]}:
                key = f"{r['name']} -> {phrase}"
                cross[key] = cross.get(key, 0) + 1
    return {
        "recall": recall,
        "recall_by_lead_in_under_babble_and_talker": by_lead_in,
        "everyday_sentences": len(everyday),
        "everyday_fires": {"any_output": sum(bool(fired[id(r)]) for r in everyday),
                           "the_four": sum(bool(fired[id(r)] & set(COMMANDS.values())) for r in everyday),
                           "by_output": dict(sorted(by_output.items())),
                           "the_four_heard_in": sorted(f"{', '.join(sorted(fired[id(r)] & set(COMMANDS.values())))}: "
                                                       f"{r['text']} ({r['voice']}, {r['room']})"
                                                       for r in everyday if fired[id(r)] & set(COMMANDS.values()))},
        "other_command_fires": {"total": sum(cross.values()), "by_pair": dict(sorted(cross.items()))},
        "short_replies": short_replies(rows, fired),
        "sure_stop": sure_stops(rows),
    }


def short_replies(rows: list[dict], fired: dict[int, set[str]]) -> dict:
    """How often a short reply said on its own (SHORT_REPLIES) set off one of the four commands,
    by room and by reply."""
    four = set(COMMANDS.values())
    short = [r for r in rows if r["kind"] == "short"]
    by_reply: dict[str, int] = {}
    for r in short:
        for phrase in fired[id(r)] & four:
            key = f"{r['text']} -> {phrase}"
            by_reply[key] = by_reply.get(key, 0) + 1
    return {
        "sayings": len(short),
        "set_off_the_four": sum(bool(fired[id(r)] & four) for r in short),
        "by_room": {room: sum(bool(fired[id(r)] & four) for r in short if r["room"] == room) for room in dict(ROOMS)},
        "by_reply": dict(sorted(by_reply.items(), key=lambda kv: (-kv[1], kv[0]))),
    }


def sure_stops(rows: list[dict]) -> dict:
    """How often "stop" scores at least events.SURE_STOP, which stops the guide at once instead of
    pausing first: on sayings of stop (by room), and where nobody said it."""
    sure = round(SURE_STOP / 100, 3)

    def share(chosen: list[dict]) -> float:
        return round(sum(r["top"]["stop"] >= sure for r in chosen) / max(1, len(chosen)), 3)

    return {"at": sure,
            "stop_sayings": {room: share([r for r in rows if r["room"] == room and r["name"] == "stop"]) for room in dict(ROOMS)},
            "everyday_sentences": sum(r["top"]["stop"] >= sure for r in rows if r["kind"] == "everyday"),
            "other_commands": sum(r["top"]["stop"] >= sure for r in rows if r["kind"] == "command" and r["name"] != "stop")}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    p.add_argument("--model", metavar="FILE", help="commands model (default: the shipped one)")
    p.add_argument("--quick", action="store_true", help="two voices only: a smoke run")
    p.add_argument("--seed", type=int, default=7, help="seed of the rooms")
    args = p.parse_args(argv)
    path = Path(args.model) if args.model else kws_store.commands_model_path()
    try:
        model = KeywordModel.load(path)
    except BadModelFile as exc:  # it names the file
        print(f"bench_commands: {exc}", file=sys.stderr)
        return 2
    missing = [phrase for phrase in COMMANDS.values() if phrase not in model.phrases]
    if missing:
        print(f"bench_commands: {path} is not a commands model (no output for {', '.join(missing)})", file=sys.stderr)
        return 2
    started = time.monotonic()
    voices = bench_listen.default_voices(args.quick, True)
    front, room = FrontEnd(), Room(np.random.default_rng(args.seed), Voice("en-us", 165))
    rows: list[dict] = []
    for index, voice in enumerate(voices):
        print(f"[bench_commands] voice {index + 1}/{len(voices)}: {voice.name}", file=sys.stderr, flush=True)
        rows += voice_rows(model, front, room, voice, index, len(voices), args.seed)
    thresholds = dict(zip(model.phrases, map(float, model.thresholds)))
    result = {
        "benchmark": "bench_commands",
        "command": "python scripts/bench_commands.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "model": str(path),
        "trained": model.meta.get("trained"),
        "seed": args.seed,
        "voices": [v.name for v in voices],
        "conditions": ("each command alone and after 4 lead-ins, 10 everyday sentences and 45 short replies "
                       "(SHORT_REPLIES), per voice; rooms clean, "
                       "pink 15 dB, babble of four talkers 10 dB (2 draws), one talker 15 dB (2 draws), across a "
                       "furnished room (synthetic/shoebox.py); "
                       "no voice held out of the shipped model's training"),
        "thresholds": {p: round(t, 3) for p, t in thresholds.items()},
        **summary(rows, thresholds),
        "wall_s": round(time.monotonic() - started, 1),
    }
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
