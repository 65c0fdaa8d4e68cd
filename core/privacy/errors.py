"""Errors of the privacy layer; each message is one line the user can act on."""

from __future__ import annotations

from callscope.core.errors import CallScopeError


class AccessDenied(CallScopeError):
    """Content access refused: no/expired/foreign grant, missing consent, no policy..."""


class AuditWriteError(CallScopeError):
    """The audit log could not be written; the action it would record is refused."""


class PolicyError(CallScopeError):
    """The policy is missing, unsigned, edited, wrongly signed, expired or rolled back."""


class ConsentError(CallScopeError):
    """A consent record is missing, malformed, edited or does not fit the capture."""


class KeyFileError(CallScopeError):
    """A key file is missing, unreadable or not the expected kind of key."""
