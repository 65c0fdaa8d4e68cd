"""The audit writer's private state: next seq, current MAC key, head hash, size.

One fixed-size record per log (``state/audit-<hash of log path>.state``), overwritten
in place and fsync'd after every append, so the previous MAC key is overwritten rather
than left in a renamed-away file (limit: SSD wear levelling or a copy-on-write file
system may still keep old blocks). It is also the local high-water mark the verifier
uses to tell a truncated or restored log from a complete one.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from callscope.core.privacy import files, paths

RECORD_BYTES = 1024


@dataclass
class AuditState:
    """Where the writer stands after entry ``seq - 1``."""

    log_id: str
    seq: int  # next sequence number to write
    key: str  # hex of k_seq, the key that will tag entry seq
    head: str  # "sha256:…" of line seq - 1
    size: int  # log size in bytes, up to and including line seq - 1
    since_checkpoint: int  # entries written after the last checkpoint
    checkpoint_every: int
    auditor: str  # fingerprint of the auditor key k0 is sealed to ("" if none)

    def to_bytes(self) -> bytes:
        body = json.dumps(asdict(self), sort_keys=True).encode()
        if len(body) >= RECORD_BYTES:
            raise ValueError("audit state record too large")
        return body + b" " * (RECORD_BYTES - 1 - len(body)) + b"\n"

    @classmethod
    def from_bytes(cls, data: bytes) -> AuditState:
        obj = json.loads(data.decode("utf-8"))
        state = cls(**obj)
        for name in ("seq", "size", "since_checkpoint", "checkpoint_every"):
            if not isinstance(getattr(state, name), int):
                raise ValueError(f"state field {name} is not an integer")
        return state


def state_path(log_path: Path) -> Path:
    """State file of the log at ``log_path`` (keyed by its absolute path)."""
    digest = hashlib.sha256(str(log_path.absolute()).encode()).hexdigest()[:24]
    return paths.state_dir() / f"audit-{digest}.state"


def read_state(log_path: Path) -> AuditState | None:
    """The state of this log, None if this installation never wrote it.

    Raises ``OSError`` or ``ValueError`` when the state exists but is unreadable.
    """
    path = state_path(log_path)
    if not path.exists() and not path.is_symlink():
        return None
    return AuditState.from_bytes(files.read_regular(path, RECORD_BYTES))


def write_state(log_path: Path, state: AuditState) -> None:
    """Overwrite the state record in place (created 0600 on first write) and fsync."""
    path = state_path(log_path)
    new = not path.exists()
    fd = files.open_regular(path, os.O_WRONLY | os.O_CREAT)
    try:
        data = state.to_bytes()
        os.lseek(fd, 0, os.SEEK_SET)
        files.write_all(fd, data)
        os.ftruncate(fd, len(data))
        os.fsync(fd)
    finally:
        os.close(fd)
    if new:
        files.fsync_dir(path.parent)


def forget_state(log_path: Path) -> None:
    """Remove a log's state (after rotation: the archived log is sealed)."""
    state_path(log_path).unlink(missing_ok=True)


@contextlib.contextmanager
def locked(log_path: Path) -> Iterator[None]:
    """Exclusive lock between CallScope processes writing the same log (POSIX flock).

    On Windows no lock is taken (documented limit: run one instance at a time).
    """
    lock = state_path(log_path).with_suffix(".lock")
    fd = os.open(lock, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        if sys.platform != "win32":
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
