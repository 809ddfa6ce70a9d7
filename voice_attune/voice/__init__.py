"""The assistant's voice: synthesizers, a prompt cache, earcons, and players that stop at once."""
