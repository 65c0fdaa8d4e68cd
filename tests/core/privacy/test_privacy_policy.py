"""The signed policy: every way it can be wrong is refused with a reason."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from privacy_fixtures import T0, FakeClock, install_admin_key, policy_dict, write_policy

from callscope.core.privacy import keys, paths
from callscope.core.privacy.canonical import CanonicalError, canonical_bytes
from callscope.core.privacy.clock import iso_ms
from callscope.core.privacy.errors import PolicyError
from callscope.core.privacy.policy import load_policy, signature_path


@pytest.fixture
def admin() -> Ed25519PrivateKey:
    key = Ed25519PrivateKey.generate()
    install_admin_key(key)
    return key


def test_signed_policy_loads(admin: Ed25519PrivateKey) -> None:
    write_policy(policy_dict(), admin)
    policy = load_policy(FakeClock())
    assert policy.version == 1 and policy.retention_days == 5
    assert policy.roles_of("alice") == {"analyst", "listener"}
    assert policy.roles_of("nobody") == frozenset()
    assert "TEST_CALL" in policy.purposes and len(policy.sha256) == 64


def test_reformatting_a_signed_policy_keeps_it_valid(admin: Ed25519PrivateKey) -> None:
    path = write_policy(policy_dict(), admin)
    obj = json.loads(path.read_text())
    path.write_text(json.dumps(obj, separators=(",", ":"), sort_keys=False))
    assert load_policy(FakeClock()).version == 1


def test_missing_policy_is_refused() -> None:
    with pytest.raises(PolicyError, match="no policy installed"):
        load_policy(FakeClock())


def test_unsigned_policy_is_refused(admin: Ed25519PrivateKey) -> None:
    write_policy(policy_dict(), None)
    with pytest.raises(PolicyError, match="not signed"):
        load_policy(FakeClock())


def test_edited_policy_is_refused(admin: Ed25519PrivateKey) -> None:
    path = write_policy(policy_dict(), admin)
    obj = json.loads(path.read_text())
    obj["technicians"]["bob"] = ["listener"]
    path.write_text(json.dumps(obj))
    with pytest.raises(PolicyError, match="edited after signing"):
        load_policy(FakeClock())


def test_policy_signed_by_another_key_is_refused(admin: Ed25519PrivateKey) -> None:
    write_policy(policy_dict(), Ed25519PrivateKey.generate())
    with pytest.raises(PolicyError, match="untrusted key"):
        load_policy(FakeClock())


def test_signature_relabelled_with_the_trusted_key_is_refused(admin: Ed25519PrivateKey) -> None:
    path = write_policy(policy_dict(), admin)
    write_policy(policy_dict(version=9), Ed25519PrivateKey.generate(), path.with_name("x.json"))
    good = json.loads(signature_path(path).read_text())
    forged = json.loads(signature_path(path.with_name("x.json")).read_text())
    forged["key"] = good["key"]
    path.write_text(json.dumps(policy_dict(version=9)))
    signature_path(path).write_text(json.dumps(forged))
    with pytest.raises(PolicyError, match="edited after signing"):
        load_policy(FakeClock())


def test_no_trusted_key_installed_is_refused() -> None:
    write_policy(policy_dict(), Ed25519PrivateKey.generate())
    with pytest.raises(PolicyError, match="no trusted administrator key"):
        load_policy(FakeClock())


def test_expired_policy_is_refused(admin: Ed25519PrivateKey) -> None:
    write_policy(policy_dict(expires=iso_ms(T0 - timedelta(seconds=1))), admin)
    with pytest.raises(PolicyError, match="expired"):
        load_policy(FakeClock())


def test_expired_policy_stays_expired_when_the_clock_is_set_back(
    admin: Ed25519PrivateKey,
) -> None:
    write_policy(policy_dict(expires=iso_ms(T0 + timedelta(days=1))), admin)
    clock = FakeClock()
    load_policy(clock)
    clock.advance(days=2)
    with pytest.raises(PolicyError, match="expired"):
        load_policy(clock)
    clock.advance(days=-10)
    with pytest.raises(PolicyError, match="expired"):
        load_policy(clock)


def test_policy_from_the_future_is_refused(admin: Ed25519PrivateKey) -> None:
    write_policy(policy_dict(issued=iso_ms(T0 + timedelta(days=1))), admin)
    with pytest.raises(PolicyError, match="not valid before"):
        load_policy(FakeClock())


def test_rolled_back_policy_is_refused(admin: Ed25519PrivateKey, tmp_path: Path) -> None:
    old = write_policy(policy_dict(version=1), admin, tmp_path / "v1.json")
    write_policy(policy_dict(version=2, technicians={"alice": ["analyst"]}), admin)
    assert load_policy(FakeClock()).version == 2
    paths.policy_path().write_bytes(old.read_bytes())
    signature_path(paths.policy_path()).write_bytes(signature_path(old).read_bytes())
    with pytest.raises(PolicyError, match="older than version 2"):
        load_policy(FakeClock())


def test_same_version_with_other_content_is_refused(admin: Ed25519PrivateKey) -> None:
    write_policy(policy_dict(version=3), admin)
    load_policy(FakeClock())
    write_policy(policy_dict(version=3, retention_days=30), admin)
    with pytest.raises(PolicyError, match="raise the version"):
        load_policy(FakeClock())


def test_showing_a_draft_does_not_move_the_rollback_mark(
    admin: Ed25519PrivateKey, tmp_path: Path
) -> None:
    write_policy(policy_dict(version=1), admin)
    draft = write_policy(policy_dict(version=5), admin, tmp_path / "draft.json")
    assert load_policy(FakeClock(), draft, remember=False).version == 5
    assert load_policy(FakeClock()).version == 1


@pytest.mark.parametrize(
    ("override", "why"),
    [
        ({"purposes": ["SPY_ON_PEOPLE"]}, "unknown purposes"),
        ({"technicians": {"alice": ["root"]}}, "roles of 'alice'"),
        ({"technicians": {"bad name\n": ["analyst"]}}, "invalid login"),
        ({"retention_days": 0}, "retention_days"),
        ({"version": 1.5}, "not an integer"),
        ({"format": "something-else"}, "not a CallScope policy"),
    ],
)
def test_malformed_policy_is_refused(
    admin: Ed25519PrivateKey, override: dict[str, object], why: str
) -> None:
    """Signed by the trusted key (bypassing ``policy sign``'s own check) yet refused."""
    path = paths.policy_path()
    body = policy_dict(**override)
    path.write_text(json.dumps(body))
    try:
        sig = admin.sign(canonical_bytes(body)).hex()
    except CanonicalError:
        sig = "00" * 64
    fp = keys.fingerprint(admin.public_key())
    signature_path(path).write_text(json.dumps({"alg": "ed25519", "key": fp, "sig": sig}))
    with pytest.raises(PolicyError, match=why):
        load_policy(FakeClock())
