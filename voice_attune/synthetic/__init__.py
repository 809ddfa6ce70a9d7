"""Audio made in code for simulations, tests and benchmarks: synthesized speech, composed
recordings, and room sounds (knocks, kitchen noise, babble)."""
