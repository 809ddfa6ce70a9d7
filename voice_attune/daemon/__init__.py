"""The kitchen device: ``voice-attune daemon`` waits for a start, runs the session, waits again.

While waiting it hears only its start phrases, through a grammar-restricted recognizer, so
nothing else said in the room is transcribed or kept. A key press, a push button or the
schedule start sessions too. Devices that come and go, and faults inside a session, never end
the daemon (``loop.py``).
"""
