"""Content: RTP payload → PCM audio, timelines, spectrograms.

Everything here turns what was said into something that can be heard or seen. It is
private to the core: the only door is :mod:`callscope.core.content`, which checks a
consent grant and writes the audit entry first (import contract in pyproject.toml).
"""
