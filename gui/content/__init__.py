"""Content views behind the consent gate: spectrogram and playback."""
