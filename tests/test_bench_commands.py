"""scripts/bench_commands.py: the commands model heard alone, through its real front end and
real synthesized voices (a smoke run of two voices), and its one-line refusal of a bad model."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "bench_commands.py"


def short_replies() -> tuple[str, ...]:
    spec = importlib.util.spec_from_file_location("bench_commands", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.SHORT_REPLIES


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=300)


def test_the_shipped_commands_model_is_measured_by_room():
    done = run("--quick")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert len(result["voices"]) == 2 and result["everyday_sentences"] == 2 * 10 * 7  # seven rooms
    clean = result["recall"]["clean"]
    assert all(cell["said"] == 2 * 5 for cell in clean.values())  # alone and after four lead-ins
    # Two voices in a quiet room: the model hears its commands there (it heard 0.94-1.00 of
    # ten voices' sayings on 2026-12-05); a broken front end or window would hear none.
    assert sum(cell["heard"] for cell in clean.values()) >= 0.8 * 4 * 10, clean
    assert set(result["recall"]) == {"clean", "pink15", "babble10", "talker15", "far"}
    assert result["everyday_fires"]["the_four"] <= result["everyday_fires"]["any_output"] <= result["everyday_sentences"]
    assert len(result["everyday_fires"]["the_four_heard_in"]) == result["everyday_fires"]["the_four"]
    sure = result["sure_stop"]
    assert set(sure["stop_sayings"]) == set(result["recall"])
    # A "stop" sure enough to stop the guide at once is a "stop" heard at all.
    for room, share in sure["stop_sayings"].items():
        assert share <= result["recall"][room]["stop"]["recall"], room
    assert 0 <= sure["everyday_sentences"] <= result["everyday_sentences"]
    # Short replies that are no command ("I'm good.", "Yet."), each said by both voices in every room.
    short = result["short_replies"]
    replies = short_replies()
    assert short["sayings"] == 2 * len(replies) * 7 and len(replies) == 45
    assert sum(short["by_room"].values()) == short["set_off_the_four"] <= short["sayings"]
    assert set(short["by_room"]) == set(result["recall"])
    assert sum(short["by_reply"].values()) >= short["set_off_the_four"]
    for key in short["by_reply"]:
        reply, phrase = key.split(" -> ")
        assert reply in replies and phrase in ("yes", "no", "stop", "I'm done"), key


def test_a_file_that_is_not_a_model_is_refused_in_one_line(tmp_path: Path):
    bad = tmp_path / "commands.npz"
    bad.write_bytes(b"not a model")
    done = run("--model", str(bad))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and str(bad) in done.stderr, done.stderr
