"""config.yaml: documented defaults load; mistakes are refused with file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from voice_attune.cli import main
from voice_attune.config import Config, load_config
from voice_attune.errors import UserError

REPO = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_config_yaml_loads_and_matches_the_defaults():
    config = load_config(REPO / "config.yaml", env={})
    assert config.source == str(REPO / "config.yaml")
    defaults = Config()
    assert config.pause_words == defaults.pause_words
    assert config.vad == defaults.vad
    assert config.spotter == defaults.spotter
    assert config.recognizer == defaults.recognizer
    assert config.voice == defaults.voice
    assert config.care == defaults.care and config.privacy == defaults.privacy
    assert config.daemon == defaults.daemon


def test_the_crisis_line_comes_from_the_country_or_your_own_words(tmp_path):
    config = load_config(write(tmp_path, "care: {country: uk}\n"), env={})
    assert "Samaritans" in config.care.line() and "116 123" in config.care.line()
    config = load_config(write(tmp_path, "care: {crisis_line: call Lifeline on 0800 543 354}\n"), env={})
    assert config.care.line() == "If you need support right now, call Lifeline on 0800 543 354."


def test_partner_names_and_several_pause_words(tmp_path):
    path = write(tmp_path, "partners: {A: Sam, B: Alex}\npause_words: [Pineapple, red balloon]\n")
    config = load_config(path, env={})
    assert (config.partners.A, config.partners.B) == ("Sam", "Alex")
    assert config.pause_words == ("pineapple", "red balloon")


def test_yes_and_no_stay_words_not_booleans(tmp_path):
    path = write(tmp_path, "partners:\n  A: yes\n  B: no\n")
    config = load_config(path, env={})
    assert (config.partners.A, config.partners.B) == ("yes", "no")


@pytest.mark.parametrize(
    "text, line, fragment",
    [
        ("language: en-us\nvad:\n  agressiveness: 2\n", 3, "unknown key 'vad.agressiveness'; allowed here: aggressiveness"),
        ("vad:\n  aggressiveness: 5\n", 2, "aggressiveness is 5; allowed: 0, 1, 2 or 3"),
        ("vad:\n  end_silence_ms: soon\n", 2, "'vad.end_silence_ms' must be a whole number, not 'soon'"),
        ("\n\nrecognizer:\n  engine: google\n", 4, "'recognizer.engine' is 'google'; allowed: auto, vosk, pocketsphinx, wyoming"),
        ("pause_words: []\n", 1, "pause_words needs at least one word"),
        ("pause_words: [stop]\n", 1, "pause word 'stop' is also the command 'stop'"),
        ("spotter:\n  sensitivity: 3\n", 2, "sensitivity is 3.0; use a number from 0 to 1"),
        ("spotter:\n  commands:\n    dance: [dance]\n", 2, "unknown command 'dance'"),
        ("partners: {A: Sam, B: sam}\n", 1, "both partners are called"),
        ("vad: [1, 2]\n", 1, "vad must be a mapping"),
        ("language: en-us\n  bad indent: [\n", 2, "YAML syntax"),
        ("\ncare:\n  country: Atlantis\n", 3, "country is 'Atlantis'; known: AU, CA, DE"),
        ("care:\n  words: []\n", 2, "words needs at least one phrase"),
        ("privacy:\n  transcripts: always\n", 2, "'privacy.transcripts' is 'always'; allowed: never, ask"),
        ("daemon:\n  schedule:\n    - {at: 7.30}\n", 3, "at is '7.30'; write a time like 07:30"),
        ("daemon:\n  schedule:\n    - {at: '07:30', days: someday}\n", 3, "days is 'someday'"),
        ("daemon:\n  start_phrases: {begin: morning}\n", 2, "start phrase 'begin' is one word"),
    ],
)
def test_mistakes_name_the_file_and_line(tmp_path, text, line, fragment):
    path = write(tmp_path, text)
    with pytest.raises(UserError) as err:
        load_config(path, env={})
    message = str(err.value)
    assert message.startswith(f"{path}:{line}: "), message
    assert fragment in message


def test_environment_overrides_model_and_devices(tmp_path):
    path = write(tmp_path, "audio:\n  input_device: '2'\n")
    config = load_config(path, env={
        "VOICE_ATTUNE_MODEL": "/opt/vosk-model",
        "VOICE_ATTUNE_INPUT_DEVICE": "USB Mic",
        "VOICE_ATTUNE_OUTPUT_DEVICE": "3",
    })
    assert config.recognizer.vosk_model == "/opt/vosk-model"
    assert config.audio.input_device == "USB Mic"
    assert config.audio.output_device == "3"


def test_commands_left_out_keep_their_defaults(tmp_path):
    path = write(tmp_path, "spotter:\n  commands:\n    done: [I'm finished]\n")
    config = load_config(path, env={})
    assert config.spotter.commands["done"] == ("i'm finished",)
    assert "more time" in config.spotter.commands["more_time"]


def test_a_bad_config_exits_2_with_one_line(tmp_path, capsys):
    path = write(tmp_path, "vad:\n  pre_roll_ms: -5\n")
    assert main(["listen", "--config", str(path), "--audio", "x.wav"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith(f"voice-attune: {path}:2: ")


def test_a_missing_config_file_is_named(tmp_path, capsys):
    missing = tmp_path / "nope.yaml"
    assert main(["listen", "--config", str(missing), "--audio", "x.wav"]) == 2
    assert f"{missing}: no such file" in capsys.readouterr().err


def test_which_settings_are_used_is_said_and_a_hidden_file_is_named(chdir_tmp, capsys):
    import os

    from voice_attune.cli import main
    from voice_attune.config import settings_line

    assert settings_line(load_config()) == ("Settings: built-in defaults (no config.yaml here or in "
                                            "~/.config/voice-attune).")
    user = Path(os.environ["XDG_CONFIG_HOME"]) / "voice-attune" / "config.yaml"
    user.parent.mkdir(parents=True)
    user.write_text("partners: {A: Ana, B: Bo}\n")
    assert settings_line(load_config()) == f"Settings: {user}."
    (chdir_tmp / "config.yaml").write_text("partners: {A: Kim, B: Lee}\n")
    config = load_config()
    assert config.partners.A == "Kim"
    assert settings_line(config) == f"Settings: config.yaml (it hides {user}: --config chooses)."
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "Here and now that is: config.yaml." in capsys.readouterr().out
