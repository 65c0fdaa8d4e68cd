"""The content gate: the only way to audio, fine spectrograms, audio export and reveal.

Use it like this (the "Listen and see" work calls exactly these)::

    gate = ContentGate(AuditLog())                      # one per process/session
    grant = gate.request(capture_sha256, [stream_id], {"listen"},
                         case_ref="INC-88412", reason="choppy uplink 12-18 s")
    gate.log_access(grant, "PLAY_START", capture_sha256, stream_id,
                    time_range_ms=(12000, 18000))       # authorizes, logs, then play
    ...
    gate.log_access(grant, "PLAY_STOP", capture_sha256, stream_id, time_range_ms=(12000, 15500))
    gate.close()                                        # revokes grants, seals the log

- ``request(...) -> Grant`` checks the signed policy, that the OS login has the
  ``listener`` role, the purpose, the stored consent record (unedited, same capture,
  same case, every person consented) and retention; it writes ``CONSENT_GRANTED`` or
  ``CONSENT_REFUSED`` to the audit log *first*, then returns the grant or raises
  ``AccessDenied`` (``AuditWriteError`` if the log cannot be written).
- ``authorize(grant, capture_sha256, stream_id, action)`` raises ``AccessDenied`` for an
  expired, revoked, foreign or out-of-scope grant; ``action`` is one of
  ``listen``, ``spectrogram``, ``export_audio``, ``reveal``.
- ``log_access(grant, event, capture_sha256, stream_id, ...)`` for ``PLAY_START``,
  ``PLAY_STOP``, ``SPECTROGRAM``, ``EXPORT``, ``REVEAL``: authorizes (``PLAY_STOP`` only
  needs a grant this gate issued, so a stop is logged even after expiry), writes the
  entry and returns only once it is on disk; do the access only after it returned.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path

from callscope.core.privacy import clock as clk
from callscope.core.privacy.audit_log import AuditLog
from callscope.core.privacy.consent import SHA256_HEX, ConsentRecord
from callscope.core.privacy.consent_store import load_record
from callscope.core.privacy.errors import AccessDenied, ConsentError, PolicyError
from callscope.core.privacy.grant import ACTIONS, Grant, grant_mac
from callscope.core.privacy.identity import os_login
from callscope.core.privacy.policy import Policy, load_policy
from callscope.core.privacy.retention import check_retention, observe_time, retention_end

ACCESS_EVENTS = {
    "PLAY_START": "listen",
    "PLAY_STOP": "listen",
    "SPECTROGRAM": "spectrogram",
    "EXPORT": "export_audio",
    "REVEAL": "reveal",
}
"""Access events ``log_access`` records, and the grant action each needs."""


class ContentGate:
    """Issues, checks and logs grants for one technician (see the module docstring)."""

    def __init__(
        self,
        log: AuditLog,
        *,
        clock: clk.Clock | None = None,
        actor: str | None = None,
        policy_path: Path | None = None,
    ) -> None:
        self.log = log
        self.clock: clk.Clock = clock or clk.SystemClock()
        self.actor = actor or os_login()
        self._policy_path = policy_path
        self._key = secrets.token_bytes(32)
        self._live: dict[str, Grant] = {}
        self._issued: dict[str, Grant] = {}

    def request(
        self,
        capture_sha256: str,
        stream_ids: Iterable[int],
        actions: Iterable[str],
        *,
        case_ref: str,
        reason: str,
        consent: ConsentRecord | None = None,
        policy: Policy | None = None,
    ) -> Grant:
        """Check everything, log the decision first, return a ``Grant`` or raise."""
        streams = frozenset(stream_ids)
        wanted = frozenset(actions)
        obj = {
            "capture": "sha256:" + capture_sha256 if SHA256_HEX.match(capture_sha256) else "?",
            "streams": sorted(s for s in streams if isinstance(s, int))[:1000],
            "actions": sorted(a for a in wanted if a in ACTIONS),
        }
        try:
            record, policy, now = self._check(
                capture_sha256, streams, wanted, case_ref, reason, consent, policy
            )
        except (AccessDenied, PolicyError, ConsentError) as exc:
            self.log.append(
                "CONSENT_REFUSED",
                actor=self.actor,
                obj={**obj, "why": str(exc)},
                case=case_ref,
                reason=reason,
            )
            raise AccessDenied(f"content access refused: {exc}") from None
        grant_id = secrets.token_hex(16)
        expires = min(now + timedelta(minutes=policy.grant_minutes), retention_end(record, policy))
        obj.update(
            grant=grant_id,
            consent="sha256:" + record.sha256,
            policy="sha256:" + policy.sha256,
            purpose=record.purpose,
            expires=clk.iso_ms(expires),
        )
        self.log.append("CONSENT_GRANTED", actor=self.actor, obj=obj, case=case_ref, reason=reason)
        self.log.checkpoint()
        grant = Grant(
            grant_id=grant_id,
            capture_sha256=capture_sha256,
            stream_ids=streams,
            actions=wanted,
            actor=self.actor,
            case_ref=case_ref,
            purpose=record.purpose,
            expires_at=expires,
            deadline_monotonic=clk.monotonic_s() + (expires - now).total_seconds(),
            mac=grant_mac(
                self._key, grant_id, capture_sha256, streams, wanted, self.actor, expires
            ),
        )
        self._live[grant_id] = grant
        self._issued[grant_id] = grant
        return grant

    def _check(
        self,
        capture: str,
        streams: frozenset[int],
        wanted: frozenset[str],
        case_ref: str,
        reason: str,
        consent: ConsentRecord | None,
        policy: Policy | None,
    ) -> tuple[ConsentRecord, Policy, datetime]:
        if not SHA256_HEX.match(capture):
            raise AccessDenied("the capture hash must be 64 lower-case hex digits")
        if not streams or not all(isinstance(s, int) and s > 0 for s in streams):
            raise AccessDenied("name at least one stream (positive stream ids)")
        if not wanted or not wanted <= ACTIONS:
            raise AccessDenied(f"actions must be a non-empty subset of {sorted(ACTIONS)}")
        if not case_ref.strip() or not reason.strip():
            raise AccessDenied("a case reference and a reason in words are required")
        if policy is None:
            policy = load_policy(self.clock, self._policy_path)
        if "listener" not in policy.roles_of(self.actor):
            raise AccessDenied(f"{self.actor!r} does not have the listener role in the policy")
        stored = load_record(capture)
        if consent is not None and consent.sha256 != stored.sha256:
            raise AccessDenied("the consent record given differs from the stored one")
        if stored.case_ref != case_ref.strip():
            raise AccessDenied("the consent record belongs to another case")
        if stored.purpose not in policy.purposes:
            raise AccessDenied(f"purpose {stored.purpose} is not allowed by the policy")
        missing = stored.missing_consent()
        if missing:
            raise AccessDenied("consent incomplete: " + "; ".join(missing))
        now = observe_time(self.clock, self.log, self.actor).now
        check_retention(stored, now, policy)
        if not self.log.escrowed():
            raise AccessDenied("no auditor key installed: the audit log could not be audited")
        return stored, policy, now

    def authorize(
        self, grant: Grant, capture_sha256: str, stream_id: int | None, action: str
    ) -> None:
        """Raise ``AccessDenied`` unless ``grant`` allows ``action`` on this stream now."""
        self._issued_by_me(grant, self._live, "was revoked or not issued in this session")
        if self.clock.now() >= grant.expires_at or clk.monotonic_s() >= grant.deadline_monotonic:
            raise AccessDenied(f"the grant expired at {clk.iso_ms(grant.expires_at)}")
        if capture_sha256 != grant.capture_sha256:
            raise AccessDenied("the grant is for another capture")
        if action not in grant.actions:
            raise AccessDenied(f"the grant does not allow {action!r}")
        if stream_id is None and action != "reveal":
            raise AccessDenied("a stream must be named")
        if stream_id is not None and stream_id not in grant.stream_ids:
            raise AccessDenied(f"the grant does not cover stream {stream_id}")

    def _issued_by_me(self, grant: Grant, table: dict[str, Grant], why: str) -> None:
        if not isinstance(grant, Grant) or table.get(grant.grant_id) is not grant:
            raise AccessDenied(f"the grant {why}")
        expected = grant_mac(
            self._key,
            grant.grant_id,
            grant.capture_sha256,
            grant.stream_ids,
            grant.actions,
            grant.actor,
            grant.expires_at,
        )
        if not secrets.compare_digest(expected, grant.mac):
            raise AccessDenied("the grant was altered")

    def log_access(
        self,
        grant: Grant,
        event: str,
        capture_sha256: str,
        stream_id: int | None,
        *,
        time_range_ms: tuple[int, int] | None = None,
        detail: str | None = None,
    ) -> None:
        """Authorize, then write ``event`` durably; raises instead of returning if either fails."""
        if event not in ACCESS_EVENTS:
            raise ValueError(f"unknown access event {event!r}; use {sorted(ACCESS_EVENTS)}")
        if event == "PLAY_STOP":
            self._issued_by_me(grant, self._issued, "was not issued in this session")
        else:
            self.authorize(grant, capture_sha256, stream_id, ACCESS_EVENTS[event])
        obj: dict[str, object] = {
            "capture": "sha256:" + grant.capture_sha256,
            "grant": grant.grant_id,
        }
        if stream_id is not None:
            obj["streams"] = [stream_id]
        if time_range_ms is not None:
            start, end = time_range_ms
            if not (isinstance(start, int) and isinstance(end, int) and 0 <= start <= end):
                raise ValueError("time_range_ms must be two integers 0 <= start <= end")
            obj["t"] = [start, end]
        self.log.append(event, actor=grant.actor, obj=obj, case=grant.case_ref, reason=detail)

    def revoke(self, grant: Grant, reason: str = "revoked") -> None:
        """End a grant now (logged ``GRANT_REVOKED``)."""
        if self._live.pop(grant.grant_id, None) is grant:
            self.log.append(
                "GRANT_REVOKED",
                actor=self.actor,
                obj={"capture": "sha256:" + grant.capture_sha256, "grant": grant.grant_id},
                case=grant.case_ref,
                reason=reason,
            )

    def close(self) -> None:
        """Revoke every live grant and seal the audit log with a checkpoint."""
        for grant in list(self._live.values()):
            self.revoke(grant, "session closed")
        self.log.close()
