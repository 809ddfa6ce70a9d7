"""The part that hears: audio sources, voice activity, recognizers, the spotter, the listener."""
