"""Retention: content is refused after its date; expired captures are listed and purged.

A record's retention date is the earlier of the one written in it (capture end + the
policy period at the time) and capture end + the current policy's period. "Now" is the
trusted time of ``clock.trusted_now`` (never earlier than the latest time seen); when
the system clock lags that mark by more than the tolerance a ``CLOCK_ANOMALY`` entry is
logged and the mark is used, so setting the clock back does not extend retention.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from callscope.core.capture.source import file_sha256
from callscope.core.privacy import files
from callscope.core.privacy.audit_log import AuditLog
from callscope.core.privacy.clock import Clock, TrustedTime, iso_ms, trusted_now
from callscope.core.privacy.consent import ConsentRecord
from callscope.core.privacy.consent_store import list_records, record_path
from callscope.core.privacy.errors import AccessDenied
from callscope.core.privacy.policy import Policy


def observe_time(clock: Clock, log: AuditLog, actor: str) -> TrustedTime:
    """Trusted time; logs ``CLOCK_ANOMALY`` (first) when the clock went back."""
    t = trusted_now(clock)
    if t.anomaly:
        log.append(
            "CLOCK_ANOMALY",
            actor=actor,
            obj={
                "behind_ms": t.behind // timedelta(milliseconds=1),
                "clock": iso_ms(t.clock),
                "mark": iso_ms(t.now),
            },
            reason="system clock is behind the latest time seen; the latest time is used",
        )
    return t


def retention_end(record: ConsentRecord, policy: Policy | None = None) -> datetime:
    """When the capture's content stops being accessible."""
    end = record.retention_until
    if policy is not None:
        end = min(end, record.window_end + policy.retention)
    return end


def check_retention(record: ConsentRecord, now: datetime, policy: Policy | None = None) -> None:
    """``AccessDenied`` when the retention date has passed."""
    end = retention_end(record, policy)
    if now >= end:
        raise AccessDenied(
            f"retention period ended on {iso_ms(end)}: the capture must be purged, "
            "its content is no longer accessible"
        )


def expired_records(now: datetime, policy: Policy | None = None) -> list[ConsentRecord]:
    """Records whose retention date has passed (unreadable records are skipped)."""
    records, _problems = list_records()
    return [r for r in records if now >= retention_end(r, policy)]


@dataclass(frozen=True)
class PurgeResult:
    """What ``purge`` deleted."""

    capture_deleted: bool
    record_deleted: bool
    note: str


def purge(record: ConsentRecord, log: AuditLog, actor: str) -> PurgeResult:
    """Log ``PURGE`` with the capture's and record's hashes, then delete both.

    The capture file is deleted only when its content still has the recorded hash (a
    different file now at that path is left alone and reported).
    """
    path = Path(record.capture_path)
    note = "capture file not found (already removed or moved)"
    matches = False
    if path.is_file() and not path.is_symlink():
        matches = file_sha256(path) == record.capture_sha256
        note = "capture deleted" if matches else "file at the capture path has another hash: kept"
    log.append(
        "PURGE",
        actor=actor,
        obj={
            "capture": "sha256:" + record.capture_sha256,
            "consent": "sha256:" + record.sha256,
            "capture_deleted": matches,
        },
        case=record.case_ref,
        reason=note,
    )
    if matches:
        path.unlink()
        files.fsync_dir(path.parent)
    rec = record_path(record.capture_sha256)
    rec.unlink(missing_ok=True)
    files.fsync_dir(rec.parent)
    return PurgeResult(capture_deleted=matches, record_deleted=not os.path.exists(rec), note=note)
