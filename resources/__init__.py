"""Bundled resources: demo capture, icons."""
