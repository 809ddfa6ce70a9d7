"""`voice-attune list`, and the couple's own folder of scripts."""

from __future__ import annotations

from pathlib import Path

import pytest

from voice_attune.cli import main
from voice_attune.config import Config
from voice_attune.script.loader import load_script

MINE = """\
title: Our Sunday talk
description: A slow talk about the week, just for us.
minutes: 10
steps:
  - say: "Hello {A} and {B}. To pause, say {pause_word}."
  - turn: A
"""


@pytest.fixture
def own(chdir_tmp: Path) -> Path:
    """A config whose scripts_dir holds one good script and one with a typo."""
    folder = chdir_tmp / "mine"
    folder.mkdir()
    (folder / "sunday.yaml").write_text(MINE)
    (folder / "broken.yaml").write_text(MINE.replace("minutes: 10", "minuets: 10"))
    (chdir_tmp / "config.yaml").write_text(f"scripts_dir: {folder}\n")
    return folder


def test_list_shows_bundled_and_own_scripts_with_their_length(own: Path, capsys: pytest.CaptureFixture):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "daily-checkin" in out and "3-6 min" in out
    assert "Each of you says how you feel today" in out
    sunday = next(line for line in out.splitlines() if "sunday" in line)
    assert "10 min" in sunday and "A slow talk about the week" in sunday
    broken = next(line for line in out.splitlines() if "broken" in line)
    assert f"{own / 'broken.yaml'}:1: the script needs: minutes" in broken


def test_an_own_script_runs_and_validates_by_name(own: Path, capsys: pytest.CaptureFixture):
    config = Config(scripts_dir=str(own))
    assert load_script("sunday", config).title == "Our Sunday talk"
    assert main(["validate", "sunday", "broken"]) == 2
    err = capsys.readouterr().err
    assert "broken.yaml:3: unknown key 'minuets'" in err


def test_an_unknown_name_lists_what_there_is(own: Path, capsys: pytest.CaptureFixture):
    assert main(["validate", "saturday"]) == 2
    err = capsys.readouterr().err
    assert "no script file or library script called 'saturday'" in err
    assert "daily-checkin" in err and "sunday" in err
