"""voice-attune: a hands-free, offline voice guide for couples' conversations."""

import os as _os

# Nothing leaves this machine. ONNX Runtime, which runs Piper's voice, sends usage events to
# Microsoft from version 1.29 on, on Linux too, and keeps a device number in ~/.cache; it reads
# this before it starts, and it is set here, before anything of ours can load it.
_os.environ["ORT_DISABLE_TELEMETRY"] = "1"

__version__ = "0.1.0"

SAMPLE_RATE = 16000
"""Hertz: every stage after the audio source works at this rate, mono int16."""

FRAME_MS = 30
"""Milliseconds of audio in one frame (a size webrtcvad accepts)."""

FRAME_SAMPLES = SAMPLE_RATE * FRAME_MS // 1000
"""Samples in one frame: 480."""
