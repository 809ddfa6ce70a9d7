"""voice-attune: a hands-free, offline voice guide for couples' conversations."""

__version__ = "0.1.0"

SAMPLE_RATE = 16000
"""Hertz: every stage after the audio source works at this rate, mono int16."""

FRAME_MS = 30
"""Milliseconds of audio in one frame (a size webrtcvad accepts)."""

FRAME_SAMPLES = SAMPLE_RATE * FRAME_MS // 1000
"""Samples in one frame: 480."""
