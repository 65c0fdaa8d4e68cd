"""Qt item models over the core's results (display text, raw sort values, colours)."""
