"""The audit-log writer: entry contents, safe text, durability and fail-closed writes."""

from __future__ import annotations

import errno
import json
import os
import stat
import threading
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from privacy_fixtures import FakeClock, World, consented, install_auditor_key, log_entries, world

from callscope.core.privacy import audit_chain, escrow, paths
from callscope.core.privacy.audit_entry import MAX_TEXT_BYTES, display_text
from callscope.core.privacy.audit_log import AuditLog
from callscope.core.privacy.audit_verify import verify
from callscope.core.privacy.errors import AccessDenied, AuditWriteError

__all__ = ["consented", "world"]
CAPTURE = "sha256:" + "cd" * 32


@pytest.fixture
def log(tmp_path: Path) -> AuditLog:
    return AuditLog(tmp_path / "logs" / "audit.jsonl", clock=FakeClock(), checkpoint_every=4)


def _append(log: AuditLog, reason: str = "choppy", **kw: object) -> int:
    return log.append(
        "PLAY_START",
        actor="alice",
        obj={"capture": CAPTURE, "streams": [3], "t": [12000, 18000]},
        case="INC-7",
        reason=reason,
        **kw,
    )  # type: ignore[arg-type]


def test_entries_hold_the_documented_fields(log: AuditLog) -> None:
    assert _append(log) == 1
    entries = log_entries(log)
    assert [e["action"] for e in entries] == ["LOG_CREATED", "PLAY_START"]
    e = entries[1]
    assert set(e) == {
        "v",
        "log_id",
        "seq",
        "ts",
        "actor",
        "action",
        "obj",
        "case",
        "reason",
        "prev",
        "tag",
    }
    assert e["ts"] == "2025-03-04T09:00:00.000Z" and e["seq"] == 1
    assert e["obj"] == {"capture": CAPTURE, "streams": [3], "t": [12000, 18000]}
    assert e["prev"].startswith("sha256:") and e["tag"].startswith("hmac-sha256:")
    assert verify(log.path).ok


def test_files_are_private(log: AuditLog) -> None:
    _append(log)
    assert stat.S_IMODE(log.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(paths.state_dir().stat().st_mode) == 0o700
    assert stat.S_IMODE(paths.log_dir().stat().st_mode) == 0o700


def test_a_checkpoint_follows_every_n_entries(log: AuditLog) -> None:
    for _ in range(9):
        _append(log)
    actions = [e["action"] for e in log_entries(log)]
    assert actions.count("CHECKPOINT") == 2
    assert actions[5] == "CHECKPOINT" and actions[10] == "CHECKPOINT"


def test_tags_follow_the_documented_key_evolution(tmp_path: Path) -> None:
    """Independent recomputation: unseal k0 with the auditor key, evolve, compare tags."""
    auditor = X25519PrivateKey.generate()
    install_auditor_key(auditor)
    log = AuditLog(tmp_path / "a.jsonl", clock=FakeClock())
    for _ in range(3):
        _append(log)
    entries = log_entries(log)
    k0 = escrow.unseal(bytes.fromhex(entries[0]["obj"]["k0_sealed"][7:]), auditor)
    assert k0 is not None and len(k0) == 32
    key = k0
    for entry in entries:
        assert audit_chain.tag_matches(key, entry)
        key = __import__("hashlib").sha256(b"evolve" + key).digest()
    assert key == audit_chain.key_at(k0, len(entries))


def test_reason_with_newline_line_separator_and_html_is_one_safe_line(log: AuditLog) -> None:
    reason = "line one\nline two\u2028three\u2029four\r<script>alert(1)</script>\u202eevil"
    _append(log, reason)
    raw = log.path.read_bytes()
    assert raw.count(b"\n") == 2  # LOG_CREATED + this entry, one line each
    assert "\u2028".encode() not in raw and "\u2029".encode() not in raw
    stored = log_entries(log)[1]["reason"]
    assert stored == "line one\nline two\nthree\nfour\r<script>alert(1)</script>\u202eevil"
    shown = display_text(stored)
    assert "\n" not in shown and "\r" not in shown and "\u202e" not in shown
    assert "<script>alert(1)</script>" in shown  # plain text, never interpreted
    assert verify(log.path).ok


def test_one_megabyte_reason_is_capped_with_a_marker(log: AuditLog) -> None:
    _append(log, "x" * (1 << 20))
    stored = log_entries(log)[1]["reason"]
    assert len(stored.encode()) <= MAX_TEXT_BYTES
    assert stored.endswith("[truncated: 1048576 characters in total]")
    assert log.path.stat().st_size < 8 * 1024
    assert verify(log.path).ok


def test_numbers_never_reach_the_log_in_clear(log: AuditLog) -> None:
    log.append(
        "REVEAL",
        actor="alice",
        obj={"detail": "callee +32475123456"},
        case="ticket for 0475123456",
        reason="caller sip:+32475999888@ims.example",
    )
    raw = log.path.read_bytes()
    for digits in (b"32475123456", b"0475123456", b"32475999888"):
        assert digits not in raw
    assert b"+***456" in raw


def test_callers_cannot_forge_chain_entries_or_log_unknown_actions(log: AuditLog) -> None:
    for action in ("CHECKPOINT", "LOG_CREATED", "DELETE_EVERYTHING"):
        with pytest.raises(ValueError):
            log.append(action, actor="alice")
    with pytest.raises(ValueError):
        log.append("OPEN", actor="alice", obj={"Bad Key": 1})
    with pytest.raises(ValueError):
        log.append("OPEN", actor="alice", obj={"streams": list(range(5000))})


def test_log_path_replaced_by_a_symlink_refuses_the_write(log: AuditLog, tmp_path: Path) -> None:
    _append(log)
    target = tmp_path / "elsewhere.jsonl"
    target.write_bytes(log.path.read_bytes())
    log.path.unlink()
    log.path.symlink_to(target)
    before = target.read_bytes()
    with pytest.raises(AuditWriteError, match="action refused"):
        _append(log)
    assert target.read_bytes() == before


def test_directory_in_place_of_the_log_refuses_the_write(log: AuditLog) -> None:
    _append(log)
    log.path.unlink()
    log.path.mkdir()
    with pytest.raises(AuditWriteError):
        _append(log)


def test_disk_full_refuses_and_leaves_no_partial_line(
    log: AuditLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    _append(log)
    before = log.path.read_bytes()
    real_write = os.write

    def half_then_enospc(fd: int, data: bytes) -> int:
        if len(data) > 100:
            real_write(fd, bytes(data)[:50])
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as patch, pytest.raises(AuditWriteError, match="No space left"):
        patch.setattr(os, "write", half_then_enospc)
        _append(log)
    assert log.path.read_bytes() == before
    _append(log)  # the log goes on once there is room again
    assert verify(log.path).ok


def test_fsync_failure_refuses(log: AuditLog, monkeypatch: pytest.MonkeyPatch) -> None:
    _append(log)

    def fail(fd: int) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(AuditWriteError, match="Input/output error"):
        _append(log)


def test_read_only_log_refuses(log: AuditLog, monkeypatch: pytest.MonkeyPatch) -> None:
    """A log that may not be written (read-only file or mount) refuses the action.

    Root ignores mode bits, so the answer the kernel gives for a read-only mount
    (EROFS) is injected for writable opens of the log: the test runs as any user.
    """
    _append(log)
    log.path.chmod(0o400)
    real_open = os.open
    writing = os.O_WRONLY | os.O_RDWR | os.O_APPEND

    def read_only_open(path: object, flags: int, *args: object, **kw: object) -> int:
        if Path(str(path)) == log.path and flags & writing:
            raise OSError(errno.EROFS, "Read-only file system")
        return real_open(path, flags, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", read_only_open)
    with pytest.raises(AuditWriteError, match="Read-only file system"):
        _append(log)


def test_a_log_changed_outside_callscope_is_not_appended_to(log: AuditLog) -> None:
    _append(log)
    with log.path.open("ab") as fh:
        fh.write(b'{"forged":true}\n')
    with pytest.raises(AuditWriteError, match="changed outside"):
        _append(log)


def test_a_log_without_state_is_not_taken_over(log: AuditLog, tmp_path: Path) -> None:
    log.path.parent.mkdir(parents=True)
    log.path.write_bytes(b"")
    with pytest.raises(AuditWriteError, match="did not write it"):
        _append(log)


def test_installing_an_auditor_key_starts_a_linked_log(log: AuditLog) -> None:
    _append(log)
    assert not log.escrowed()
    old = log_entries(log)
    install_auditor_key(X25519PrivateKey.generate())
    _append(log)
    assert log.escrowed()
    archived = log.path.with_name(f"audit-{old[0]['log_id']}.jsonl")
    assert verify(archived, use_local_state=False).ok  # sealed by a final checkpoint
    created = log_entries(log)[0]
    assert created["obj"]["prev_log"] == old[0]["log_id"]
    assert created["obj"]["auditor_key"] is not None
    assert verify(log.path).ok


def test_two_writers_interleave_without_breaking_the_chain(tmp_path: Path) -> None:
    path = tmp_path / "shared.jsonl"
    AuditLog(path).append("OPEN", actor="alice")

    def writer() -> None:
        mine = AuditLog(path)
        for _ in range(8):
            mine.append("OPEN", actor="alice")

    threads = [threading.Thread(target=writer) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result = verify(path)
    assert result.ok, str(result)
    assert sum(1 for e in log_entries(AuditLog(path)) if e["action"] == "OPEN") == 17


def test_gate_refuses_when_the_log_cannot_be_written(consented: World) -> None:
    consented.log.path.unlink()
    consented.log.path.symlink_to(consented.log.path.with_name("decoy"))
    gate = consented.gate()
    with pytest.raises(AuditWriteError):
        gate.request(consented.sha, [2], {"listen"}, case_ref="INC-1", reason="x")
    assert gate._live == {}  # no grant exists


def test_access_is_refused_when_its_entry_cannot_be_written(
    consented: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = consented.gate()
    grant = gate.request(consented.sha, [2], {"listen"}, case_ref="INC-1", reason="x")

    def fail(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as patch, pytest.raises(AuditWriteError):
        patch.setattr(os, "fsync", fail)
        gate.log_access(grant, "PLAY_START", consented.sha, 2)
    assert all(e["action"] != "PLAY_START" for e in log_entries(consented.log))


def test_audit_write_error_is_not_an_access_grant() -> None:
    assert not issubclass(AuditWriteError, AccessDenied)
    assert json.dumps({"ok": True})  # keep json import honest


def test_broken_auditor_key_file_refuses_the_write(log: AuditLog) -> None:
    paths.auditor_key_path().write_text("not a key")
    with pytest.raises(AuditWriteError, match="not a PEM public key"):
        _append(log)
