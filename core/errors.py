"""Errors the core raises for the user to read: one clear line, never a traceback."""

from __future__ import annotations


class CallScopeError(Exception):
    """Base of every error whose message is meant for the user as it is."""


class CaptureError(CallScopeError):
    """The capture cannot be read at all (wrong format, empty, unreadable path...)."""


class CancelledError(CallScopeError):
    """The caller asked to stop a long operation (GUI Cancel, Ctrl-C)."""

    def __init__(self) -> None:
        super().__init__("cancelled")
