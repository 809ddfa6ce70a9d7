"""WAV files as an audio source: any common rate, channel count and sample format, converted."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator

import numpy as np

from voice_attune.asr.frames import Frame, Framer
from voice_attune.errors import UserError

_PCM, _FLOAT, _EXTENSIBLE = 1, 3, 0xFFFE
_BLOCK_FRAMES = 16000  # read about a second at a time so memory stays flat on long files


@dataclass(frozen=True)
class WavFormat:
    """What a WAV file holds."""

    rate: int
    """Sample rate, Hertz."""
    channels: int
    bits: int
    """Bits per sample: 8, 16, 24 or 32 (integer), 32 or 64 (float)."""
    is_float: bool
    data_offset: int
    """Byte offset of the first sample."""
    data_bytes: int

    @property
    def duration(self) -> float:
        """Seconds of audio."""
        return self.data_bytes / (self.channels * self.bits // 8) / self.rate


def read_format(path: str | Path) -> WavFormat:
    """Read the header of a WAV file; anything else gets a one-line UserError."""
    try:
        with open(path, "rb") as f:
            return _parse_header(f, str(path))
    except FileNotFoundError:
        raise UserError("no such file", str(path)) from None
    except IsADirectoryError:
        raise UserError("is a folder, not a WAV file", str(path)) from None
    except OSError as exc:
        raise UserError(f"cannot read: {exc.strerror}", str(path)) from None


def _parse_header(f: BinaryIO, name: str) -> WavFormat:
    head = f.read(12)
    if len(head) == 0:
        raise UserError("the file is empty, not a WAV recording", name)
    if len(head) < 12 or head[:4] not in (b"RIFF", b"RF64") or head[8:12] != b"WAVE":
        raise UserError("not a WAV file (no RIFF/WAVE header)", name)
    fmt = None
    while True:
        chunk = f.read(8)
        if len(chunk) < 8:
            raise UserError("the WAV file is cut short: no audio data found", name)
        cid, size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
        if cid == b"fmt ":
            body = f.read(size)
            if len(body) < 16:
                raise UserError("the WAV header is damaged (short fmt chunk)", name)
            tag, channels, rate, _, _, bits = struct.unpack("<HHIIHH", body[:16])
            if tag == _EXTENSIBLE and len(body) >= 26:
                tag = struct.unpack("<H", body[24:26])[0]
            if tag not in (_PCM, _FLOAT):
                raise UserError(f"unsupported WAV encoding (format {tag}); use PCM or float", name)
            if channels < 1 or rate < 1000 or bits not in (8, 16, 24, 32, 64):
                raise UserError(
                    f"the WAV header is damaged or unusual ({channels} channels, {rate} Hz, "
                    f"{bits} bits)", name)
            if tag == _FLOAT and bits not in (32, 64):
                raise UserError(f"unsupported float WAV with {bits} bits", name)
            fmt = (rate, channels, bits, tag == _FLOAT)
            if size % 2:
                f.read(1)
        elif cid == b"data":
            if fmt is None:
                raise UserError("the WAV file has audio data before its format chunk", name)
            offset = f.tell()
            f.seek(0, 2)
            available = f.tell() - offset
            if size in (0, 0xFFFFFFFF) or size > available:
                size = available  # streamed or truncated files: take what is there
            frame_bytes = fmt[1] * fmt[2] // 8
            size -= size % frame_bytes
            if size == 0:
                raise UserError("the WAV file holds no audio", name)
            return WavFormat(fmt[0], fmt[1], fmt[2], fmt[3], offset, size)
        else:
            f.seek(size + (size % 2), 1)


def _decode(raw: bytes, fmt: WavFormat) -> np.ndarray:
    """Bytes of interleaved samples to float32 mono in [-1, 1]."""
    if fmt.is_float:
        data = np.frombuffer(raw, dtype="<f4" if fmt.bits == 32 else "<f8").astype(np.float32)
    elif fmt.bits == 8:
        data = (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
    elif fmt.bits == 16:
        data = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    elif fmt.bits == 24:
        b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        ints = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        ints = np.where(ints >= 1 << 23, ints - (1 << 24), ints)
        data = ints.astype(np.float32) / float(1 << 23)
    else:
        data = np.frombuffer(raw, dtype="<i4").astype(np.float32) / float(1 << 31)
    if fmt.channels > 1:
        data = data.reshape(-1, fmt.channels).mean(axis=1)
    return data


class WavSource:
    """Frames from a WAV file, converted to 16 kHz mono int16, as fast as they are asked for."""

    def __init__(self, path: str | Path):
        self.path = str(path)
        self.format = read_format(path)

    def frames(self) -> Iterator[Frame]:
        fmt = self.format
        framer = Framer(fmt.rate)
        block = _BLOCK_FRAMES * fmt.channels * fmt.bits // 8
        with open(self.path, "rb") as f:
            f.seek(fmt.data_offset)
            remaining = fmt.data_bytes
            while remaining > 0:
                raw = f.read(min(block, remaining))
                if not raw:
                    break
                remaining -= len(raw)
                yield from framer.push(_decode(raw, fmt), last=remaining <= 0)


def write_wav(path: str | Path, pcm: np.ndarray, rate: int = 16000) -> None:
    """Write mono int16 samples as a WAV file."""
    import wave

    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.asarray(pcm, dtype=np.int16).tobytes())
