"""Scenario files: the contract's example loads, mistakes name their line, replies render."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from voice_attune import SAMPLE_RATE
from voice_attune.asr.audiofile import write_wav
from voice_attune.errors import UserError
from voice_attune.session.scenario import load_scenario, render_reply

EXAMPLE = """\
partners: {A: Sam, B: Alex}
voice: en-us
echo: 0.3
noise: {kind: pink, snr_db: 20}
replies:
  - [{silence: 0.8}, {say: "I feel tired but okay", voice: en-us+f3}, {silence: 2.5}, {say: "I'm done"}]
  - [{wav: clips/mirror.wav}]
  - [{silence: 15}]
barge_in:
  - {during_say: 3, at: 1.2, say: "pineapple"}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def with_clip(tmp_path):
    (tmp_path / "clips").mkdir()
    write_wav(tmp_path / "clips" / "mirror.wav", np.full(8000, 1000, np.int16))
    return tmp_path


def test_the_design_example_loads(with_clip):
    scenario = load_scenario(write(with_clip, EXAMPLE))
    assert (scenario.partners.A, scenario.partners.B) == ("Sam", "Alex")
    assert scenario.noise.kind == "pink" and scenario.noise.snr_db == 20
    assert len(scenario.replies) == 3 and scenario.replies[0][1].voice == "en-us+f3"
    assert scenario.barge_in[0].during_say == 3 and scenario.barge_in[0].say == "pineapple"


def test_replies_render_with_their_silences_and_clips(with_clip):
    scenario = load_scenario(write(with_clip, EXAMPLE))
    first = render_reply(scenario, scenario.replies[0])
    assert first.size > (0.8 + 2.5) * SAMPLE_RATE
    assert not first[: int(0.8 * SAMPLE_RATE)].any()  # the silence comes first
    clip = render_reply(scenario, scenario.replies[1])
    assert clip.size == 8160 and clip[100] == 1000  # the clip, to the frame
    assert render_reply(scenario, scenario.replies[2]).size == 15 * SAMPLE_RATE


@pytest.mark.parametrize("text, line, fragment", [
    ("replies:\n  - [{silence: 1, say: hi}]\n", 2, "exactly one of silence, say or wav"),
    ("echo: 5\n", 1, "echo is 5.0"),
    ("noise: {kind: purple}\n", 1, "'noise.kind' is 'purple'; allowed: white, pink, brown, babble, talker"),
    ("replies:\n  - [{wav: missing.wav}]\n", 2, "no such clip: missing.wav"),
    ("barge_in:\n  - {during_say: 0, at: 1, say: pineapple}\n", 2, "prompts count from 1"),
    ("speakers: {A: Sam}\n", 1, "unknown key 'speakers'"),
])
def test_mistakes_name_the_line(tmp_path, text, line, fragment):
    path = write(tmp_path, text)
    with pytest.raises(UserError) as err:
        load_scenario(path)
    assert str(err.value).startswith(f"{path}:{line}: "), str(err.value)
    assert fragment in str(err.value)


@pytest.mark.parametrize("kind", ["babble", "talker"])
def test_talk_in_the_background_is_synthesized_the_same_every_time(kind):
    from voice_attune.synthetic import background

    talk = background.talk(kind, 6.0)
    assert talk.size == 6 * SAMPLE_RATE
    assert float(np.sqrt(np.mean(talk.astype(np.float64) ** 2))) == pytest.approx(1.0, rel=1e-3)
    assert np.array_equal(talk, background.talk(kind, 6.0))
    # Talk has pauses, steady noise none: one voice (a radio) falls quiet far more often than four.
    frames = talk[: talk.size // 480 * 480].reshape(-1, 480)
    quiet = float(np.mean(np.sqrt(np.mean(frames.astype(np.float64) ** 2, axis=1)) < 0.1))
    assert quiet > 0.1 if kind == "talker" else quiet < 0.1, quiet
