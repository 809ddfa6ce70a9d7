#!/usr/bin/env python3
"""Session benchmark: speaking time, "I'm done" and pause-word delays, turn endings, speed.

The real simulated session (``simulate``: the listener, the dialog engine, the guide's voice)
runs a six-turn script against generated scenarios: two synthesized partners who think aloud
with 2-4 s pauses, end their turns with "I'm done" (or just fall silent), say the pause word in
the middle of a turn and over the guide's prompts, and answer "yes, let's go on" afterwards.
Everything is measured against where the room placed each spoken piece (``room.truth``).
One JSON object goes to stdout, progress lines to stderr.

    python scripts/bench_session.py              # 10 scenarios of 2-5 minutes (~5 min on 2 cores)
    python scripts/bench_session.py --quick      # 2 scenarios (~1.5 minutes)
    python scripts/bench_session.py --json-only  # nothing on stderr
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shlex
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from voice_attune import SAMPLE_RATE  # noqa: E402
from voice_attune.config import Config, Partners  # noqa: E402
from voice_attune.dialog import prompts  # noqa: E402
from voice_attune.errors import UserError  # noqa: E402
from voice_attune.script.loader import load_script  # noqa: E402
from voice_attune.session.scenario import BargeIn, Noise, Scenario, Segment  # noqa: E402
from voice_attune.session.simulation import Simulation, simulate  # noqa: E402
from voice_attune.synthetic.speech import PIPER_VOICE  # noqa: E402
from voice_attune.voice.speaking import Voice  # noqa: E402

TARGETS: dict[str, tuple[str, float]] = {
    "speech_time_mean_abs_error_s": ("<=", 0.25), "speech_time_max_abs_error_s": ("<=", 0.25),
    "done_delay_p95_s": ("<=", 1.0), "barge_in_delay_p95_s": ("<=", 0.5),
    "in_turn_pause_delay_p95_s": ("<=", 0.5), "turns_ended_during_pauses": ("<=", 0),
    "speed_overall_x": (">=", 10.0),
}
NAMES = Partners("Sam", "Alex")
PROMPTS = (  # the intro, one prompt before each of the six turns (A, B, A, ...), the ending
    "Hello {A} and {B}. Let's take a few quiet minutes to hear each other today.",
    "{A}, please tell {B} how your day has been.",
    "Thank you, {A}. {B}, how has your day been for you?",
    "{A}, what was the best moment of your week?",
    "{B}, what was the best moment of your week?",
    "{A}, what would you like more of at home?",
    "{B}, and what would you like more of at home?",
    "Thank you both for listening to each other.",
)
TURNS = 6
# Per scenario: voice of A, voice of B, echo, pink-noise SNR (None: quiet), barge-ins (1 or 2).
CONDITIONS: tuple[tuple[str, str, float, float | None, int], ...] = (
    (PIPER_VOICE, "en-us+f3", 0.3, None, 1), ("en-us", "en-us+m3", 0.3, 20.0, 2),
    ("en-us+klatt", PIPER_VOICE, 1.0, None, 1), ("en-us+f5", "en-us", 0.3, 20.0, 2),
    ("en-us+m3", "en-us+f5", 0.3, None, 1), ("en-us+f3", "en-us+klatt", 1.0, 20.0, 2),
    (PIPER_VOICE, "en-us+m3", 0.3, 20.0, 1), ("en-us+f3", PIPER_VOICE, 0.3, None, 2),
    ("en-us+klatt", "en-us", 1.0, None, 1), ("en-us+f5", "en-us+m3", 0.3, 20.0, 2),
)
QUICK = (0, 5)  # quiet with low echo; noisy with high echo and two barge-ins
# Everyday sentences holding no command word (done, next, skip, stop, yes, no, help, ...),
# so only the planned endings and pause words steer the session.
SENTENCES = (
    "I had a long day at work and the meeting ran late.", "The kids were sweet to each other today.",
    "I felt proud of you at the school concert.", "My back hurts from carrying the groceries.",
    "I was lonely while you were traveling for work.", "Thank you for cooking dinner last night.",
    "I get anxious when the bills pile up.", "Let's plan a walk by the river this weekend.",
    "You made me laugh so hard at breakfast.", "I want us to share the cooking more evenly.",
    "It meant a lot that you called my dad.", "Sometimes I worry that we drift apart.",
    "When you sigh like that, I feel judged.", "I'm nervous about the doctor's appointment.",
    "I felt calm when we sat on the porch together.", "It scares me when we go quiet for days.",
    "You seemed distant at your friend's party.", "I'm excited about the garden this year.",
    "My sister called and we talked for an hour.", "I finally finished the report for my boss.",
    "The train was crowded and I stood the whole way.", "I miss our Sunday mornings in bed.",
)  # 22: a scenario takes at most 6 turns x 3 + 2
DONE = {  # text -> (variant, partner); texts differ per partner so each names one voice
    "I'm done.": ("piper", ""), "I'm done": ("alone", "A"), "I am done.": ("alone", "B"),
    "That's all, I'm done.": ("phrase", "A"), "That's it for now, I'm done.": ("phrase", "A"),
    "And that's all. I'm done.": ("phrase", "B"), "That is all from me, I'm done.": ("phrase", "B"),
}
ENDINGS = ("piper", "phrase", "alone", "phrase", "piper", "silence")
IN_TURN_PAUSE = ("Pineapple.", "Sorry, I need a moment, pineapple")  # the word ends each text
BARGE_PAUSE = ("pineapple", "Pineapple!")
YES = "Yes, let's go on."
# Breaths after a pause (default 2): each is 10 s of near silence that would only lengthen
# the sessions and flatter the speed figure.
PAUSE_BREATHS = 1
# The room places barge-ins by counting prompts, so the plan counts them too. The pause
# protocol says before resuming: pausing, breathe first, two cues a breath (in, out; no hold),
# the question and "let's go on".
PROTOCOL_SAYS = 4 + 2 * PAUSE_BREATHS
Samples = dict[str, list[dict[str, Any]]]


@dataclass
class Plan:
    """One generated scenario and what the benchmark needs to know about it."""

    name: str
    scenario: Scenario
    voice_of: dict[str, str] = field(default_factory=dict)  # text -> its one voice
    barges: list[tuple[int, str]] = field(default_factory=list)  # (prompt number, its text)
    pauses: int = 0


class TimedVoice(Voice):
    """The guide's voice, timing its renders: a prompt first heard inside the session loop
    (a summary, "you have about 40 seconds left") is synthesized there and slows the loop."""

    render_s = 0.0

    def render(self, text: str, speed: float = 1.0, private: bool = False) -> np.ndarray:
        began = time.perf_counter()
        pcm = super().render(text, speed, private)
        self.render_s += time.perf_counter() - began
        return pcm


def filled(text: str) -> str:
    """A prompt with the partners' names, as the guide says it."""
    return text.format(A=NAMES.A, B=NAMES.B)


def write_script(folder: Path) -> Path:
    """Intro, then six prompted turns of 60 s (no warning, patience 12 s), then the ending."""
    steps = [f"  - say: {json.dumps(PROMPTS[0])}"]
    for k in range(TURNS):
        steps += [f"  - say: {json.dumps(PROMPTS[k + 1])}", f"  - turn: {'AB'[k % 2]}",
                  "    seconds: 60", "    warning: 0"]
    steps.append(f"  - end: {json.dumps(PROMPTS[-1])}")
    path = folder / "bench-session.yaml"
    path.write_text("title: Session benchmark\ndescription: Six prompted turns.\nminutes: 2-4\n"
                    "settings: {turn_seconds: 60, warning_seconds: 0, patience_seconds: 12, "
                    f"pause_breaths: {PAUSE_BREATHS}}}\n"
                    "steps:\n" + "\n".join(steps) + "\n")
    return path


def plan_scenario(index: int, seed: int, prompt_s: Sequence[float]) -> Plan:
    """A scenario whose replies are listed in the order the session will ask for them."""
    va, vb, echo, snr, barge_count = CONDITIONS[index % len(CONDITIONS)]
    rng = np.random.default_rng([seed, index])
    voices = {"A": va, "B": vb}
    speeds = {p: int(rng.integers(130, 181)) for p in "AB"}
    sentences = [str(s) for s in rng.permutation(SENTENCES)]
    plan = Plan(f"s{index + 1}:{va}/{vb}:echo{echo}:{'pink' + str(int(snr)) if snr else 'quiet'}",
                Scenario())

    def say(text: str, voice: str, speed: int | None = None) -> Segment:
        assert plan.voice_of.setdefault(text, voice) == voice, f"'{text}' in two voices"
        return Segment(say=text, voice=voice, speed=speed or int(rng.integers(140, 171)))

    def gap(lo: float, hi: float) -> Segment:
        return Segment(silence=round(float(rng.uniform(lo, hi)), 2))

    def talk(p: str, count: int, think: bool) -> list[Segment]:
        """Sentences with short gaps; one gap may be a 2-4 s pause to think."""
        where = int(rng.integers(1, count)) if think and count > 1 else -1
        segs = [gap(0.5, 1.2)]
        for j in range(count):
            if j:
                segs.append(gap(2.0, 4.0) if j == where else gap(0.7, 1.5))
            segs.append(say(sentences.pop(), voices[p], speeds[p]))
        return segs

    def ending(p: str, kind: str) -> list[Segment]:
        if kind == "silence":  # no closing words: the 12 s of patience end the turn
            return []
        texts = [t for t, (v, who) in DONE.items() if v == kind and who in ("", p)]
        text = texts[int(rng.integers(len(texts)))]
        return [gap(0.8, 1.5), say(text, PIPER_VOICE if kind == "piper" else voices[p],
                                   None if kind == "piper" else speeds[p])]

    yes = (gap(1.0, 2.0), say(YES, PIPER_VOICE, 160))
    # Prompts that get a barge-in: 0 is the intro, k + 1 the prompt before turn k.
    barge_at = sorted(int(x) for x in rng.choice(TURNS + 1, barge_count, replace=False))
    pause_turn = int(rng.integers(0, TURNS - 1))
    endings = ENDINGS[index % len(ENDINGS):] + ENDINGS[:index % len(ENDINGS)]
    replies: list[tuple[Segment, ...]] = []
    barges: list[BargeIn] = []
    says = 0
    for k in range(-1, TURNS):
        says += 1
        if k + 1 in barge_at:
            text = BARGE_PAUSE[len(barges)]
            voice = (va, vb, PIPER_VOICE)[(index + len(barges)) % 3]
            at = float(rng.uniform(1.0, max(1.0, min(3.0, prompt_s[k + 1] - 0.8))))
            barges.append(BargeIn(says, round(at, 2), text, voice))
            plan.voice_of.setdefault(text, voice)
            plan.barges.append((says, filled(PROMPTS[k + 1])))
            replies.append(yes)
            says += PROTOCOL_SAYS + 1  # ... and the interrupted prompt is said again
        if k < 0:
            continue
        p = "AB"[k % 2]
        segs = talk(p, int(rng.integers(2, 4)), think=bool(rng.random() < 0.75))
        if k == pause_turn:
            word = IN_TURN_PAUSE[index % 2]
            replies.append(tuple(segs + [gap(0.8, 1.5), say(word, voices[p], speeds[p]),
                                         Segment(silence=2.0)]))
            replies.append(yes)
            says += PROTOCOL_SAYS + 1  # ... and "please go on" before the turn reopens
            segs = talk(p, int(rng.integers(1, 3)), think=False)
        replies.append(tuple(segs + ending(p, endings[k])))
    plan.pauses = len(barges) + 1
    plan.scenario = Scenario(NAMES, voice=va, echo=echo, noise=Noise("pink", snr) if snr else None,
                             replies=tuple(replies), barge_in=tuple(barges))
    return plan


def stats(values: Sequence[float]) -> dict[str, Any]:
    """p50, p95 and max (None when there is nothing to measure)."""
    if not values:
        return {"n": 0, "p50": None, "p95": None, "max": None}
    a = np.asarray(values, float)
    return {"n": int(a.size), "p50": round(float(np.percentile(a, 50)), 3),
            "p95": round(float(np.percentile(a, 95)), 3), "max": round(float(a.max()), 3)}


def analyse(sim: Simulation, plan: Plan) -> Samples:
    """Samples of one session: turns, "I'm done" endings, pause words, stray pauses."""
    assert sim.room is not None
    end = sim.audio_s
    says: list[list[Any]] = []  # [start, end, text, interrupted]
    turns: list[dict[str, Any]] = []
    onsets: list[float] = []  # the listener's voice activity: onsets, then [onset, offset]
    segments: list[tuple[float, float]] = []
    for e in sim.events:
        if e.type == "speech_start":
            onsets.append(e.t)
        elif e.type == "speech_end" and onsets:
            segments.append((onsets.pop(), e.t))
        elif e.type == "say_start":
            says.append([e.t, end, e.text, False])
        elif e.type == "say_end" and says:
            says[-1][1:4:2] = [e.t, e.interrupted]
        elif e.type == "turn_start":
            turns.append({"partner": e.partner, "start": round(e.t, 3), "end": end, "reason": "open"})
        elif e.type == "turn_end" and turns:
            turns[-1].update(end=round(e.t, 3), reason=e.reason, speech_s=round(e.speech_s, 3))
    truth = sim.room.truth
    paused = [e.t for e in sim.events if e.type == "paused"]
    holds = [(e.t, e.type == "paused") for e in sim.events if e.type in ("paused", "resumed")]
    spots = [e.t for e in sim.events if e.type == "spotted" and e.kind == "pause"]
    finals = [(e.t, e.text) for e in sim.events if e.type == "final"]
    out: Samples = {"turns": [], "done": [], "pause": [], "stray": []}
    for i, tr in enumerate(turns):
        a, b = tr["start"], tr["end"]
        # Truth at 1 ms: partner speech inside the window, less where the guide was speaking.
        grid = np.zeros(max(1, int(round((b - a) * 1000))), bool)
        spans = [(p.start, p.end, True) for p in truth] + [(s[0], s[1], False) for s in says]
        for s, t, value in spans:
            lo, hi = max(0, round((s - a) * 1000)), min(grid.size, round((t - a) * 1000))
            if lo < hi:
                grid[lo:hi] = value
        next_start = turns[i + 1]["start"] if i + 1 < len(turns) else float("inf")
        # Speech of the same reply still to come when a silence ended the turn: a wrong ending.
        later = [p.text for p in truth if p.kind == "reply" and p.partner == tr["partner"]
                 and a - 0.05 <= p.start < next_start and p.end > b + 0.05]
        # Voice activity that began before the turn (the guide's echo, the chime) and runs on
        # into the partner's first words counts from the turn's start: a known source of excess.
        bridged = any(on < a - 0.01 and off > a + 0.05 for on, off in segments)
        out["turns"].append({**tr, "truth_s": round(grid.sum() / 1000, 3), "vad_open_at_start": bridged,
                             "wrongly_ended": tr["reason"] == "silence" and bool(later),
                             "speech_after": later[:2]})
    inside = lambda t: next((tr for tr in turns if tr["start"] <= t <= tr["end"]), None)  # noqa: E731
    matched: set[float] = set()
    for p in truth:
        voice = plan.voice_of.get(p.text, "?")
        heard = " | ".join(txt for t, txt in finals if p.start <= t <= p.end + 2.5)
        tr = inside(p.start)
        if "done" in p.text.lower() and tr is not None:
            hit = tr["reason"] == "done" and p.end - 0.3 <= tr["end"] <= p.end + 3.0
            out["done"].append({"text": p.text, "voice": voice, "variant": DONE[p.text][0],
                                "hit": hit, "delay_s": round(tr["end"] - p.end, 3) if hit else None,
                                "turn_end": tr["reason"], "heard": heard, "at": round(p.end, 2)})
        if "pineapple" not in p.text.lower():
            continue
        row = {"text": p.text, "voice": voice, "at": round(p.end, 2), "hit": False, "delay_s": None,
               "kind": "barge_in" if p.kind == "barge_in" else "in_turn", "heard": heard,
               "spotted": any(p.start <= t <= p.end + 2.0 for t in spots)}
        if [on for t, on in holds if t <= p.start][-1:] == [True]:
            # Said while already paused (a stray pause moved the plan): the engine rightly
            # ignores it, so it is neither a hit nor a miss.
            row["kind"] = "while_paused"
        elif p.kind == "barge_in":
            n, say = next(((n, s) for n, s in enumerate(says, 1) if s[0] <= p.start < s[1]), (0, None))
            row["prompt"] = say[2] if say else None
            row["as_planned"] = (n, row["prompt"]) in plan.barges
            if say is not None and say[3] and p.start <= say[1] <= p.end + 2.0:
                row.update(hit=True, delay_s=round(say[1] - p.end, 3))
        elif tr is not None:
            when = next((t for t in paused if p.start <= t <= p.end + 2.0), None)
            if when is not None:
                row.update(hit=True, delay_s=round(when - p.end, 3))
        else:
            row["kind"] = "outside_turn"
        matched.update(t for t in paused if p.start <= t <= p.end + 2.0)
        out["pause"].append(row)
    # Pauses no pause word explains: a false spot (over the guide's voice, in noise, ...).
    out["stray"] = [{"t": round(t, 3), "in_turn": inside(t) is not None,
                     "prompt": next((s[2] for s in says if s[0] <= t <= s[1] + 0.05), None)}
                    for t in paused if t not in matched]
    return out


def recall(rows: Sequence[dict[str, Any]], key: str | None = None) -> Any:
    """"hits/total", or that per value of ``key`` (voice, variant, echo)."""
    if key is None:
        return f"{sum(r['hit'] for r in rows)}/{len(rows)}"
    keys = sorted({str(r[key]) for r in rows})
    return {k: recall([r for r in rows if str(r[key]) == k]) for k in keys}


def mean_abs(turns: Sequence[dict[str, Any]]) -> float | None:
    """Mean absolute speaking-time error of turns (None for none)."""
    return round(float(np.mean([abs(t["speech_s"] - t["truth_s"]) for t in turns])), 3) if turns else None


def check(name: str, value: float | None) -> dict[str, Any]:
    """A figure beside its target, and whether it meets it (no figure: it does not)."""
    op, target = TARGETS[name]
    ok = value is not None and (value <= target if op == "<=" else value >= target)
    return {"value": value, "target": f"{op} {target}", "meets": bool(ok)}


def run_scenario(script: Any, plan: Plan, config: Config, voice: TimedVoice,
                 engine: str) -> tuple[dict[str, Any], Samples]:
    """Simulate one scenario; its summary line and its samples."""
    voice.render_s = 0.0
    # CPU seconds of the loop alone: session_start is its first event (the room has synthesized
    # the partners by then), so a slow loop can be told from a busy machine.
    cpu: list[float] = []
    sim = simulate(script, plan.scenario, config, engine=engine, voice=voice, notice=lambda m: None,
                   on_event=lambda e: None if cpu else cpu.append(time.process_time()))
    loop_cpu = time.process_time() - cpu[0]
    data = analyse(sim, plan)
    assert sim.room is not None
    pauses = sum(e.type == "paused" for e in sim.events)
    used = sim.room.replies_used
    # A missed or a stray pause shifts every later reply by one: still measured against what
    # was really played, but the plan's voices and barge-ins then meet other prompts.
    as_planned = used == len(plan.scenario.replies) and pauses == plan.pauses and not data["stray"] \
        and all(r.get("as_planned", r["kind"] != "while_paused") for r in data["pause"])
    return {
        "name": plan.name, "echo": plan.scenario.echo,
        "noise": "pink 20 dB" if plan.scenario.noise else None,
        "audio_s": round(sim.audio_s, 1), "wall_s": round(sim.wall_s, 2),
        "speed_x": round(sim.speed, 1),
        "meets_speed": sim.speed >= TARGETS["speed_overall_x"][1],
        "cpu_s": round(loop_cpu, 2), "cpu_speed_x": round(sim.audio_s / max(loop_cpu, 1e-9), 1),
        "prompt_render_in_loop_s": round(voice.render_s, 2),
        "turns": len(data["turns"]), "done_heard": recall(data["done"]),
        "pause_words_heard": recall([r for r in data["pause"] if r["kind"] != "while_paused"]),
        "replies_used": f"{used}/{len(plan.scenario.replies)}",
        "pauses": f"{pauses} (planned {plan.pauses}, stray {len(data['stray'])})",
        "flow_as_planned": as_planned,
        "session_end": sim.end.reason if sim.end else None,
    }, data


def build_report(results: list[tuple[dict[str, Any], Samples]]) -> dict[str, Any]:
    """Every figure over all scenarios, with the targets checked."""
    turns, done, pause = ([dict(r, scenario=i["name"], echo=i["echo"]) for i, d in results for r in d[part]]
                          for part in ("turns", "done", "pause"))
    measured = [t for t in turns if t["reason"] not in ("pause", "open")]
    errors = [t["speech_s"] - t["truth_s"] for t in measured]
    err = [abs(x) for x in errors]
    paused_turns = [t for t in turns if t["reason"] == "pause"]
    bridged = {flag: [t for t in measured if t["vad_open_at_start"] == flag] for flag in (True, False)}
    counted = [r for r in pause if r["kind"] != "while_paused"]
    barge = [r for r in pause if r["kind"] == "barge_in"]
    in_turn = [r for r in pause if r["kind"] == "in_turn"]
    wrong = [t for t in turns if t["wrongly_ended"]]
    audio = sum(i["audio_s"] for i, _ in results)
    loop = sum(i["wall_s"] for i, _ in results)
    delays = lambda rs: stats([r["delay_s"] for r in rs if r["hit"]])  # noqa: E731
    turn_keys = ("scenario", "partner", "start", "end", "reason", "speech_s", "truth_s",
                 "vad_open_at_start")
    report: dict[str, Any] = {
        "speech_time": {
            "turns": len(measured),
            "by_reason": {r: sum(t["reason"] == r for t in measured)
                          for r in sorted({t["reason"] for t in measured})},
            "mean_abs_error_s": mean_abs(measured),
            "max_abs_error_s": round(max(err), 3) if err else None,
            "mean_error_s": round(float(np.mean(errors)), 3) if errors else None,
            "p95_abs_error_s": stats(err)["p95"],
            "by_vad_open_at_start": {str(flag): {"turns": len(ts), "mean_abs_error_s": mean_abs(ts)}
                                     for flag, ts in bridged.items()},
            "worst": [{k: t[k] for k in turn_keys}
                      for t in sorted(measured, key=lambda t: -abs(t["speech_s"] - t["truth_s"]))[:6]],
            "pause_ended_turns": {"count": len(paused_turns), "mean_abs_error_s": mean_abs(paused_turns)}},
        "done": {"delay_s": delays(done), "recall": recall(done), "by_variant": recall(done, "variant"),
                 "by_voice": recall(done, "voice"), "misses": [r for r in done if not r["hit"]][:12]},
        "pause": {"barge_in_delay_s": delays(barge), "in_turn_delay_s": delays(in_turn),
                  "all_delay_s": delays(counted),
                  "recall": {"all": recall(counted), "barge_in": recall(barge), "in_turn": recall(in_turn)},
                  "barge_in_by_voice": recall(barge, "voice"), "barge_in_by_echo": recall(barge, "echo"),
                  "in_turn_by_voice": recall(in_turn, "voice"),
                  "stray_pauses": [dict(r, scenario=i["name"]) for i, d in results for r in d["stray"]],
                  "misses": [r for r in counted if not r["hit"]][:16],
                  "said_while_paused": [r for r in pause if r["kind"] == "while_paused"]},
        "turns_ended_during_pauses": {"count": len(wrong), "cases": [
            {k: t[k] for k in ("scenario", "partner", "start", "end", "speech_after")} for t in wrong]},
        "speed": {"overall_x": round(audio / max(loop, 1e-9), 1), "audio_s": round(audio, 1),
                  "session_loop_wall_s": round(loop, 1),
                  "cpu_x": round(audio / max(sum(i["cpu_s"] for i, _ in results), 1e-9), 1),
                  "min_scenario_x": min((i["speed_x"] for i, _ in results), default=None)},
        "scenarios": [i for i, _ in results],
    }
    figures = {
        "speech_time_mean_abs_error_s": report["speech_time"]["mean_abs_error_s"],
        "speech_time_max_abs_error_s": report["speech_time"]["max_abs_error_s"],
        "done_delay_p95_s": report["done"]["delay_s"]["p95"],
        "barge_in_delay_p95_s": report["pause"]["barge_in_delay_s"]["p95"],
        "in_turn_pause_delay_p95_s": report["pause"]["in_turn_delay_s"]["p95"],
        "turns_ended_during_pauses": len(wrong),
        "speed_overall_x": report["speed"]["overall_x"],
    }
    report["checks"] = {k: check(k, v) for k, v in figures.items()}
    report["meets_targets"] = all(c["meets"] for c in report["checks"].values())
    return report


def run(args: argparse.Namespace, progress: Callable[[str], None]) -> dict[str, Any]:
    """Render the prompts, simulate every scenario in turn, and report."""
    config = Config(partners=NAMES)
    indices = list(QUICK) if args.quick else list(range(args.scenarios))
    load_before = os.getloadavg()
    started = time.perf_counter()
    results = []
    with tempfile.TemporaryDirectory(prefix="bench_session_") as tmp:
        script = load_script(write_script(Path(tmp)), config)
        voice = TimedVoice(config.voice, cache_dir=Path(tmp) / "prompts")
        # Render every fixed prompt now, so the sessions time their loop, not Piper's first calls.
        fixed = [filled(t) for t in PROMPTS] + [prompts.PAUSING, prompts.BREATHE_FIRST,
                                                 prompts.CONTINUE_QUESTION, prompts.RESUMING,
                                                 *prompts.BREATH_CUES]
        prompt_s = [voice.render(t).size / SAMPLE_RATE for t in fixed]
        progress(f"{len(fixed)} prompts rendered with {voice.name}; {len(indices)} scenarios")
        for n, index in enumerate(indices, 1):
            plan = plan_scenario(index, args.seed, prompt_s)
            info, data = run_scenario(script, plan, config, voice, args.engine)
            results.append((info, data))
            progress(f"scenario {n}/{len(indices)} {info['name']}: {info['audio_s']:.0f} s audio in "
                     f"{info['wall_s']:.1f} s ({info['speed_x']}x; {info['cpu_speed_x']}x of CPU); turns "
                     f"{info['turns']}, done {info['done_heard']}, pause {info['pause_words_heard']}, "
                     f"flow as planned: {info['flow_as_planned']}")
    report = {
        "benchmark": "bench_session",
        "command": shlex.join([Path(sys.executable).name, *sys.argv]),
        "quick": args.quick, "seed": args.seed, "engine": args.engine, "guide_voice": voice.name,
        "machine": {"cpu_count": os.cpu_count(), "python": platform.python_version(),
                    "load_average_1_5_15": {"before": [round(x, 2) for x in load_before],
                                            "after": [round(x, 2) for x in os.getloadavg()]}},
        **build_report(results),
        "wall_s": round(time.perf_counter() - started, 1),
        "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1),
    }
    report["checks"] = report.pop("checks")  # the verdicts last, where a reader looks first
    report["meets_targets"] = report.pop("meets_targets")
    return report


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help=f"{len(QUICK)} scenarios, for a smoke run")
    p.add_argument("--scenarios", type=int, default=len(CONDITIONS),
                   help=f"scenarios in a full run (default {len(CONDITIONS)}; conditions repeat)")
    p.add_argument("--seed", type=int, default=7, help="seed for texts, speeds, gaps and barge-in times")
    p.add_argument("--engine", choices=("auto", "pocketsphinx", "vosk"), default="pocketsphinx",
                   help="recognizer (default pocketsphinx: the scenarios are English)")
    p.add_argument("--json-only", action="store_true", help="no progress lines on stderr")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    began = time.perf_counter()

    def progress(message: str) -> None:
        if not args.json_only:
            print(f"[bench {time.perf_counter() - began:5.0f}s] {message}", file=sys.stderr, flush=True)

    try:
        report = run(args, progress)
    except UserError as exc:  # e.g. --engine vosk without a model
        print(f"bench_session: {exc}", file=sys.stderr)
        return 2
    json.dump(report, sys.stdout, ensure_ascii=False, indent=2)
    print()
    for name, c in report["checks"].items():
        progress(f"{'ok  ' if c['meets'] else 'MISS'} {name}: {c['value']} (target {c['target']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
