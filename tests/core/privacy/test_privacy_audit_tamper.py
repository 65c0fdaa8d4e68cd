"""Tamper matrix for the audit log: every edit, cut, reorder or restore must fail verify."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from privacy_fixtures import FakeClock, install_auditor_key

from callscope.core.privacy import audit_chain, keys
from callscope.core.privacy.audit_entry import line_hash
from callscope.core.privacy.audit_log import AuditLog
from callscope.core.privacy.audit_state import read_state, write_state
from callscope.core.privacy.audit_verify import TAMPERED, TRUNCATED, UNSEALED_TAIL, verify
from callscope.core.privacy.canonical import canonical_bytes, parse_canonical
from callscope.core.privacy.checkpoint import sign_entry

CAPTURE = "sha256:" + "ab" * 32


def _small_log(path: Path, entries: int = 4) -> AuditLog:
    """LOG_CREATED, ``entries`` accesses with a checkpoint every 3, closed (sealed)."""
    log = AuditLog(path, clock=FakeClock(), checkpoint_every=3)
    for i in range(entries):
        log.append(
            "PLAY_START",
            actor="alice",
            obj={"capture": CAPTURE, "streams": [i + 1], "t": [0, 1000 * i]},
            case="INC-1",
            reason=f"r{i}",
        )
    log.close()
    return log


@pytest.fixture
def auditor() -> X25519PrivateKey:
    key = X25519PrivateKey.generate()
    install_auditor_key(key)
    return key


@pytest.fixture
def sealed(tmp_path: Path, auditor: X25519PrivateKey) -> tuple[Path, bytes]:
    log = _small_log(tmp_path / "audit.jsonl")
    data = log.path.read_bytes()
    assert verify(log.path).ok and verify(log.path, auditor_key=auditor).ok
    return log.path, data


def _put(path: Path, data: bytes) -> None:
    """Overwrite in place (``write_bytes`` truncates, which ext4 makes flush: slow)."""
    with path.open("r+b") as fh:
        fh.write(data)
        fh.truncate()


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")[:-1]


def _join(lines: list[bytes]) -> bytes:
    return b"".join(line + b"\n" for line in lines)


def test_small_log_shape(sealed: tuple[Path, bytes]) -> None:
    _path, data = sealed
    actions = [parse_canonical(line)["action"] for line in _lines(data)]
    assert actions == [
        "LOG_CREATED",
        "PLAY_START",
        "PLAY_START",
        "PLAY_START",
        "CHECKPOINT",
        "PLAY_START",
        "CHECKPOINT",
    ]


@pytest.mark.parametrize("mode", ["local-state", "auditor-copy", "public-copy"])
def test_flipping_any_byte_is_detected(
    sealed: tuple[Path, bytes], auditor: X25519PrivateKey, mode: str
) -> None:
    path, data = sealed
    pinned = keys.installation_public_key()
    kwargs = {
        "local-state": {"installation_key": pinned},
        "auditor-copy": {"use_local_state": False, "auditor_key": auditor},
        "public-copy": {"use_local_state": False, "installation_key": pinned},
    }[mode]
    flips = [(pos, 0x01) for pos in range(len(data))]
    if mode == "local-state":  # also flip the case of every letter (hex digits!)
        flips += [(pos, 0x20) for pos in range(len(data)) if chr(data[pos]).isalpha()]
    undetected = []
    started = time.perf_counter()
    for pos, mask in flips:
        mutated = bytearray(data)
        mutated[pos] ^= mask
        _put(path, bytes(mutated))
        if verify(path, **kwargs).ok:  # type: ignore[arg-type]
            undetected.append((pos, mask))
    assert undetected == []
    assert time.perf_counter() - started < 60


def test_deleting_any_line_is_detected(sealed: tuple[Path, bytes]) -> None:
    path, data = sealed
    lines = _lines(data)
    for i in range(len(lines)):
        _put(path, _join(lines[:i] + lines[i + 1 :]))
        result = verify(path)
        assert not result.ok, i
        _put(path, _join(lines[:i] + lines[i + 1 :]))
        assert not verify(path, use_local_state=False).ok or i == len(lines) - 1


def test_duplicating_any_line_is_detected(sealed: tuple[Path, bytes]) -> None:
    path, data = sealed
    lines = _lines(data)
    for i in range(len(lines)):
        _put(path, _join(lines[: i + 1] + lines[i:]))
        assert not verify(path).ok, i
        assert not verify(path, use_local_state=False).ok, i


def test_swapping_any_two_lines_is_detected(sealed: tuple[Path, bytes]) -> None:
    path, data = sealed
    lines = _lines(data)
    for i in range(len(lines)):
        for j in range(i + 1, len(lines)):
            swapped = list(lines)
            swapped[i], swapped[j] = swapped[j], swapped[i]
            _put(path, _join(swapped))
            assert verify(path).status == TAMPERED, (i, j)
            assert not verify(path, use_local_state=False).ok, (i, j)


def test_truncating_at_any_byte_is_truncated(sealed: tuple[Path, bytes]) -> None:
    path, data = sealed
    for cut in range(len(data)):
        _put(path, data[:cut])
        result = verify(path)
        assert result.status == TRUNCATED, (cut, str(result))


def test_a_copy_alone_only_passes_when_cut_right_after_a_checkpoint(
    sealed: tuple[Path, bytes],
) -> None:
    """Known limit: without the local state, a cut after a checkpoint looks complete."""
    path, data = sealed
    checkpoint_ends = {
        len(_join(_lines(data)[: i + 1]))
        for i, line in enumerate(_lines(data))
        if parse_canonical(line)["action"] == "CHECKPOINT"
    }
    passing = set()
    for cut in range(1, len(data) + 1):
        _put(path, data[:cut])
        result = verify(path, use_local_state=False)
        if result.ok:
            passing.add(cut)
        elif data[:cut].endswith(b"\n"):
            assert result.status == UNSEALED_TAIL, cut
        else:
            assert result.status == TRUNCATED, cut
    assert passing == checkpoint_ends


def test_restoring_an_older_copy_is_detected(tmp_path: Path, auditor: X25519PrivateKey) -> None:
    log = _small_log(tmp_path / "audit.jsonl")
    backup = tmp_path / "backup.jsonl"
    shutil.copyfile(log.path, backup)
    log.append("EXPORT", actor="alice", obj={"capture": CAPTURE}, case="INC-1", reason="x")
    log.close()
    assert verify(log.path).ok
    shutil.copyfile(backup, log.path)
    result = verify(log.path)
    assert result.status == TRUNCATED and "older copy" in result.detail
    from callscope.core.privacy.errors import AuditWriteError

    with pytest.raises(AuditWriteError, match="changed outside CallScope"):
        log.append("OPEN", actor="alice")


def test_deleted_log_is_missing_and_cannot_be_silently_restarted(
    sealed: tuple[Path, bytes],
) -> None:
    path, _data = sealed
    path.unlink()
    assert verify(path).status == "LOG_MISSING"
    from callscope.core.privacy.errors import AuditWriteError

    with pytest.raises(AuditWriteError, match="missing"):
        AuditLog(path).append("OPEN", actor="alice")


def test_splicing_lines_from_another_log_is_detected(
    tmp_path: Path, auditor: X25519PrivateKey
) -> None:
    a = _small_log(tmp_path / "a.jsonl").path
    b = _small_log(tmp_path / "b.jsonl").path
    lines_a, lines_b = _lines(a.read_bytes()), _lines(b.read_bytes())
    _put(a, _join(lines_a[:3] + lines_b[3:]))
    result = verify(a)
    assert result.status == TAMPERED and result.seq == 3


def test_replacing_the_whole_log_with_another_is_detected(
    tmp_path: Path, auditor: X25519PrivateKey
) -> None:
    a = _small_log(tmp_path / "a.jsonl").path
    b = _small_log(tmp_path / "b.jsonl").path
    shutil.copyfile(b, a)
    assert not verify(a).ok


def test_rewrite_after_stealing_the_device_is_caught_by_the_auditor(
    sealed: tuple[Path, bytes], auditor: X25519PrivateKey
) -> None:
    """An intruder holding today's MAC key, the installation key and the state edits an
    old entry and re-seals everything with the keys it has: only the forward-secure tags
    (checked with the auditor's key) reveal it."""
    path, data = sealed
    state = read_state(path)
    assert state is not None
    stolen_key = bytes.fromhex(state.key)
    signer = keys.installation_key()
    entries = [parse_canonical(line) for line in _lines(data)]
    entries[2]["reason"] = "nothing happened"
    prev = entries[0]["prev"]
    out = []
    for entry in entries:
        entry["prev"] = prev
        if entry["action"] == "CHECKPOINT":
            entry["obj"]["head"] = prev
        entry.pop("sig", None)
        entry["tag"] = audit_chain.compute_tag(stolen_key, entry)
        if entry["action"] in ("CHECKPOINT", "LOG_CREATED"):
            sign_entry(entry, signer)
        line = canonical_bytes(entry)
        out.append(line)
        prev = line_hash(line)
    _put(path, _join(out))
    state.head, state.size = prev, len(_join(out))
    write_state(path, state)
    assert verify(path).ok  # what the device alone can tell: nothing
    result = verify(path, auditor_key=auditor)
    assert result.status == TAMPERED and result.seq == 0  # first re-tagged entry


def test_wrong_auditor_key_is_reported(sealed: tuple[Path, bytes]) -> None:
    path, _data = sealed
    result = verify(path, auditor_key=X25519PrivateKey.generate())
    assert result.status == TAMPERED and "not sealed to this auditor key" in result.detail
