"""Consent records: who took part in a captured call and how each agreed to access.

Where: ``data/consent/<capture sha256>.consent.json`` (``paths.consent_dir()``), not
beside the capture. Keyed by the capture's SHA-256 the record survives renaming and
moving the capture, is never shared along with it (it is personal data in itself),
sits in one 0700 folder, and retention sweeps can list every record without crawling
the disk. It keeps the capture's last known path so purge can delete the file.

A record names the case, the purpose (from the policy), the requesting line (masked
and as a keyed pseudonym, never in clear), the capture window, the retention date
(capture end + policy period) and every party: role, kind (``person``, ``machine``,
``technician``) and, for persons, the consent (method ``ivr_keypress``,
``signed_form`` or ``verbal`` with the agent's name; when; evidence reference;
withdrawal). ``TEST_CALL`` records hold only the technician and machines, so need no
customer consent. The record carries its own SHA-256 (``record_sha256``) over its
canonical form: an edited file is refused. The same hash goes to the audit log
(``CONSENT_RECORDED``), so an auditor can tell which record a grant relied on.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from callscope.core.privacy.canonical import canonical_bytes
from callscope.core.privacy.clock import iso_ms
from callscope.core.privacy.errors import ConsentError
from callscope.core.privacy.masking import mask_number, mask_text
from callscope.core.privacy.policy import Policy
from callscope.core.privacy.pseudonym import pseudonym

FORMAT = "callscope-consent"
ROLES = frozenset({"caller", "callee", "forwarded_leg", "conference_leg", "other_leg"})
KINDS = frozenset({"person", "machine", "technician"})
METHODS = frozenset({"ivr_keypress", "signed_form", "verbal"})
TEST_CALL = "TEST_CALL"
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class PartyConsent:
    """How and when one person agreed; ``agent`` is required for verbal consent."""

    method: str
    at: datetime
    evidence: str  # reference to the recording, form or ticket note
    agent: str | None = None
    withdrawn_at: datetime | None = None


@dataclass(frozen=True)
class Party:
    """One participant of the call (A, B, or any further leg)."""

    role: str
    kind: str
    label: str = ""  # masked identity for display, e.g. "+***456"
    login: str | None = None  # OS login, for kind "technician"
    consent: PartyConsent | None = None

    def consented(self) -> bool:
        """Persons need a non-withdrawn consent; machines and technicians do not."""
        if self.kind != "person":
            return True
        return self.consent is not None and self.consent.withdrawn_at is None


@dataclass(frozen=True)
class ConsentRecord:
    """The consent bound to one capture (see the module docstring)."""

    capture_sha256: str
    capture_path: str
    case_ref: str
    purpose: str
    requesting_line: str  # masked
    requesting_line_id: str  # keyed pseudonym "hmac-sha256:…" ("" for none)
    window_start: datetime
    window_end: datetime
    retention_until: datetime
    parties: tuple[Party, ...]
    created: datetime
    created_by: str
    policy_sha256: str

    def to_json(self) -> dict[str, Any]:
        """The record as a JSON object, without its own hash."""
        return {
            "format": FORMAT,
            "v": 1,
            "capture_sha256": self.capture_sha256,
            "capture_path": self.capture_path,
            "case_ref": self.case_ref,
            "purpose": self.purpose,
            "requesting_line": self.requesting_line,
            "requesting_line_id": self.requesting_line_id,
            "window": [iso_ms(self.window_start), iso_ms(self.window_end)],
            "retention_until": iso_ms(self.retention_until),
            "parties": [_party_json(p) for p in self.parties],
            "created": iso_ms(self.created),
            "created_by": self.created_by,
            "policy_sha256": self.policy_sha256,
        }

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of the record's canonical JSON (what the audit log refers to)."""
        return hashlib.sha256(canonical_bytes(self.to_json())).hexdigest()

    def missing_consent(self) -> list[str]:
        """One line per party whose consent is missing or withdrawn (masked)."""
        return [
            f"{p.role} {p.label or p.kind}: "
            + ("consent withdrawn" if p.consent and p.consent.withdrawn_at else "no consent")
            for p in self.parties
            if not p.consented()
        ]

    @property
    def complete(self) -> bool:
        """Every person party consented (and has not withdrawn)."""
        return not self.missing_consent()


def _party_json(p: Party) -> dict[str, Any]:
    c = p.consent
    consent = None
    if c is not None:
        consent = {
            "method": c.method,
            "at": iso_ms(c.at),
            "evidence": c.evidence,
            "agent": c.agent,
            "withdrawn_at": iso_ms(c.withdrawn_at) if c.withdrawn_at else None,
        }
    return {"role": p.role, "kind": p.kind, "label": p.label, "login": p.login, "consent": consent}


def check_parties(purpose: str, parties: tuple[Party, ...]) -> None:
    """``ConsentError`` unless the parties are well formed for this purpose."""
    if len(parties) < 2:
        raise ConsentError("a consent record needs every party of the call (at least two)")
    for p in parties:
        if p.role not in ROLES or p.kind not in KINDS:
            raise ConsentError(f"party {p.role!r}/{p.kind!r}: role or kind unknown")
        if p.kind == "technician" and not p.login:
            raise ConsentError(f"technician party {p.role} must name the technician's login")
        c = p.consent
        if c is not None:
            if c.method not in METHODS:
                raise ConsentError(f"unknown consent method {c.method!r}; use {sorted(METHODS)}")
            if c.method == "verbal" and not c.agent:
                raise ConsentError("verbal consent must name the agent who obtained it")
            if not c.evidence.strip():
                raise ConsentError(f"consent of the {p.role} has no evidence reference")
    if purpose == TEST_CALL:
        if any(p.kind == "person" for p in parties):
            raise ConsentError("a TEST_CALL involves only the technician and machines")
        if not any(p.kind == "technician" for p in parties):
            raise ConsentError("a TEST_CALL must include the technician's own line")


def new_record(
    *,
    capture_sha256: str,
    capture_path: Path | str,
    case_ref: str,
    purpose: str,
    requesting_line: str,
    window: tuple[datetime, datetime],
    parties: list[Party] | tuple[Party, ...],
    policy: Policy,
    created: datetime,
    created_by: str,
) -> ConsentRecord:
    """A new record, checked against the policy; retention = window end + policy period."""
    if not SHA256_HEX.match(capture_sha256):
        raise ConsentError("capture hash must be 64 lower-case hex digits")
    if purpose not in policy.purposes:
        raise ConsentError(f"purpose {purpose!r} is not allowed by the policy")
    if not case_ref.strip():
        raise ConsentError("a case reference is required")
    if window[1] < window[0]:
        raise ConsentError("capture window ends before it starts")
    check_parties(purpose, tuple(parties))
    return ConsentRecord(
        capture_sha256=capture_sha256,
        capture_path=str(capture_path),
        case_ref=mask_text(case_ref.strip())[:200],
        purpose=purpose,
        requesting_line=mask_number(requesting_line) if requesting_line else "",
        requesting_line_id=pseudonym(requesting_line),
        window_start=window[0],
        window_end=window[1],
        retention_until=window[1] + policy.retention,
        parties=tuple(parties),
        created=created,
        created_by=created_by,
        policy_sha256=policy.sha256,
    )


def withdraw(record: ConsentRecord, index: int, at: datetime) -> ConsentRecord:
    """A copy of ``record`` where party ``index`` withdrew consent at ``at``."""
    party = record.parties[index]
    if party.consent is None:
        raise ConsentError(f"the {party.role} has no consent to withdraw")
    changed = dataclasses.replace(
        party, consent=dataclasses.replace(party.consent, withdrawn_at=at)
    )
    parties = (*record.parties[:index], changed, *record.parties[index + 1 :])
    return dataclasses.replace(record, parties=parties)
