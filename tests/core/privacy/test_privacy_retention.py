"""Retention: content refused after its date, clock rollback, listing and purge."""

from __future__ import annotations

from datetime import timedelta

import pytest
from privacy_fixtures import World, consented, log_actions, log_entries, world

from callscope.core.privacy.clock import read_mark, to_ms
from callscope.core.privacy.consent_store import record_path
from callscope.core.privacy.errors import AccessDenied
from callscope.core.privacy.retention import expired_records, purge, retention_end

__all__ = ["consented", "world"]


def _request(w: World) -> object:
    return w.gate().request(w.sha, [1], {"listen"}, case_ref="INC-1", reason="why")


def test_content_is_refused_after_the_retention_date(consented: World) -> None:
    record = consented.extra["record"]
    consented.clock.t = record.retention_until - timedelta(seconds=1)
    _request(consented)
    consented.clock.t = record.retention_until
    with pytest.raises(AccessDenied, match="retention period ended"):
        _request(consented)


def test_grant_never_outlives_retention(consented: World) -> None:
    record = consented.extra["record"]
    consented.clock.t = record.retention_until - timedelta(minutes=5)
    grant = _request(consented)
    assert grant.expires_at == record.retention_until  # type: ignore[attr-defined]


def test_clock_set_back_ten_days_does_not_extend_retention(consented: World) -> None:
    record = consented.extra["record"]
    consented.clock.t = record.retention_until + timedelta(hours=1)
    with pytest.raises(AccessDenied, match="retention"):
        _request(consented)
    assert read_mark() == to_ms(consented.clock.t)
    consented.clock.advance(days=-10)
    with pytest.raises(AccessDenied, match="retention"):
        _request(consented)
    anomaly = [e for e in log_entries(consented.log) if e["action"] == "CLOCK_ANOMALY"]
    assert len(anomaly) == 1
    assert anomaly[0]["obj"]["behind_ms"] == 10 * 24 * 3600 * 1000


def test_small_clock_jitter_is_not_an_anomaly(consented: World) -> None:
    _request(consented)
    consented.clock.advance(minutes=-2)
    _request(consented)
    assert "CLOCK_ANOMALY" not in log_actions(consented.log)


def test_a_shorter_policy_period_applies_to_old_records(consented: World) -> None:
    from privacy_fixtures import policy_dict, write_policy

    write_policy(policy_dict(version=2, retention_days=1), consented.admin)
    record = consented.extra["record"]
    assert retention_end(record, consented.policy()) == record.window_end + timedelta(days=1)


def test_expired_captures_are_listed_and_purged(consented: World) -> None:
    record = consented.extra["record"]
    assert expired_records(record.retention_until - timedelta(seconds=1)) == []
    expired = expired_records(record.retention_until)
    assert expired == [record]
    result = purge(record, consented.log, "alice")
    assert result.capture_deleted and result.record_deleted
    assert not consented.capture.exists() and not record_path(consented.sha).exists()
    entry = log_entries(consented.log)[-1]
    assert entry["action"] == "PURGE"
    assert entry["obj"]["capture"] == "sha256:" + consented.sha
    assert entry["obj"]["consent"] == "sha256:" + record.sha256
    assert expired_records(record.retention_until) == []


def test_purge_keeps_a_different_file_found_at_the_capture_path(consented: World) -> None:
    consented.capture.write_bytes(b"someone else's capture")
    result = purge(consented.extra["record"], consented.log, "alice")
    assert not result.capture_deleted and result.record_deleted
    assert consented.capture.exists()
    assert "another hash" in log_entries(consented.log)[-1]["reason"]


def test_purge_is_refused_when_it_cannot_be_logged(consented: World) -> None:
    from callscope.core.privacy.errors import AuditWriteError

    consented.log.path.unlink()
    with pytest.raises(AuditWriteError):
        purge(consented.extra["record"], consented.log, "alice")
    assert consented.capture.exists() and record_path(consented.sha).exists()
