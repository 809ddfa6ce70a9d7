"""The kitchen device's checks: `devices`, `mic-test`, `speaker-test`, install_pi.sh and its unit.

This machine has no sound card: the real sounddevice lists nothing, and stand-in sounddevice
modules play a Pi with a USB microphone, a missing device and a microphone pulled out mid-test.
"""

from __future__ import annotations

import argparse
import importlib.abc
import io
import math
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import fake_sounddevice
from voice_attune import SAMPLE_RATE
from voice_attune.asr.audiofile import write_wav
from voice_attune.cli import main
from voice_attune.commands.speaker_test import GAP_S, SENTENCE
from voice_attune.config import Config
from voice_attune.config.voice import VoiceSettings
from voice_attune.synthetic.compose import Composition, add_noise
from voice_attune.synthetic.speech import piper_available
from voice_attune.voice.earcons import TURN_START, earcon
from voice_attune.voice.speaking import Voice

ROOT = Path(__file__).resolve().parents[1]
INSTALL = ROOT / "scripts" / "install_pi.sh"
UNIT = ROOT / "scripts" / "voice-attune.service"
VOICE = "piper" if piper_available() else "en-us"
# What install_pi.sh installs on a Pi: the extras of these that pyproject.toml declares.
_OPTIONAL = (ROOT / "pyproject.toml").read_text().split("[project.optional-dependencies]")[1].split("\n[")[0]
EXTRAS = ",".join(e for e in ("piper", "gpio", "wyoming", "charts") if re.search(rf"^{e}\s*=", _OPTIONAL, re.M))
SAID = "Good morning. Would you like your morning check in?"


# -- stand-ins for PortAudio ------------------------------------------------------------------


PI = [
    {"name": "bcm2835 Headphones: - (hw:0,0)", "max_input_channels": 0, "max_output_channels": 8},
    {"name": "USB PnP Sound Device: Audio (hw:1,0)", "max_input_channels": 1, "max_output_channels": 0,
     "default_samplerate": 44100.0},
    {"name": "Jabra SPEAK 410 USB: Audio (hw:2,0)", "max_input_channels": 1, "max_output_channels": 2,
     "default_samplerate": 16000.0},
    {"name": "default", "max_input_channels": 32, "max_output_channels": 32},
]


@pytest.fixture
def pi(monkeypatch: pytest.MonkeyPatch):
    """A Raspberry Pi with two USB devices; the default is the system mixer ("default")."""
    sd = fake_sounddevice([dict(d) for d in PI], default=(3, 3))
    monkeypatch.setitem(sys.modules, "sounddevice", sd)
    return sd


@pytest.fixture
def unplugged(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(sys.modules, "sounddevice", fake_sounddevice([]))


def one_error_line(capsys: pytest.CaptureFixture) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert "Traceback" not in err[0]
    return err[0]


# -- devices ----------------------------------------------------------------------------------


def test_devices_on_a_machine_without_sound_devices_says_so_kindly(chdir_tmp, capsys):
    sd = pytest.importorskip("sounddevice")  # the real one: this machine has no sound card
    if len(sd.query_devices()):
        pytest.skip("this machine has sound devices")
    assert main(["devices"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("No sound devices found")
    assert "arecord -l" in out and "aplay -l" in out and "audio group" in out


def test_devices_marks_the_default_and_the_configured_microphone(pi, chdir_tmp, capsys, monkeypatch):
    monkeypatch.setenv("VOICE_ATTUNE_INPUT_DEVICE", "jabra")
    assert main(["devices"]) == 0
    out = capsys.readouterr().out
    mics, speakers = out.split("Speakers (output devices):")
    assert "bcm2835" not in mics and "USB PnP" in mics  # an output-only card is no microphone
    jabra = next(line for line in mics.splitlines() if "Jabra" in line)
    assert jabra.startswith("  *  2") and "[config]" in jabra and "[default]" not in jabra
    mixer_in = next(line for line in mics.splitlines() if "default" in line and "ALSA" in line)
    assert mixer_in.startswith("     3") and mixer_in.endswith("[default]")
    mixer_out = next(line for line in speakers.splitlines() if "default" in line and "ALSA" in line)
    assert mixer_out.startswith("  *  3") and "[config]" not in mixer_out
    assert "USB PnP" not in speakers
    assert "microphone: device 2 (Jabra SPEAK 410 USB: Audio (hw:2,0)), from audio.input_device" in out
    assert "speaker: device 3 (default), the system default" in out


def test_devices_says_when_the_configured_microphone_is_not_there(pi, chdir_tmp, capsys):
    (chdir_tmp / "config.yaml").write_text("audio:\n  input_device: Blue Yeti\n")
    assert main(["devices"]) == 0
    out = capsys.readouterr().out
    assert "microphone: none! audio.input_device is 'Blue Yeti': No input device matching" in out
    assert not [line for line in out.splitlines() if line.startswith("  *") and "hw:" in line and "Jabra" in line]


def test_devices_without_portaudio_is_one_line(chdir_tmp, capsys, monkeypatch):
    class NoPortAudio(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name == "sounddevice":
                raise OSError("PortAudio library not found")
            return None

    monkeypatch.delitem(sys.modules, "sounddevice", raising=False)
    monkeypatch.setattr(sys, "meta_path", [NoPortAudio(), *sys.meta_path])
    assert main(["devices"]) == 2
    assert "apt-get install libportaudio2" in one_error_line(capsys)


# -- mic-test ---------------------------------------------------------------------------------


def meter(capsys, path: Path, *extra: str) -> tuple[list[str], str]:
    assert main(["mic-test", "--audio", str(path), *extra]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("Summary of"))
    return lines[:at], "\n".join(lines[at:])


def compose(path: Path, gain: float = 1.0, before: float = 1.5, after: float = 2.0) -> Composition:
    comp = Composition().silence(before).say(SAID, VOICE, gain=gain).silence(after)
    write_wav(path, comp.audio())
    return comp


def test_mic_test_hears_voice_exactly_where_the_speech_was_put(chdir_tmp, capsys):
    comp = compose(chdir_tmp / "talk.wav")
    speech = comp.placed[0]
    ticks, summary = meter(capsys, chdir_tmp / "talk.wav")

    stretches = [tuple(map(float, m)) for m in re.findall(r"(\d+\.\d+)-(\d+\.\d+) s", summary)]
    assert len(stretches) == 1, summary
    (start, end), = stretches
    assert start == pytest.approx(speech.start, abs=0.1)
    assert end == pytest.approx(speech.end, abs=0.15)
    voiced = float(re.search(r"voice heard\s+(\d+\.\d+) s of (\d+\.\d+) s \((\d+)%\)", summary).group(1))
    total = float(re.search(r"voice heard\s+\d+\.\d+ s of (\d+\.\d+) s", summary).group(1))
    share = int(re.search(r"\((\d+)%\)", summary).group(1))
    assert total == pytest.approx(comp.duration, abs=0.03)
    assert voiced == pytest.approx(speech.end - speech.start, abs=0.2)
    assert share == pytest.approx(100 * (speech.end - speech.start) / comp.duration, abs=4)

    peak = np.abs(comp.audio().astype(np.int32)).max()
    assert f"peak level    {20 * math.log10(peak / 32768):.1f} dBFS (no clipping)" in summary
    assert "background    silent (digital zero)" in summary
    assert "Good: your voice is" in summary

    # The meter: about ten lines a second, "voice" only while there is speech.
    times = [float(line.split()[0]) for line in ticks]
    assert len(ticks) == pytest.approx(comp.duration / 0.09, abs=2)
    assert np.allclose(np.diff(times[:-1]), 0.09) and 0 < times[-1] - times[-2] <= 0.09
    for t, line in zip(times, ticks):
        if t < speech.start - 0.03 or t > speech.end + 0.12:
            assert not line.endswith("voice"), line
            assert "-90.0 dBFS" in line
    inside = [line for t, line in zip(times, ticks) if speech.start + 0.25 < t < speech.end - 0.05]
    assert sum(line.endswith("voice") for line in inside) >= 0.9 * len(inside)


def test_mic_test_seconds_limits_how_much_is_measured(chdir_tmp, capsys):
    compose(chdir_tmp / "talk.wav")
    ticks, summary = meter(capsys, chdir_tmp / "talk.wav", "--seconds", "1")
    assert summary.startswith("Summary of 1.0 s")
    assert len(ticks) == 12 and ticks[-1].startswith("  1.02 s")  # 34 frames: 11 whole readings and a third
    assert "voice heard   none in 1.02 s (0%)" in summary


@pytest.mark.parametrize("gain, hint", [
    (0.05, "Too quiet: your voice reached only -4"),
    (0.01, "No voice was heard"),
    (4.0, "Too loud: the microphone clipped"),
])
def test_mic_test_advises_on_a_quiet_or_clipping_microphone(chdir_tmp, capsys, gain, hint):
    compose(chdir_tmp / "talk.wav", gain=gain, before=1.0, after=1.0)
    _, summary = meter(capsys, chdir_tmp / "talk.wav")
    assert hint in summary
    assert "Good:" not in summary
    assert ("samples clipped" in summary) == (gain > 1)


def test_mic_test_says_when_the_room_is_noisy(chdir_tmp, capsys):
    comp = Composition().silence(1.0).say(SAID, VOICE).silence(1.0)
    write_wav(chdir_tmp / "noisy.wav", add_noise(comp.audio(), "pink", snr_db=10))
    _, summary = meter(capsys, chdir_tmp / "noisy.wav")
    assert "The room is noisy" in summary


@pytest.mark.parametrize("content, reason", [
    (b"RIFF\x24\x00\x00\x00WAVEfmt ", "cut short"),
    (b"hello, not audio at all", "not a recording that can be read"),
    (b"", "empty"),
])
def test_a_corrupt_wav_is_one_line_and_exit_2(chdir_tmp, capsys, content, reason):
    (chdir_tmp / "bad.wav").write_bytes(content)
    assert main(["mic-test", "--audio", "bad.wav"]) == 2
    line = one_error_line(capsys)
    assert line.startswith("voice-attune: bad.wav: ") and reason in line


def test_mic_test_without_a_microphone_is_one_line(unplugged, chdir_tmp, capsys):
    assert main(["mic-test"]) == 2
    line = one_error_line(capsys)
    assert "no usable microphone" in line


def test_a_microphone_pulled_out_mid_test_is_one_line(monkeypatch, chdir_tmp, capsys):
    monkeypatch.setitem(sys.modules, "sounddevice", fake_sounddevice([dict(d) for d in PI], (2, 2), stalls=True))
    assert main(["mic-test", "--seconds", "3"]) == 2
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) > 5  # the meter ran until the audio stopped
    assert captured.err.strip() == "voice-attune: the microphone stopped delivering audio (unplugged?)"


def test_on_a_terminal_the_meter_is_one_line_that_updates(pi, chdir_tmp):
    from voice_attune.commands import mic_test

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    out = Terminal()
    args = argparse.Namespace(audio=None, seconds=0.5)
    assert mic_test.run(args, Config(), out) == 0
    text = out.getvalue()
    meter_part = text.split("\n")[1]  # after the "Listening..." line, up to the summary
    assert meter_part.count("\r") == 6 and meter_part.endswith("\033[K")
    assert "Summary of 0.5 s from the microphone (the default input)" in text


# -- speaker-test -----------------------------------------------------------------------------


def test_speaker_test_writes_the_chime_then_the_sentence(chdir_tmp, capsys):
    assert main(["speaker-test", "--out", "check.wav"]) == 0
    assert capsys.readouterr().out.startswith("Wrote ")
    with wave.open(str(chdir_tmp / "check.wav")) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (SAMPLE_RATE, 1, 2)
        pcm = np.frombuffer(w.readframes(w.getnframes()), np.int16)
    config = Config()
    chime = earcon(TURN_START, config.voice.volume)
    sentence = Voice(config.voice).render(SENTENCE.format(A="Partner A", B="Partner B"))
    gap = int(GAP_S * SAMPLE_RATE)
    assert pcm.size == chime.size + gap + sentence.size
    assert np.array_equal(pcm[:chime.size], chime)
    assert not pcm[chime.size:chime.size + gap].any()
    spoken = pcm[chime.size + gap:].astype(np.float64)
    assert np.sqrt(np.mean(spoken ** 2)) > 500  # a voice, not silence
    assert np.abs(chime).max() > 0.1 * 32767


def test_speaker_test_names_the_partners_from_config(chdir_tmp, capsys):
    (chdir_tmp / "config.yaml").write_text("partners: {A: Sam, B: Alex}\nvoice: {engine: pyttsx3}\n")
    assert main(["speaker-test", "--out", "check.wav"]) == 0
    default = Voice(VoiceSettings(engine="pyttsx3")).render(SENTENCE.format(A="Sam", B="Alex"))
    with wave.open(str(chdir_tmp / "check.wav")) as w:
        assert w.getnframes() == earcon(TURN_START, 0.8).size + int(GAP_S * SAMPLE_RATE) + default.size


def test_speaker_test_without_a_speaker_is_one_line(unplugged, chdir_tmp, capsys):
    assert main(["speaker-test"]) == 2
    assert "no usable speaker" in one_error_line(capsys)


def test_speaker_test_into_a_missing_folder_is_one_line(chdir_tmp, capsys):
    assert main(["speaker-test", "--out", "nowhere/check.wav"]) == 2
    assert one_error_line(capsys).startswith("voice-attune: nowhere/check.wav: cannot write")


# -- install_pi.sh ----------------------------------------------------------------------------

STUBS = {
    # Debian: every package missing, unless STUB_DPKG=installed.
    "dpkg-query": '[[ "${STUB_DPKG:-}" == installed ]] && printf "install ok installed" && exit 0; exit 1',
    "apt-get": 'echo "apt-get $*" >>"$STUB_LOG"',
    "sudo": 'echo "sudo $*" >>"$STUB_LOG"; "$@"',
    "loginctl": """case "$1" in
  show-user) [[ -f "$STUB_STATE/linger" ]] && echo yes || echo no ;;
  enable-linger) echo "loginctl $*" >>"$STUB_LOG"; touch "$STUB_STATE/linger" ;;
  *) exit 1 ;;
esac""",
    "systemctl": """[[ "$1" == --user && -z "${STUB_NO_BUS:-}" ]] || exit 1
shift
case "$1" in
  show-environment) exit 0 ;;
  is-enabled) [[ -f "$STUB_STATE/enabled" ]] ;;
  is-active) [[ -f "$STUB_STATE/active" ]] ;;
  daemon-reload|restart) echo "systemctl --user $*" >>"$STUB_LOG" ;;
  enable) echo "systemctl --user $*" >>"$STUB_LOG"; touch "$STUB_STATE/enabled" "$STUB_STATE/active" ;;
  *) exit 1 ;;
esac""",
    # A Python whose venvs hold a pip that installs a voice-attune that downloads a model.
    "python3": r"""[[ "$1 $2" == "-m venv" ]] || exit 1
echo "python3 $*" >>"$STUB_LOG"
dir="${@: -1}"
mkdir -p "$dir/bin"
cat >"$dir/bin/python" <<'PY'
#!/usr/bin/env bash
[[ "$1" == -c ]] && exit 0
[[ "$1 $2 $3" == "-m pip install" ]] || exit 1
echo "pip install ${*:4}" >>"$STUB_LOG"
[[ -n "${STUB_NO_PIPER:-}" && "$*" == *piper* ]] && exit 1
cat >"$(dirname "$0")/voice-attune" <<'VA'
#!/usr/bin/env bash
case "$1 $2" in
  "models verify") [[ -f "$STUB_STATE/model" ]] ;;
  "models download") echo "models download (in $PWD)" >>"$STUB_LOG"; [[ -z "${STUB_OFFLINE:-}" ]] || exit 1
                     touch "$STUB_STATE/model" ;;
  *) exit 1 ;;
esac
VA
chmod +x "$(dirname "$0")/voice-attune"
PY
chmod +x "$dir/bin/python"
""",
}


@pytest.fixture
def pi_home(tmp_path: Path):
    """A temporary HOME and stand-ins for apt, systemd, loginctl and Python; returns run(*args)."""
    home, bin_dir, state = tmp_path / "home", tmp_path / "bin", tmp_path / "state"
    for folder in (home, bin_dir, state):
        folder.mkdir()
    for name, body in STUBS.items():
        (bin_dir / name).write_text("#!/usr/bin/env bash\n" + body + "\n")
        (bin_dir / name).chmod(0o755)
    log = tmp_path / "calls.log"
    log.touch()
    env = {k: v for k, v in os.environ.items()
           if k not in ("SUDO_USER", "VOICE_ATTUNE_VENV", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_RUNTIME_DIR")}
    env.update(HOME=str(home), PATH=f"{bin_dir}:{env['PATH']}", STUB_LOG=str(log), STUB_STATE=str(state))

    def run(*args: str, as_root_asks: bool = False, stdin=subprocess.DEVNULL,
            **extra_env: str) -> tuple[str, list[str]]:
        """``as_root_asks``: as root, leave out --linger-root, so lingering is asked about."""
        before = log.read_text().splitlines()
        if os.geteuid() == 0 and not as_root_asks:
            args = ("--linger-root", *args)  # these tests are about everything else
        result = subprocess.run(["bash", str(INSTALL), "--python", str(bin_dir / "python3"), *args],
                                env={**env, **extra_env}, capture_output=True, text=True, timeout=60,
                                stdin=stdin)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout + result.stderr, log.read_text().splitlines()[len(before):]

    run.home = home  # type: ignore[attr-defined]
    run.lingering = Path(f"/var/lib/systemd/linger/{pwd.getpwuid(os.getuid()).pw_name}").exists()  # type: ignore[attr-defined]
    return run


def test_install_script_is_valid_bash():
    result = subprocess.run(["bash", "-n", str(INSTALL)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_install_script_help_teaches_the_steps():
    result = subprocess.run(["bash", str(INSTALL), "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    for words in ("--dry-run", "--venv DIR", "espeak-ng", "libportaudio2", "enable-linger", "models download"):
        assert words in result.stdout


def test_install_script_refuses_an_unknown_option():
    result = subprocess.run(["bash", str(INSTALL), "--frobnicate"], capture_output=True, text=True)
    assert result.returncode == 2 and "unknown option '--frobnicate'" in result.stderr


def test_dry_run_lists_every_step_and_changes_nothing(pi_home):
    first, calls = pi_home("--dry-run", STUB_NO_BUS="1")
    second, _ = pi_home("--dry-run", STUB_NO_BUS="1")
    assert first == second
    assert calls == [] and not any(pi_home.home.iterdir())
    venv = pi_home.home / ".local/share/voice-attune/venv"
    for expected in (
        "[1/7] Debian packages",
        "apt-get install -y -qq --no-install-recommends python3 python3-venv espeak-ng libportaudio2",
        f"python3 -m venv {venv}",
        f"{venv}/bin/python -m pip install --prefer-binary '{ROOT}[{EXTRAS}]'",
        f"{venv}/bin/voice-attune models download",
        f"would write {pi_home.home}/.config/systemd/user/voice-attune.service",
        "ExecStart=%h/.local/share/voice-attune/venv/bin/voice-attune daemon",
        "systemctl --user daemon-reload",
        "systemctl --user enable --now voice-attune.service",
        "[7/7] Service voice-attune.service",
        "nothing was changed",
    ):
        assert expected in first, expected
    assert pi_home.lingering or "loginctl enable-linger" in first


def test_dry_run_needs_no_root(pi_home, tmp_path):
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("runs the dry run as nobody, which needs root and setpriv")
    # pytest's temp folders are private to root: nobody gets a world-readable one.
    shared = Path(tempfile.mkdtemp(prefix="voice-attune-nobody-"))
    try:
        shared.chmod(0o755)
        shutil.copytree(tmp_path / "bin", shared / "bin")
        (shared / "home").mkdir(mode=0o777)
        result = subprocess.run(
            ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "bash", str(INSTALL), "--dry-run"],
            env={"PATH": f"{shared / 'bin'}:/usr/bin:/bin", "HOME": str(shared / "home"), "STUB_NO_BUS": "1"},
            capture_output=True, text=True, timeout=60)
    finally:
        shutil.rmtree(shared)
    if result.returncode != 0 and "Permission denied" in result.stderr:
        pytest.skip(f"nobody cannot read the checkout: {result.stderr.strip()}")
    assert result.returncode == 0, result.stderr
    assert "would run: sudo env DEBIAN_FRONTEND=noninteractive apt-get install" in result.stdout
    assert "Lingering for nobody" in result.stdout


def test_install_twice_changes_nothing_the_second_time(pi_home):
    first, calls = pi_home(STUB_DPKG="installed")
    venv = pi_home.home / ".local/share/voice-attune/venv"
    assert calls[0] == f"python3 -m venv {venv}"
    assert f"pip install --prefer-binary {ROOT}[{EXTRAS}]" in calls
    assert f"models download (in {pi_home.home})" in calls
    assert "systemctl --user daemon-reload" in calls
    assert pi_home.lingering or f"loginctl enable-linger {pwd.getpwuid(os.getuid()).pw_name}" in calls
    assert calls[-1] == "systemctl --user enable --now voice-attune.service"
    assert "Done (" in first
    unit = (pi_home.home / ".config/systemd/user/voice-attune.service").read_text()
    assert unit == UNIT.read_text()  # the default venv: the unit as shipped
    assert os.readlink(pi_home.home / ".local/bin/voice-attune") == f"{venv}/bin/voice-attune"

    second, calls = pi_home(STUB_DPKG="installed")
    assert calls == []
    assert "Nothing to change: voice-attune was already installed, enabled and running." in second
    assert second.count("      ok: ") >= 7


def test_without_piper_wheels_or_internet_the_install_still_ends_running(pi_home):
    out, calls = pi_home(STUB_DPKG="installed", STUB_NO_PIPER="1", STUB_OFFLINE="1")
    without = ",".join(e for e in EXTRAS.split(",") if e != "piper")
    assert f"pip install --prefer-binary {ROOT}{f'[{without}]' if without else ''}" in calls
    assert "warning: installing with Piper failed" in out
    assert "warning: could not download the Vosk model" in out
    assert calls[-1] == "systemctl --user enable --now voice-attune.service"
    # Piper is not retried on every run; the model is, as it may work now.
    _, calls = pi_home(STUB_DPKG="installed", STUB_NO_PIPER="1")
    assert calls == [f"models download (in {pi_home.home})"]


def test_a_changed_unit_is_reinstalled_reloaded_and_restarted(pi_home):
    pi_home(STUB_DPKG="installed")
    unit = pi_home.home / ".config/systemd/user/voice-attune.service"
    unit.write_text(unit.read_text().replace("RestartSec=3", "RestartSec=30"))
    out, calls = pi_home(STUB_DPKG="installed")
    assert calls == ["systemctl --user daemon-reload", "systemctl --user restart voice-attune.service"]
    assert unit.read_text() == UNIT.read_text()


def test_a_venv_elsewhere_is_written_into_the_unit(pi_home, tmp_path):
    elsewhere = tmp_path / "opt" / "va"
    pi_home("--venv", str(elsewhere), STUB_DPKG="installed")
    unit = (pi_home.home / ".config/systemd/user/voice-attune.service").read_text()
    assert f"ExecStart={elsewhere}/bin/voice-attune daemon" in unit
    assert "%h/.local/share/voice-attune/venv" not in unit


# -- install_pi.sh and the network: a Wyoming server ---------------------------------------------


def installed_unit(pi_home) -> Path:
    return pi_home.home / ".config/systemd/user/voice-attune.service"


@pytest.mark.parametrize("place, settings, allowed", [
    (".config/voice-attune/config.yaml",
     "recognizer: {engine: wyoming, uri: tcp://192.168.1.20:10300}\n"
     "voice:\n  engine: wyoming\n  uri: 'tcp://192.168.1.20:10200'   # wyoming-piper\n"
     "# recognizer: {engine: wyoming, uri: tcp://10.0.0.9:10300}  (an old one, commented out)\n",
     "192.168.1.20"),
    ("config.yaml", 'recognizer: {engine: wyoming, uri: "tcp://localhost:10300"}\n', "localhost"),
    ("config.yaml", "voice: {engine: wyoming, uri: tcp://[::1]:10200}\n", "::1"),
], ids=["lan-address", "localhost", "ipv6"])
def test_a_wyoming_server_in_the_config_is_the_one_address_let_through(place, settings, allowed, pi_home):
    (pi_home.home / place).parent.mkdir(parents=True, exist_ok=True)
    (pi_home.home / place).write_text(settings)
    out, _ = pi_home(STUB_DPKG="installed")
    service = unit_settings(installed_unit(pi_home).read_text())["Service"]
    assert service["IPAddressDeny"] == ["any"] and service["IPAddressAllow"] == [allowed]
    assert service["PrivateNetwork"] == ["no"]
    assert service["RestrictAddressFamilies"] == ["AF_UNIX AF_INET AF_INET6"]
    assert f"IPAddressAllow={allowed}" in out
    # nothing else of the sandbox moved
    shipped = unit_settings(UNIT.read_text())["Service"]
    changed = {key for key in shipped.keys() | service.keys() if shipped.get(key) != service.get(key)}
    assert changed == {"IPAddressAllow", "PrivateNetwork", "RestrictAddressFamilies"}


def test_without_a_wyoming_server_the_service_stays_offline(pi_home):
    settings = pi_home.home / ".config/voice-attune/config.yaml"
    settings.parent.mkdir(parents=True)
    settings.write_text("recognizer: {engine: vosk}  # tcp:// appears only in this comment\n")
    pi_home(STUB_DPKG="installed")
    assert installed_unit(pi_home).read_text() == UNIT.read_text()


def test_a_wyoming_server_without_an_address_is_said_and_the_service_stays_offline(pi_home):
    settings = pi_home.home / ".config/voice-attune/config.yaml"
    settings.parent.mkdir(parents=True)
    settings.write_text("recognizer: {engine: wyoming, uri: tcp://no-such-host.invalid:10300}\n")
    out, _ = pi_home(STUB_DPKG="installed")
    assert "'no-such-host.invalid' has no address here" in out
    assert installed_unit(pi_home).read_text() == UNIT.read_text()


def test_the_data_folder_the_sandbox_lets_the_service_write_is_made(pi_home, tmp_path):
    pi_home("--venv", str(tmp_path / "opt" / "va"), STUB_DPKG="installed")
    assert (pi_home.home / ".local/share/voice-attune").is_dir()


# -- install_pi.sh as root: lingering -----------------------------------------------------------

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="runs install_pi.sh as root, which needs root")
ROOT_NAME = pwd.getpwuid(0).pw_name


@needs_root
def test_as_root_lingering_is_not_turned_on_unasked_and_the_rest_is_installed(pi_home):
    if pi_home.lingering:
        pytest.skip("root lingers on this machine already")
    out, calls = pi_home(STUB_DPKG="installed", as_root_asks=True)
    assert "warning: you are root: lingering would start voice-attune as root at every boot" in out
    assert f"loginctl enable-linger {ROOT_NAME}" not in calls
    assert calls[-1] == "systemctl --user enable --now voice-attune.service"
    assert "does not start at boot (lingering is off)" in out


@needs_root
@pytest.mark.parametrize("answer, lingers", [("y\n", True), ("\n", False)])
def test_as_root_on_a_terminal_lingering_waits_for_a_yes(answer, lingers, pi_home):
    import pty

    if pi_home.lingering:
        pytest.skip("root lingers on this machine already")
    terminal, stdin = pty.openpty()
    os.write(terminal, answer.encode())
    try:
        out, calls = pi_home(STUB_DPKG="installed", as_root_asks=True, stdin=stdin)
    finally:
        os.close(terminal)
        os.close(stdin)
    assert "Turn on lingering for root anyway? [y/N]" in out
    assert (f"loginctl enable-linger {ROOT_NAME}" in calls) == lingers


@needs_root
def test_as_root_a_dry_run_says_it_would_ask_and_linger_root_does_not_ask(pi_home):
    if pi_home.lingering:
        pytest.skip("root lingers on this machine already")
    out, _ = pi_home("--dry-run", STUB_NO_BUS="1", as_root_asks=True)
    assert f"would ask before running: loginctl enable-linger {ROOT_NAME}" in out
    out, calls = pi_home("--linger-root", STUB_DPKG="installed", as_root_asks=True)
    assert f"loginctl enable-linger {ROOT_NAME}" in calls and "[y/N]" not in out
    assert "warning: you are root" not in out


# -- the systemd unit -------------------------------------------------------------------------


def unit_settings(text: str) -> dict[str, dict[str, list[str]]]:
    """A unit file as systemd reads it: each section's keys with every value given, in order
    (DeviceAllow=, SystemCallFilter= and Environment= come more than once)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def test_the_unit_starts_the_daemon_at_boot_and_restarts_it_on_failure():
    unit = unit_settings(UNIT.read_text())
    service = unit["Service"]
    [start] = service["ExecStart"]
    assert start.startswith("%h/.local/share/voice-attune/venv/") and start.endswith("/bin/voice-attune daemon")
    assert service["Restart"] == ["on-failure"] and service["RestartSec"] == ["3"]
    assert service["KillSignal"] == ["SIGTERM"] and service["TimeoutStopSec"] == ["5"]
    assert "PYTHONUNBUFFERED=1" in service["Environment"]
    assert unit["Install"]["WantedBy"] == ["default.target"]


def test_the_unit_waits_for_readiness_keeps_a_watchdog_and_starts_after_the_sound_server():
    unit = unit_settings(UNIT.read_text())
    service = unit["Service"]
    assert service["Type"] == ["notify"] and service["NotifyAccess"] == ["main"]
    assert service["WatchdogSec"] == ["60s"]
    # on a Pi without a desktop, the user's PipeWire starts for this service, before it
    sound_server = ["pipewire.service", "pipewire-pulse.service", "wireplumber.service"]
    assert unit["Unit"]["After"][0].split() == sound_server + ["sound.target"]
    assert unit["Unit"]["Wants"][0].split() == sound_server


def test_the_sandbox_leaves_the_sound_devices_and_the_data_folder_reachable():
    service = unit_settings(UNIT.read_text())["Service"]

    def setting(key: str, default: str = "") -> str:
        return service.get(key, [default])[-1]

    assert setting("PrivateUsers") == "yes"  # without it a user manager applies no namespace at all
    assert setting("NoNewPrivileges") == "yes" and setting("PrivateTmp") == "yes"
    assert setting("ProtectSystem") == "strict"
    # /run/user holds the PipeWire and PulseAudio sockets: read-only reaches them, yes/tmpfs hide them
    assert setting("ProtectHome") == "read-only"
    assert setting("ReadWritePaths").lstrip("-") == "%h/.local/share/voice-attune"
    assert setting("ReadOnlyPaths").lstrip("-") == "%h/.local/share/voice-attune/venv"  # its own code
    assert setting("CacheDirectory") == "voice-attune"  # ~/.cache/voice-attune: the prompt cache
    assert setting("PrivateDevices", "no") == "no"  # would take /dev/snd and /dev/gpiochip* away
    assert {"char-alsa rw", "char-gpiochip rw"} <= set(service["DeviceAllow"])
    assert "MemoryDenyWriteExecute" not in service  # see the next test
    assert setting("UMask") == "0077"
    # offline: no network namespace of its own, local sockets only; install_pi.sh opens a Wyoming host
    assert setting("PrivateNetwork") == "yes" and setting("RestrictAddressFamilies") == "AF_UNIX"
    assert setting("IPAddressDeny") == "any" and "IPAddressAllow" not in service


def test_sound_streams_need_memory_that_is_writable_and_executable():
    """Why the unit leaves MemoryDenyWriteExecute= off: under the kernel's own version of it
    (PR_SET_MDWE, Linux 6.3) sounddevice cannot make the callback its streams run on."""
    pytest.importorskip("sounddevice")
    probe = """
import ctypes, sys
if ctypes.CDLL(None, use_errno=True).prctl(65, 1, 0, 0, 0) != 0:
    sys.exit(3)
import sounddevice
try:
    sounddevice._ffi.callback("int(int)")(lambda x: x)
except MemoryError:
    sys.exit(0)
sys.exit(1)
"""
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    if result.returncode == 3:
        pytest.skip("this kernel has no PR_SET_MDWE (Linux 6.3 and later)")
    assert result.returncode == 0, "stream callbacks work without W+X memory: MemoryDenyWriteExecute=yes may go in"


def analyze(*args: str, user: bool, tmp_path: Path) -> subprocess.CompletedProcess:
    """systemd-analyze ARGS, as the system manager or a user's (which wants a runtime folder)."""
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed")
    env = dict(os.environ)
    if user:
        runtime = tmp_path / "runtime"
        runtime.mkdir(mode=0o700, exist_ok=True)
        env["XDG_RUNTIME_DIR"] = str(runtime)
        args = ("--user", *args)
    result = subprocess.run(["systemd-analyze", *args], capture_output=True, text=True, timeout=60, env=env)
    if "Failed to initialize manager" in result.stderr:
        pytest.skip(f"systemd-analyze cannot run here: {result.stderr.strip()}")
    return result


def exposure(unit: Path, user: bool, tmp_path: Path) -> float:
    result = analyze("security", "--offline=true", str(unit), user=user, tmp_path=tmp_path)
    found = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", result.stdout)
    assert found, result.stdout + result.stderr
    return float(found.group(1))


@pytest.mark.parametrize("user", [False, True], ids=["system", "user"])
def test_systemd_rates_the_unit_at_most_4_of_10(user, tmp_path):
    assert exposure(UNIT, user, tmp_path) <= 4.0


@pytest.mark.parametrize("user", [False, True], ids=["system", "user"])
def test_systemd_rates_the_unit_with_a_wyoming_server_let_through_at_most_4_of_10(user, pi_home, tmp_path):
    settings = pi_home.home / ".config/voice-attune/config.yaml"
    settings.parent.mkdir(parents=True)
    settings.write_text("recognizer: {engine: wyoming, uri: tcp://192.168.1.20:10300}\n")
    pi_home(STUB_DPKG="installed")
    assert "IPAddressAllow=192.168.1.20" in installed_unit(pi_home).read_text()
    assert exposure(installed_unit(pi_home), user, tmp_path) <= 4.0


@pytest.mark.parametrize("user", [False, True], ids=["system", "user"])
def test_systemd_accepts_the_unit(user, tmp_path):
    # verify insists that ExecStart exists: point it at a stand-in, as install_pi.sh would.
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "voice-attune").write_text("#!/bin/sh\n")
    (venv / "bin" / "voice-attune").chmod(0o755)
    unit = tmp_path / "voice-attune.service"
    unit.write_text(UNIT.read_text().replace("%h/.local/share/voice-attune/venv", str(venv)))
    result = analyze("verify", str(unit), user=user, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert str(unit) not in result.stderr, result.stderr  # no warnings about our unit (unknown keys...)
