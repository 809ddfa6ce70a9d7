"""Installing speech models: Vosk models downloaded, checked and unpacked."""
