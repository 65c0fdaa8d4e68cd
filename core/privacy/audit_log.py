"""The audit log writer: append-only JSON Lines, MAC-chained, checkpointed, fsync'd.

Trust model (what an ``OK`` from ``audit_verify.verify`` means, and its limits):

1. Chain: every line holds ``prev`` = SHA-256 of the line before, so an edited,
   deleted, duplicated or swapped line breaks the chain at that seq.
2. Forward-secure MAC (``audit_chain.py``): entry i is tagged with k_i, then k_i is
   overwritten by k_{i+1} = SHA256("evolve" ‖ k_i). k_0 exists in clear only while the
   log is created: it is sealed (X25519 + ChaCha20-Poly1305) to the auditor's public key
   (``config/auditor_x25519.pub``) inside the first entry. An intruder who later takes
   the device holds k_n only and cannot re-tag entries < n without the auditor seeing
   it (``callscope audit verify --auditor-key``). Content access is refused while the
   log has no auditor to seal k_0 to; installing one starts a fresh log that links to
   the previous one (``prev_log``/``prev_head`` in its ``LOG_CREATED``).
3. Checkpoints: a per-installation Ed25519 key (``state/installation-ed25519.key``)
   signs ``LOG_CREATED`` and a ``CHECKPOINT`` every N entries and at close, so anyone can
   check a copy without secrets; a copy that does not end on a checkpoint is
   ``UNSEALED_TAIL``. The writer's state (next seq, head hash, size) is a local
   high-water mark: a log shorter than it is ``TRUNCATED`` (also an older copy restored).
4. Limits, stated plainly: whoever holds this user's files and the installation key
   can fabricate a whole new log from seq 0 (with a fresh k_0 sealed to the same
   auditor) and matching state; only an off-device record of the log's ``LOG_CREATED``
   hash and latest checkpoint (the anchor printed by ``audit verify``), i.e. an
   external witness, detects that. Deleting log and state together is not detected
   locally either. Old keys may survive in SSD/copy-on-write blocks.

Every append is written with O_APPEND on a regular, non-symlink file, fsync'd together
with its directory before ``append`` returns; any ``OSError`` becomes
``AuditWriteError`` and the caller must refuse the action it was recording.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

from callscope.core.privacy import audit_chain, escrow, files, keys, paths
from callscope.core.privacy.audit_entry import (
    ACTIONS,
    MAX_LINE_BYTES,
    VERSION,
    ZERO_HASH,
    clean_obj,
    line_hash,
    sanitize_text,
)
from callscope.core.privacy.audit_state import AuditState, forget_state, locked, read_state
from callscope.core.privacy.audit_state import write_state as _write_state
from callscope.core.privacy.canonical import canonical_bytes
from callscope.core.privacy.checkpoint import checkpoint_obj, sign_entry
from callscope.core.privacy.clock import Clock, SystemClock, iso_ms
from callscope.core.privacy.errors import AuditWriteError, KeyFileError

SYSTEM_ACTOR = "callscope"
CHECKPOINT_EVERY = 64


class AuditLog:
    """Writer of one audit log file (default ``paths.audit_log_path()``).

    ``append(action, actor=..., obj=..., case=..., reason=...) -> seq`` returns only
    after the entry is on disk; ``close()`` seals the log with a checkpoint.
    """

    def __init__(
        self,
        path: Path | None = None,
        *,
        clock: Clock | None = None,
        checkpoint_every: int = CHECKPOINT_EVERY,
    ) -> None:
        self.path = path or paths.audit_log_path()
        self.clock: Clock = clock or SystemClock()
        self._every = checkpoint_every

    def __enter__(self) -> AuditLog:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def append(
        self,
        action: str,
        *,
        actor: str,
        obj: dict[str, Any] | None = None,
        case: str | None = None,
        reason: str | None = None,
    ) -> int:
        """Write one entry durably and return its seq; ``AuditWriteError`` if impossible."""
        if action not in ACTIONS or action in ("LOG_CREATED", "CHECKPOINT"):
            raise ValueError(f"not an action callers may log: {action!r}")
        cleaned = clean_obj(obj or {})
        with self._session() as state:
            seq = self._append(state, action, actor, cleaned, case, reason)
            if state.since_checkpoint >= state.checkpoint_every:
                self._checkpoint(state)
            return seq

    def checkpoint(self) -> None:
        """Seal the current head with a signed checkpoint (no-op if already sealed)."""
        with self._session() as state:
            if state.since_checkpoint:
                self._checkpoint(state)

    def close(self) -> None:
        """Seal the log (checkpoint) if this installation has written to it."""
        try:
            written = read_state(self.path) is not None
        except (OSError, ValueError):
            written = True  # let checkpoint() report the problem
        if written:
            self.checkpoint()

    def escrowed(self) -> bool:
        """True when the current log's k_0 is sealed to the installed auditor key."""
        with self._session() as state:
            return bool(state.auditor)

    # -- internals -------------------------------------------------------------------

    @contextlib.contextmanager
    def _session(self) -> Iterator[AuditState]:
        """Lock the log and load (or create) its state; OSError becomes AuditWriteError."""
        try:
            paths.ensure_dir(self.path.parent)
            with locked(self.path):
                yield self._state()
        except (OSError, KeyFileError) as exc:
            raise _write_error(self.path, exc) from None

    def _state(self) -> AuditState:
        """The current state, creating the log or rotating it as needed (under lock)."""
        try:
            state = read_state(self.path)
        except (OSError, ValueError) as exc:
            raise AuditWriteError(f"audit state for {self.path} is unreadable ({exc})") from None
        present = self.path.exists() or self.path.is_symlink()
        if state is None:
            if present:
                raise AuditWriteError(
                    f"audit log {self.path} exists but this installation did not write it; "
                    "move it aside (after `callscope audit verify`) to start a new log"
                )
            return self._create(None)
        if not present:
            raise AuditWriteError(
                f"audit log {self.path} is missing although {state.seq} entries were written"
            )
        auditor = keys.auditor_public_key()
        if auditor is not None and keys.fingerprint(auditor) != state.auditor:
            return self._rotate(state)
        return state

    def _rotate(self, state: AuditState) -> AuditState:
        """Seal the current log, archive it as ``audit-<log_id>.jsonl``, start a new one."""
        if state.since_checkpoint:
            self._checkpoint(state)
        archived = self.path.with_name(f"{self.path.stem}-{state.log_id}{self.path.suffix}")
        os.rename(self.path, archived)
        files.fsync_dir(self.path.parent)
        forget_state(self.path)
        return self._create(state)

    def _create(self, previous: AuditState | None) -> AuditState:
        k0 = secrets.token_bytes(32)
        auditor = keys.auditor_public_key()
        signer = keys.installation_key()
        obj: dict[str, Any] = {
            "installation_key": "ed25519:" + keys.raw_public(signer.public_key()).hex(),
            "k0_sealed": "x25519:" + escrow.seal(k0, auditor).hex() if auditor else None,
            "auditor_key": keys.fingerprint(auditor) if auditor else None,
            "checkpoint_every": self._every,
        }
        if previous is not None:
            obj.update(prev_log=previous.log_id, prev_head=previous.head, prev_seq=previous.seq - 1)
        state = AuditState(
            log_id=secrets.token_hex(16),
            seq=0,
            key=k0.hex(),
            head=ZERO_HASH,
            size=0,
            since_checkpoint=0,
            checkpoint_every=self._every,
            auditor=obj["auditor_key"] or "",
        )
        fd = os.open(
            self.path,
            os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0),
            0o600,
        )
        os.close(fd)
        files.fsync_dir(self.path.parent)
        self._append(state, "LOG_CREATED", SYSTEM_ACTOR, obj, None, None, signer=True)
        return state

    def _checkpoint(self, state: AuditState) -> None:
        obj = checkpoint_obj(state.seq - 1, state.head)
        self._append(state, "CHECKPOINT", SYSTEM_ACTOR, obj, None, None, signer=True)

    def _append(
        self,
        state: AuditState,
        action: str,
        actor: str,
        obj: dict[str, Any],
        case: str | None,
        reason: str | None,
        *,
        signer: bool = False,
    ) -> int:
        entry: dict[str, Any] = {
            "v": VERSION,
            "log_id": state.log_id,
            "seq": state.seq,
            "ts": iso_ms(self.clock.now()),
            "actor": sanitize_text(actor),
            "action": action,
            "obj": obj,
            "case": None if case is None else sanitize_text(case),
            "reason": None if reason is None else sanitize_text(reason),
            "prev": state.head,
        }
        key = bytes.fromhex(state.key)
        entry["tag"] = audit_chain.compute_tag(key, entry)
        if signer:
            sign_entry(entry, keys.installation_key())
        line = canonical_bytes(entry)
        if len(line) >= MAX_LINE_BYTES:
            raise ValueError("audit entry too large")
        fd = files.open_regular(self.path, os.O_RDWR | os.O_APPEND)
        try:
            self._check_tail(fd, state)
            try:
                files.write_all(fd, line + b"\n")
                os.fsync(fd)
            except OSError:
                _truncate_quietly(fd, state.size)
                raise
        finally:
            os.close(fd)
        files.fsync_dir(self.path.parent)
        state.seq += 1
        state.key = audit_chain.evolve(key).hex()
        state.head = line_hash(line)
        state.size += len(line) + 1
        state.since_checkpoint = 0 if signer else state.since_checkpoint + 1
        _write_state(self.path, state)
        return state.seq - 1

    def _check_tail(self, fd: int, state: AuditState) -> None:
        """Refuse to append unless the file is exactly what this writer left."""
        size = os.fstat(fd).st_size
        if size != state.size:
            raise AuditWriteError(
                f"audit log {self.path} was changed outside CallScope "
                f"({size} bytes, expected {state.size}); run `callscope audit verify`"
            )
        if size == 0:
            return
        start = max(0, size - MAX_LINE_BYTES)
        os.lseek(fd, start, os.SEEK_SET)  # no pread on Windows; O_APPEND still appends
        tail = os.read(fd, size - start)
        last = tail[:-1].rsplit(b"\n", 1)[-1]
        if not tail.endswith(b"\n") or line_hash(last) != state.head:
            raise AuditWriteError(
                f"the last entry of {self.path} was altered; run `callscope audit verify`"
            )


def _truncate_quietly(fd: int, size: int) -> None:
    """Remove a partly written line after a failed write (best effort)."""
    try:
        os.ftruncate(fd, size)
        os.fsync(fd)
    except OSError:
        pass


def _write_error(path: Path, exc: BaseException) -> AuditWriteError:
    detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return AuditWriteError(f"cannot write the audit log {path}: {detail}; action refused")
