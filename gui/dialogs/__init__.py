"""Small dialogs of the window (thresholds, about)."""
