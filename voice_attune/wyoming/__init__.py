"""Talking to Wyoming services (the protocol of Home Assistant's voice servers): link (where a
service is, connecting with timeouts, one-line errors), exchanges (describe, transcribe,
synthesize), outage (falling back with one notice), testing (real servers for tests)."""
