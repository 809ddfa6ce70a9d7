"""Training keyword models on the device: voices, texts, rooms, everyday sound, and the fit."""
