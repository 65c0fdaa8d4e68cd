"""Rendering analysis results: human table, JSON, CSV."""
