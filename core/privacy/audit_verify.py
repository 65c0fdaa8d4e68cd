"""Check an audit log: chain, tags, signatures, checkpoints, completeness.

``verify(path)`` returns a ``VerifyResult`` whose ``str()`` is ``OK`` or the first
failure: ``TAMPERED at seq N: why``, ``TRUNCATED: why``, ``UNSEALED_TAIL: why`` or
``LOG_MISSING``. Checks, in order, per line: complete line, canonical JSON, fields,
contiguous seq, constant log_id, ``prev`` = hash of the previous line, signatures on
``LOG_CREATED``/``CHECKPOINT`` under the installation key, checkpoint contents and
spacing, and (given the auditor's private key) every tag under exactly its k_i. At the
end: against this installation's state (``audit_state.py``) the log must reach the
recorded head with the recorded hash; without that state it must end on a checkpoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from callscope.core.privacy import audit_chain, escrow, files, keys
from callscope.core.privacy.audit_entry import (
    MAX_LINE_BYTES,
    SIGNED_ACTIONS,
    ZERO_HASH,
    line_hash,
    shape_error,
)
from callscope.core.privacy.audit_state import AuditState, read_state
from callscope.core.privacy.canonical import CanonicalError, parse_canonical
from callscope.core.privacy.checkpoint import installation_key_from, signature_valid

OK = "OK"
TAMPERED = "TAMPERED"
TRUNCATED = "TRUNCATED"
UNSEALED_TAIL = "UNSEALED_TAIL"
LOG_MISSING = "LOG_MISSING"


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of ``verify``; ``ok`` only when status is ``OK``."""

    status: str
    seq: int | None = None  # entry where the failure was found
    detail: str = ""
    entries: int = 0
    log_id: str = ""
    anchor: str = ""  # hash of LOG_CREATED: record it off-device to detect a rewrite
    head: str = ""  # hash of the last entry
    tags_checked: bool = False
    local_state: bool = False

    @property
    def ok(self) -> bool:
        return self.status == OK

    def __str__(self) -> str:
        if self.ok:
            return OK
        where = f" at seq {self.seq}" if self.seq is not None else ""
        return f"{self.status}{where}: {self.detail}" if self.detail else self.status + where


class _Failure(Exception):
    def __init__(self, status: str, seq: int | None, detail: str) -> None:
        super().__init__(detail)
        self.result = VerifyResult(status, seq, detail)


def _tampered(seq: int, detail: str) -> _Failure:
    return _Failure(TAMPERED, seq, detail)


class _Walker:
    """Walk the lines once, keeping what the checks need."""

    def __init__(self, installation: Ed25519PublicKey | None, auditor: X25519PrivateKey | None):
        self.installation = installation
        self.auditor = auditor
        self.key: bytes | None = None
        self.log_id = ""
        self.anchor = ""
        self.prev = ZERO_HASH
        self.every = 0
        self.since_checkpoint = 0
        self.last_action = ""
        self.count = 0
        self.hashes: list[str] = []

    def line(self, seq: int, body: bytes) -> None:
        try:
            entry = parse_canonical(body)
        except CanonicalError as exc:
            raise _tampered(seq, f"not canonical JSON ({exc})") from None
        why = shape_error(entry)
        if why:
            raise _tampered(seq, why)
        if entry["seq"] != seq:
            raise _tampered(seq, f"found seq {entry['seq']} (line deleted, repeated or moved)")
        if seq == 0:
            self._created(entry)
        elif entry["log_id"] != self.log_id:
            raise _tampered(seq, "entry from another log (log_id differs)")
        elif entry["action"] == "LOG_CREATED":
            raise _tampered(seq, "a second LOG_CREATED")
        if entry["prev"] != self.prev:
            if seq == 0:
                raise _tampered(0, "the first entry does not start the chain")
            raise _tampered(seq - 1, f"entry {seq - 1} does not match the hash entry {seq} holds")
        if self.key is not None:
            if not audit_chain.tag_matches(self.key, entry):
                raise _tampered(seq, "MAC tag does not verify under k_seq")
            self.key = audit_chain.evolve(self.key)
        if entry["action"] in SIGNED_ACTIONS:
            self._signed(seq, entry)
        else:
            self.since_checkpoint += 1
            if self.since_checkpoint > self.every:
                raise _tampered(seq, f"no checkpoint within {self.every} entries")
        self.prev = line_hash(body)
        self.hashes.append(self.prev)
        self.last_action = entry["action"]
        self.count = seq + 1

    def _created(self, entry: dict[str, Any]) -> None:
        if entry["action"] != "LOG_CREATED":
            raise _tampered(0, "log does not start with LOG_CREATED")
        named = installation_key_from(entry)
        if named is None:
            raise _tampered(0, "LOG_CREATED names no installation key")
        if self.installation is None:
            self.installation = named
        elif keys.raw_public(named) != keys.raw_public(self.installation):
            raise _tampered(0, "log was created by another installation key")
        every = entry["obj"].get("checkpoint_every")
        if not isinstance(every, int) or isinstance(every, bool) or not 1 <= every <= 1 << 20:
            raise _tampered(0, "bad checkpoint interval")
        self.every = every
        self.log_id = entry["log_id"]
        if self.auditor is not None:
            sealed = entry["obj"].get("k0_sealed")
            if not isinstance(sealed, str) or not sealed.startswith("x25519:"):
                raise _tampered(0, "the initial key was not sealed to an auditor")
            try:
                k0 = escrow.unseal(bytes.fromhex(sealed[7:]), self.auditor)
            except ValueError:
                k0 = None
            if k0 is None:
                raise _tampered(0, "the initial key is not sealed to this auditor key")
            self.key = k0

    def _signed(self, seq: int, entry: dict[str, Any]) -> None:
        assert self.installation is not None
        if not signature_valid(entry, self.installation):
            raise _tampered(seq, "signature does not verify")
        if entry["action"] == "CHECKPOINT":
            obj = entry["obj"]
            if obj != {"seq": seq - 1, "head": self.prev}:
                raise _tampered(seq, "checkpoint does not describe the entry before it")
        self.since_checkpoint = 0


def _read_lines(path: Path) -> list[bytes]:
    fd = files.open_regular(path, 0)
    with open(fd, "rb", closefd=True) as fh:
        lines: list[bytes] = []
        while True:
            line = fh.readline(MAX_LINE_BYTES + 1)
            if not line:
                return lines
            lines.append(line)


def verify(
    path: Path,
    *,
    installation_key: Ed25519PublicKey | None = None,
    auditor_key: X25519PrivateKey | None = None,
    use_local_state: bool = True,
) -> VerifyResult:
    """Verify the log at ``path``; see the module docstring for what is checked.

    ``installation_key`` pins the signer (default: this installation's key when the log
    has local state, else the key the log names, reported in ``anchor``).
    """
    state: AuditState | None = None
    if use_local_state:
        try:
            state = read_state(path)
        except (OSError, ValueError):
            return VerifyResult(TAMPERED, None, "this installation's audit state is unreadable")
        if state is not None and installation_key is None:
            installation_key = keys.installation_public_key()
    try:
        lines = _read_lines(path)
    except FileNotFoundError:
        return VerifyResult(LOG_MISSING, None, f"{path} does not exist")
    except OSError as exc:
        return VerifyResult(LOG_MISSING, None, f"cannot read {path}: {exc.strerror or exc}")
    walker = _Walker(installation_key, auditor_key)
    try:
        for seq, raw in enumerate(lines):
            if not raw.endswith(b"\n"):
                if len(raw) > MAX_LINE_BYTES:
                    raise _tampered(seq, "line too long")
                raise _Failure(TRUNCATED, seq, "the log ends inside an entry")
            walker.line(seq, raw[:-1])
        _check_end(walker, state)
    except _Failure as failure:
        r = failure.result
        return VerifyResult(r.status, r.seq, r.detail, walker.count, walker.log_id)
    return VerifyResult(
        OK,
        None,
        "",
        walker.count,
        walker.log_id,
        anchor=walker.hashes[0],
        head=walker.prev,
        tags_checked=auditor_key is not None,
        local_state=state is not None,
    )


def _check_end(walker: _Walker, state: AuditState | None) -> None:
    if walker.count == 0:
        detail = "the log is empty"
        if state is not None:
            detail += f" but this installation wrote {state.seq} entries"
        raise _Failure(TRUNCATED, None, detail)
    if state is not None and state.log_id == walker.log_id:
        if walker.count < state.seq:
            raise _Failure(
                TRUNCATED,
                walker.count,
                f"the log ends at seq {walker.count - 1} but this installation wrote up to "
                f"seq {state.seq - 1} (truncated, or an older copy restored)",
            )
        if walker.count > state.seq:
            raise _tampered(state.seq, "entries beyond what this installation wrote")
        if walker.hashes[state.seq - 1] != state.head:
            raise _tampered(state.seq - 1, "last entry differs from what this installation wrote")
        return
    if state is not None:
        raise _Failure(TAMPERED, 0, "this is not the log this installation writes at this path")
    if walker.last_action != "CHECKPOINT":
        raise _Failure(
            UNSEALED_TAIL,
            walker.count - 1,
            f"{walker.since_checkpoint} entries after the last checkpoint",
        )
