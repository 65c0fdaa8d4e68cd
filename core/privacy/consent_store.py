"""Save, load and list consent records (``data/consent/<sha256>.consent.json``).

Loading re-checks everything: format, fields, party rules, and the record's own
``record_sha256`` (an edited record is refused), and that the file name's hash is the
capture hash inside.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from callscope.core.privacy import files, paths
from callscope.core.privacy.audit_log import AuditLog
from callscope.core.privacy.canonical import CanonicalError, parse_strict
from callscope.core.privacy.clock import parse_iso
from callscope.core.privacy.consent import (
    FORMAT,
    SHA256_HEX,
    ConsentRecord,
    Party,
    PartyConsent,
    check_parties,
)
from callscope.core.privacy.errors import ConsentError

MAX_RECORD_BYTES = 256 * 1024
SUFFIX = ".consent.json"


def record_path(capture_sha256: str) -> Path:
    """Where the record of this capture lives."""
    if not SHA256_HEX.match(capture_sha256):
        raise ConsentError("capture hash must be 64 lower-case hex digits")
    return paths.consent_dir() / f"{capture_sha256}{SUFFIX}"


def save_record(record: ConsentRecord, log: AuditLog, actor: str) -> Path:
    """Log ``CONSENT_RECORDED`` (first), then write the record with its own hash."""
    log.append(
        "CONSENT_RECORDED",
        actor=actor,
        obj={
            "capture": "sha256:" + record.capture_sha256,
            "consent": "sha256:" + record.sha256,
            "purpose": record.purpose,
            "complete": record.complete,
        },
        case=record.case_ref,
    )
    obj = record.to_json()
    obj["record_sha256"] = record.sha256
    path = record_path(record.capture_sha256)
    try:
        files.write_atomic(path, (json.dumps(obj, indent=1, ensure_ascii=False) + "\n").encode())
    except OSError as exc:
        raise ConsentError(f"cannot write consent record {path}: {exc.strerror or exc}") from None
    return path


def _str(obj: dict[str, Any], name: str) -> str:
    value = obj.get(name)
    if not isinstance(value, str):
        raise ConsentError(f"consent record field {name!r} is missing or not text")
    return value


def _opt_str(obj: dict[str, Any], name: str) -> str | None:
    value = obj.get(name)
    if value is not None and not isinstance(value, str):
        raise ConsentError(f"consent record field {name!r} is not text")
    return value


def _party(obj: Any) -> Party:
    if not isinstance(obj, dict):
        raise ConsentError("a consent record party is not an object")
    c = obj.get("consent")
    consent = None
    if c is not None:
        if not isinstance(c, dict):
            raise ConsentError("a party's consent is not an object")
        withdrawn = _opt_str(c, "withdrawn_at")
        consent = PartyConsent(
            method=_str(c, "method"),
            at=parse_iso(_str(c, "at")),
            evidence=_str(c, "evidence"),
            agent=_opt_str(c, "agent"),
            withdrawn_at=parse_iso(withdrawn) if withdrawn else None,
        )
    return Party(
        role=_str(obj, "role"),
        kind=_str(obj, "kind"),
        label=_str(obj, "label"),
        login=_opt_str(obj, "login"),
        consent=consent,
    )


def parse_record(obj: Any) -> ConsentRecord:
    """A record from its JSON object; ``ConsentError`` if malformed or edited."""
    if not isinstance(obj, dict) or obj.get("format") != FORMAT or obj.get("v") != 1:
        raise ConsentError("not a CallScope consent record")
    try:
        window = obj.get("window")
        if not (isinstance(window, list) and len(window) == 2):
            raise ConsentError("consent record window must be [start, end]")
        parties = obj.get("parties")
        if not isinstance(parties, list):
            raise ConsentError("consent record parties must be a list")
        record = ConsentRecord(
            capture_sha256=_str(obj, "capture_sha256"),
            capture_path=_str(obj, "capture_path"),
            case_ref=_str(obj, "case_ref"),
            purpose=_str(obj, "purpose"),
            requesting_line=_str(obj, "requesting_line"),
            requesting_line_id=_str(obj, "requesting_line_id"),
            window_start=parse_iso(str(window[0])),
            window_end=parse_iso(str(window[1])),
            retention_until=parse_iso(_str(obj, "retention_until")),
            parties=tuple(_party(p) for p in parties),
            created=parse_iso(_str(obj, "created")),
            created_by=_str(obj, "created_by"),
            policy_sha256=_str(obj, "policy_sha256"),
        )
    except ValueError as exc:
        raise ConsentError(f"consent record has a bad time ({exc})") from None
    check_parties(record.purpose, record.parties)
    if obj.get("record_sha256") != record.sha256 or set(obj) != set(record.to_json()) | {
        "record_sha256"
    }:
        raise ConsentError(
            f"consent record of capture {record.capture_sha256[:12]}… was edited after it "
            "was written (hash mismatch); it cannot be used"
        )
    return record


def load_record(capture_sha256: str) -> ConsentRecord:
    """The stored record of this capture; ``ConsentError`` if none, unreadable or edited."""
    path = record_path(capture_sha256)
    try:
        obj = parse_strict(files.read_regular(path, MAX_RECORD_BYTES))
    except FileNotFoundError:
        raise ConsentError(f"no consent record for capture {capture_sha256[:12]}…") from None
    except OSError as exc:
        raise ConsentError(f"cannot read consent record {path}: {exc.strerror or exc}") from None
    except CanonicalError as exc:
        raise ConsentError(f"consent record {path} is not valid JSON ({exc})") from None
    record = parse_record(obj)
    if record.capture_sha256 != capture_sha256:
        raise ConsentError(f"consent record {path.name} belongs to another capture")
    return record


def list_records() -> tuple[list[ConsentRecord], list[str]]:
    """Every readable record, and one message per record that could not be used."""
    records: list[ConsentRecord] = []
    problems: list[str] = []
    for path in sorted(paths.consent_dir().glob("*" + SUFFIX)):
        try:
            records.append(load_record(path.name[: -len(SUFFIX)]))
        except ConsentError as exc:
            problems.append(str(exc))
    return records, problems
