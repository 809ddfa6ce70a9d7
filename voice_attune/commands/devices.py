"""`voice-attune devices`: the microphones and speakers PortAudio sees, and which ones are used."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any, TextIO

from voice_attune.config import AudioSettings, Config
from voice_attune.devices import Kind, import_sounddevice, parse_device
from voice_attune.errors import one_line

DESCRIPTION = """\
List the microphones (input devices) and speakers (output devices) this computer offers, as
PortAudio sees them. The system default is marked [default], the one chosen in config.yaml
(audio.input_device / audio.output_device) is marked [config], and a * starts the line of the
device voice-attune will actually use.

Choose a device in config.yaml by its number or by part of its name:
  audio:
    input_device: "USB"       # any device whose name contains USB
    output_device: 0          # device number 0
Names are steadier than numbers: numbers can change when devices are plugged in or out.
Environment variables VOICE_ATTUNE_INPUT_DEVICE and VOICE_ATTUNE_OUTPUT_DEVICE override both.
"""

EPILOG = """\
then:
  voice-attune mic-test        a live level meter: is the microphone loud enough, does it hear voice?
  voice-attune speaker-test    a chime and a sentence: is the speaker on and loud enough?
"""

NONE_FOUND = """\
No sound devices found: PortAudio sees no microphone and no speaker on this computer.
To check:
  - plug in the USB microphone and speaker (or a USB sound card) and run this again;
  - `arecord -l` and `aplay -l` list the sound cards Linux sees (Debian package alsa-utils);
  - if they list cards but this list stays empty, add yourself to the audio group:
      sudo usermod -aG audio $USER    (then log out and in again)"""

_TITLE = {"input": "Microphones (input devices)", "output": "Speakers (output devices)"}
_NOUN = {"input": "microphone", "output": "speaker"}
_SETTING = {"input": "audio.input_device", "output": "audio.output_device"}
_HINT = {
    "input": "none found: plug in a USB microphone (`arecord -l` lists the cards Linux sees)",
    "output": "none found: plug in a speaker or headphones (`aplay -l` lists the cards Linux sees)",
}


@dataclass(frozen=True)
class Device:
    """One PortAudio device as listed."""

    index: int
    name: str
    hostapi: str
    inputs: int
    """Input channels (0: not a microphone)."""
    outputs: int
    """Output channels (0: not a speaker)."""
    rate: int
    """Default sample rate, Hertz."""

    def channels(self, kind: Kind) -> int:
        return self.inputs if kind == "input" else self.outputs


@dataclass(frozen=True)
class Choice:
    """Which device of one kind is the default, which the config names, and which is used."""

    default: int | None
    chosen: int | None
    problem: str | None
    """Why the configured device was not found (None if found, or if none is configured)."""

    @property
    def used(self) -> int | None:
        return self.chosen if self.chosen is not None else (None if self.problem else self.default)


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    return sub.add_parser(
        "devices",
        help="list microphones and speakers, and which ones voice-attune uses",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def run(args: argparse.Namespace, config: Config, out: TextIO | None = None) -> int:
    sd = import_sounddevice()
    devices = list_devices(sd)
    if not devices:
        print(NONE_FOUND, file=out)
    else:
        print(report(devices, {kind: choose(sd, config.audio, kind, devices) for kind in ("input", "output")}),
              file=out)
    print(echo_line(config), file=out)
    for line in service_lines(config):
        print(line, file=out)
    return 0


STATUS_TIMEOUT_S = 2.0
"""Seconds a status check waits for a service's connection, and again for its answer."""


def service_lines(config: Config) -> list[str]:
    """Whether each configured Wyoming service answers (a Describe and Info round trip)."""
    from voice_attune.asr.wyoming_engine import describe_stt, stt_service
    from voice_attune.voice.wyoming_voice import describe_tts, tts_service

    lines = []
    if config.recognizer.engine == "wyoming":
        lines.append(_status("Speech-to-text", stt_service(config), describe_stt,
                             "sessions use the local recognizer's words until it answers"))
    if config.voice.engine == "wyoming":
        lines.append(_status("Text-to-speech", tts_service(config.voice), describe_tts,
                             "sessions speak in the local voice until it answers"))
    return lines


def _status(title: str, service: Any, describe: Any, meanwhile: str) -> str:
    from voice_attune.wyoming.link import ServiceError

    quick = service.with_timeouts(min(service.connect_timeout_s, STATUS_TIMEOUT_S), STATUS_TIMEOUT_S)
    where = f"{title} service {service.uri} ({service.setting})"
    try:
        return f"{where}: answers: {describe(quick)}."
    except ServiceError as exc:
        return f"{where}: {exc.reason}; {meanwhile}."


def echo_line(config: Config) -> str:
    """Whether the guide's own voice is taken out of the microphone, and by what."""
    from voice_attune.asr.echo import canceller_missing

    if not config.audio.echo_cancel:
        return "Echo cancellation: off (audio.echo_cancel: false); the guide listens less while it speaks."
    missing = canceller_missing()
    if not missing:
        return "Echo cancellation: on (Speex's linear canceller for the keyword models, WebRTC's AEC3 for the rest)."
    if len(missing) == 2:
        return f"Echo cancellation: unavailable ({'; '.join(missing)}); the guide listens less while it speaks."
    return f"Echo cancellation: on, in part ({missing[0]})."


def list_devices(sd: Any) -> list[Device]:
    """Every device PortAudio offers (an empty list if there are none)."""
    apis = {i: api["name"] for i, api in enumerate(sd.query_hostapis())}
    return [
        Device(int(d.get("index", i)), str(d["name"]), apis.get(d["hostapi"], "?"),
               int(d["max_input_channels"]), int(d["max_output_channels"]), int(d["default_samplerate"]))
        for i, d in enumerate(sd.query_devices())
    ]


def choose(sd: Any, audio: AudioSettings, kind: Kind, devices: list[Device]) -> Choice:
    """Resolve the system default and the configured device, the way the microphone and speaker do."""
    usable = {d.index for d in devices if d.channels(kind) > 0}
    defaults = list(sd.default.device)
    default = int(defaults[0 if kind == "input" else 1])
    default_index = default if default in usable else None
    wanted = parse_device(audio.input_device if kind == "input" else audio.output_device)
    if wanted is None:
        return Choice(default_index, None, None)
    try:
        index = int(sd.query_devices(wanted, kind)["index"])
    except (ValueError, sd.PortAudioError) as exc:
        return Choice(default_index, None, f"{_SETTING[kind]} is {wanted!r}: {one_line(exc)}")
    if index not in usable:
        return Choice(default_index, None, f"{_SETTING[kind]} is {wanted!r}, which is not a {_NOUN[kind]}")
    return Choice(default_index, index, None)


def report(devices: list[Device], choices: dict[Kind, Choice]) -> str:
    """The listing: one section per kind, then what will be used."""
    lines: list[str] = []
    width = max(len(d.name) for d in devices)
    for kind in ("input", "output"):
        choice = choices[kind]
        lines.append(f"{_TITLE[kind]}:")
        listed = [d for d in devices if d.channels(kind) > 0]
        if not listed:
            lines.append(f"    {_HINT[kind]}")
        for d in listed:
            marks = (" [default]" if d.index == choice.default else "") + (
                " [config]" if d.index == choice.chosen else "")
            star = "*" if d.index == choice.used else " "
            lines.append(f"  {star} {d.index:>2}  {d.name:<{width}}  {d.channels(kind):>2} ch  "
                         f"{d.rate:>6} Hz  {d.hostapi}{marks}")
        lines.append("")
    lines.append("voice-attune uses (* above):")
    for kind in ("input", "output"):
        choice = choices[kind]
        noun = _NOUN[kind]
        if choice.problem:
            lines.append(f"  {noun}: none! {choice.problem}; fix it in config.yaml, or plug the device in")
        elif choice.chosen is not None:
            lines.append(f"  {noun}: device {choice.chosen} ({_name(devices, choice.chosen)}), from {_SETTING[kind]}")
        elif choice.default is not None:
            lines.append(f"  {noun}: device {choice.default} ({_name(devices, choice.default)}), "
                         "the system default")
        else:
            lines.append(f"  {noun}: none; there is no default {noun}: choose one in config.yaml "
                         f"({_SETTING[kind]}: NUMBER or part of the name)")
    lines.append("Choose others in config.yaml (audio: input_device / output_device) by number or by part "
                 "of the name.")
    return "\n".join(lines)


def _name(devices: list[Device], index: int) -> str:
    return next(d.name for d in devices if d.index == index)
