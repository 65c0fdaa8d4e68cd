"""The window's one privacy session: the audit log, the content gate and live grants.

The main window makes one :class:`PrivacySession` at start-up, hands it to every
consent/audit/content widget, and calls :meth:`close` when it quits (revokes the live
grants and seals the log). Every check is the core's: this object only keeps the
grants the gate issued so that, say, the spectrogram can use a grant obtained for
playback when its scope allows it (``gate.authorize`` decides).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from callscope.core.errors import CallScopeError
from callscope.core.privacy import clock as clk
from callscope.core.privacy.audit_log import AuditLog
from callscope.core.privacy.errors import AccessDenied
from callscope.core.privacy.gate import ContentGate
from callscope.core.privacy.grant import Grant
from callscope.core.privacy.policy import Policy, load_policy
from callscope.core.privacy.retention import observe_time


class PrivacySession:
    """Audit log + gate for one technician; ``actor`` defaults to the OS login."""

    def __init__(
        self,
        log: AuditLog | None = None,
        *,
        clock: clk.Clock | None = None,
        actor: str | None = None,
        policy_path: Path | None = None,
    ) -> None:
        self.clock: clk.Clock = clock or clk.SystemClock()
        self.log = log or AuditLog(clock=self.clock)
        self.policy_path = policy_path
        self.gate = ContentGate(self.log, clock=self.clock, actor=actor, policy_path=policy_path)
        self._grants: list[Grant] = []

    @property
    def actor(self) -> str:
        """Who acts (what the policy and the audit log name)."""
        return self.gate.actor

    def policy(self) -> Policy:
        """The verified policy, or ``PolicyError`` saying why there is none."""
        return load_policy(self.clock, self.policy_path)

    def trusted_now(self) -> datetime:
        """Trusted time (never before the latest seen; a clock set back is logged)."""
        return observe_time(self.clock, self.log, self.actor).now

    def remember(self, grant: Grant) -> None:
        """Keep a grant the gate issued so other views may use it within its scope."""
        if all(g is not grant for g in self._grants):
            self._grants.append(grant)

    def grant_for(
        self, capture_sha256: str, stream_ids: Iterable[int], action: str
    ) -> Grant | None:
        """A live grant allowing ``action`` on every stream, or None (the gate decides)."""
        wanted = list(stream_ids)
        for grant in reversed(self._grants):
            try:
                for sid in wanted:
                    self.gate.authorize(grant, capture_sha256, sid, action)
            except AccessDenied:
                continue
            return grant
        return None

    def close(self) -> None:
        """Revoke every live grant and seal the audit log (call once, at exit)."""
        self._grants.clear()
        with contextlib.suppress(CallScopeError):  # unsealed: verify reports the tail
            self.gate.close()
