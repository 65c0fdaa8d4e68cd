"""Shared set-up for the privacy tests: keys, a signed policy, captures, records, a gate.

Imported by the test modules (``from privacy_fixtures import ...``); every path lives
under the per-test ``CALLSCOPE_HOME`` that tests/conftest.py sets.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from callscope.core.privacy import keys, paths
from callscope.core.privacy.audit_log import AuditLog
from callscope.core.privacy.clock import iso_ms
from callscope.core.privacy.consent import ConsentRecord, Party, PartyConsent, new_record
from callscope.core.privacy.consent_store import save_record
from callscope.core.privacy.gate import ContentGate
from callscope.core.privacy.policy import Policy, load_policy, sign_policy

T0 = datetime(2025, 3, 4, 9, 0, 0, tzinfo=UTC)


@dataclass
class FakeClock:
    """A wall clock the test moves by hand."""

    t: datetime = T0

    def now(self) -> datetime:
        return self.t

    def advance(self, **kw: float) -> None:
        self.t += timedelta(**kw)


@dataclass
class World:
    """Everything a gate test needs, already installed under CALLSCOPE_HOME."""

    clock: FakeClock
    admin: Ed25519PrivateKey
    auditor: X25519PrivateKey
    log: AuditLog
    capture: Path
    sha: str
    extra: dict[str, Any] = field(default_factory=dict)

    def policy(self) -> Policy:
        return load_policy(self.clock)

    def gate(self, actor: str = "alice") -> ContentGate:
        return ContentGate(self.log, clock=self.clock, actor=actor)


def install_admin_key(key: Ed25519PrivateKey, name: str = "admin") -> None:
    dest = paths.trusted_admin_keys_dir() / f"{name}.pub"
    dest.write_bytes(keys.public_pem(key.public_key()))


def install_auditor_key(key: X25519PrivateKey) -> None:
    paths.auditor_key_path().write_bytes(keys.public_pem(key.public_key()))


def policy_dict(now: datetime = T0, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "format": "callscope-policy",
        "version": 1,
        "issued": iso_ms(now - timedelta(days=1)),
        "expires": iso_ms(now + timedelta(days=365)),
        "retention_days": 5,
        "grant_minutes": 30,
        "purposes": ["QOS_DIAG_VOICE", "TEST_CALL"],
        "technicians": {
            "alice": ["analyst", "listener"],
            "bob": ["analyst"],
            "carol": ["auditor"],
        },
    }
    body.update(overrides)
    return body


def write_policy(
    body: dict[str, Any], key: Ed25519PrivateKey | None, path: Path | None = None
) -> Path:
    path = path or paths.policy_path()
    path.write_text(json.dumps(body, indent=2), encoding="utf-8")
    if key is not None:
        sign_policy(path, key)
    return path


def make_capture(
    folder: Path, content: bytes = b"\xd4\xc3\xb2\xa1fake capture"
) -> tuple[Path, str]:
    path = folder / "call.pcap"
    path.write_bytes(content)
    return path, hashlib.sha256(content).hexdigest()


def consent_of(method: str = "ivr_keypress", **kw: Any) -> PartyConsent:
    return PartyConsent(method=method, at=T0 - timedelta(hours=1), evidence="IVR-log-7", **kw)


def customer_parties(callee_consent: PartyConsent | None = None) -> list[Party]:
    return [
        Party("caller", "person", "+***456", consent=consent_of()),
        Party("callee", "person", "+***789", consent=callee_consent or consent_of("signed_form")),
    ]


def record_for(
    world: World,
    *,
    purpose: str = "QOS_DIAG_VOICE",
    parties: list[Party] | None = None,
    case_ref: str = "INC-1",
    window_end: datetime | None = None,
) -> ConsentRecord:
    end = window_end or T0 - timedelta(minutes=30)
    return new_record(
        capture_sha256=world.sha,
        capture_path=world.capture,
        case_ref=case_ref,
        purpose=purpose,
        requesting_line="+32 475 12 34 56",
        window=(end - timedelta(minutes=5), end),
        parties=parties if parties is not None else customer_parties(),
        policy=world.policy(),
        created=T0,
        created_by="alice",
    )


@pytest.fixture
def world(tmp_path: Path) -> World:
    clock = FakeClock()
    admin = Ed25519PrivateKey.generate()
    auditor = X25519PrivateKey.generate()
    install_admin_key(admin)
    install_auditor_key(auditor)
    write_policy(policy_dict(), admin)
    capture, sha = make_capture(tmp_path)
    log = AuditLog(clock=clock, checkpoint_every=8)
    return World(clock, admin, auditor, log, capture, sha)


@pytest.fixture
def consented(world: World) -> World:
    """``world`` with a complete consent record saved for its capture."""
    record = record_for(world)
    save_record(record, world.log, "alice")
    world.extra["record"] = record
    return world


def log_actions(log: AuditLog) -> list[str]:
    return [json.loads(line)["action"] for line in log.path.read_bytes().split(b"\n") if line]


def log_entries(log: AuditLog) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.path.read_bytes().split(b"\n") if line]
