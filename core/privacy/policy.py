"""The administrator's signed policy: who may do what, for which purposes, how long.

File ``policy.json`` (any JSON layout; what is signed is its RFC 8785 canonical form)::

    {"format": "callscope-policy", "version": 3,
     "issued": "2025-03-01T00:00:00.000Z", "expires": "2026-03-01T00:00:00.000Z",
     "retention_days": 5, "grant_minutes": 30,
     "purposes": ["QOS_DIAG_VOICE", "TEST_CALL"],
     "technicians": {"alice": ["analyst", "listener"], "carol": ["auditor"]}}

Detached signature ``policy.json.sig``: ``{"alg": "ed25519", "key": <fingerprint>,
"sig": <hex>}``. Trusted administrator keys are PEM files in
``config/trusted_admin_keys/`` (``callscope policy trust ADMIN.pub`` copies one there).
Content access refuses an unsigned, edited, untrusted-key, expired or rolled-back policy
(version below the highest seen, persisted in ``state/policy-mark.json``); analysis
never needs a policy. Limit: the trust store is in the user's own config folder, so
the check binds honest users and stops casual edits, not the machine's owner.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from callscope.core.privacy import files, keys, paths
from callscope.core.privacy.canonical import CanonicalError, canonical_bytes, parse_strict
from callscope.core.privacy.clock import CLOCK_TOLERANCE, Clock, iso_ms, parse_iso, trusted_now
from callscope.core.privacy.errors import KeyFileError, PolicyError

FORMAT = "callscope-policy"
ROLES = frozenset({"analyst", "listener", "auditor"})
KNOWN_PURPOSES = frozenset({"QOS_DIAG_VOICE", "QOS_DIAG_VIDEO", "TEST_CALL"})
"""The closed list of purposes a policy may allow."""
MAX_POLICY_BYTES = 1 << 20
_LOGIN = re.compile(r"^[A-Za-z0-9._@\\-]{1,64}$")
_HEX = re.compile(r"^[0-9a-f]+$")


@dataclass(frozen=True)
class Policy:
    """A verified policy (only ``load_policy``/``parse_policy`` build one)."""

    version: int
    issued: datetime
    expires: datetime
    retention_days: int
    grant_minutes: int
    purposes: frozenset[str]
    technicians: dict[str, frozenset[str]]
    sha256: str  # hex SHA-256 of the canonical policy bytes
    signer: str = ""  # fingerprint of the administrator key that signed it

    def roles_of(self, login: str) -> frozenset[str]:
        """Roles of an OS login name (empty when not listed)."""
        return self.technicians.get(login, frozenset())

    @property
    def retention(self) -> timedelta:
        return timedelta(days=self.retention_days)


def signature_path(policy: Path) -> Path:
    """``policy.json`` → ``policy.json.sig``."""
    return policy.with_name(policy.name + ".sig")


def _int(obj: dict[str, Any], name: str, low: int, high: int) -> int:
    value = obj.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise PolicyError(f"policy field {name!r} must be an integer in {low}..{high}")
    return value


def _time(obj: dict[str, Any], name: str) -> datetime:
    value = obj.get(name)
    try:
        if not isinstance(value, str):
            raise ValueError
        return parse_iso(value)
    except ValueError:
        raise PolicyError(f"policy field {name!r} must be an ISO 8601 UTC time") from None


def parse_policy(obj: Any, sha256: str = "", signer: str = "") -> Policy:
    """Check a policy object's fields; ``PolicyError`` names the first bad one."""
    if not isinstance(obj, dict) or obj.get("format") != FORMAT:
        raise PolicyError(f'not a CallScope policy ("format" must be {FORMAT!r})')
    purposes = obj.get("purposes")
    if not isinstance(purposes, list) or not all(isinstance(p, str) for p in purposes):
        raise PolicyError("policy field 'purposes' must be a list of names")
    unknown = sorted(set(purposes) - KNOWN_PURPOSES)
    if unknown:
        known = sorted(KNOWN_PURPOSES)
        raise PolicyError(f"policy lists unknown purposes {unknown}; known: {known}")
    techs = obj.get("technicians")
    if not isinstance(techs, dict):
        raise PolicyError("policy field 'technicians' must map login names to role lists")
    technicians: dict[str, frozenset[str]] = {}
    for login, roles in techs.items():
        if not _LOGIN.match(login):
            raise PolicyError(f"policy lists an invalid login name {login[:64]!r}")
        if not isinstance(roles, list) or not set(roles) <= ROLES:
            raise PolicyError(f"roles of {login!r} must be a list drawn from {sorted(ROLES)}")
        technicians[login] = frozenset(roles)
    issued, expires = _time(obj, "issued"), _time(obj, "expires")
    if expires <= issued:
        raise PolicyError("policy expires before it is issued")
    return Policy(
        version=_int(obj, "version", 1, 2**53 - 1),
        issued=issued,
        expires=expires,
        retention_days=_int(obj, "retention_days", 1, 3650),
        grant_minutes=_int(obj, "grant_minutes", 1, 24 * 60) if "grant_minutes" in obj else 30,
        purposes=frozenset(purposes),
        technicians=technicians,
        sha256=sha256,
        signer=signer,
    )


def template(now: datetime, login: str, version: int = 1, days_valid: int = 365) -> dict[str, Any]:
    """A starting policy: one technician (``login``) with every role."""
    return {
        "format": FORMAT,
        "version": version,
        "issued": iso_ms(now),
        "expires": iso_ms(now + timedelta(days=days_valid)),
        "retention_days": 5,
        "grant_minutes": 30,
        "purposes": ["QOS_DIAG_VOICE", "TEST_CALL"],
        "technicians": {login: ["analyst", "listener", "auditor"]},
    }


def _read_json(path: Path, what: str) -> Any:
    try:
        return parse_strict(files.read_regular(path, MAX_POLICY_BYTES))
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise PolicyError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    except CanonicalError as exc:
        raise PolicyError(f"{what} {path} is not valid JSON ({exc})") from None


def sign_policy(path: Path, private: Ed25519PrivateKey) -> Path:
    """Check ``path`` parses as a policy, sign its canonical bytes, write ``.sig``."""
    try:
        obj = _read_json(path, "policy")
    except FileNotFoundError:
        raise PolicyError(f"policy {path} not found") from None
    parse_policy(obj)
    sig = private.sign(canonical_bytes(obj))
    fp = keys.fingerprint(private.public_key())
    out = signature_path(path)
    body = json.dumps({"alg": "ed25519", "key": fp, "sig": sig.hex()}, indent=1) + "\n"
    try:
        files.write_atomic(out, body.encode(), mode=0o644)
    except OSError as exc:
        raise PolicyError(f"cannot write {out}: {exc.strerror or exc}") from None
    return out


def _check_signature(path: Path, body: bytes) -> str:
    """Fingerprint of the trusted key whose signature over ``body`` is valid."""
    sig_path = signature_path(path)
    try:
        sig_obj = _read_json(sig_path, "signature")
    except FileNotFoundError:
        raise PolicyError(f"policy is not signed (no {sig_path.name})") from None
    if not isinstance(sig_obj, dict) or sig_obj.get("alg") != "ed25519":
        raise PolicyError(f"{sig_path.name} is not an Ed25519 policy signature")
    fp, sig_hex = sig_obj.get("key"), sig_obj.get("sig")
    if not (isinstance(fp, str) and isinstance(sig_hex, str) and _HEX.match(sig_hex)):
        raise PolicyError(f"{sig_path.name} is malformed")
    trusted = keys.trusted_admin_keys()
    if not trusted:
        raise PolicyError(
            f"no trusted administrator key installed in {paths.trusted_admin_keys_dir()}"
        )
    key = trusted.get(fp)
    if key is None:
        raise PolicyError(f"policy is signed by an untrusted key ({fp[:16]}…)")
    try:
        key.verify(bytes.fromhex(sig_hex), body)
    except (InvalidSignature, ValueError):
        raise PolicyError("policy was edited after signing (signature does not match)") from None
    return fp


def _mark_path() -> Path:
    return paths.state_dir() / "policy-mark.json"


def _read_mark() -> tuple[int, str]:
    try:
        obj = json.loads(files.read_regular(_mark_path(), 4096))
        return int(obj["version"]), str(obj["sha256"])
    except FileNotFoundError:
        return 0, ""
    except (OSError, ValueError, KeyError, TypeError):
        raise PolicyError(f"policy version mark {_mark_path()} is unreadable") from None


def _check_version(policy: Policy, remember: bool) -> None:
    seen, seen_hash = _read_mark()
    if policy.version < seen:
        raise PolicyError(
            f"policy version {policy.version} is older than version {seen} already seen "
            "(rollback refused)"
        )
    if policy.version == seen and policy.sha256 != seen_hash:
        raise PolicyError(
            f"policy version {seen} was already seen with other content; "
            "the administrator must raise the version"
        )
    if remember and policy.version > seen:
        mark = json.dumps({"version": policy.version, "sha256": policy.sha256}).encode()
        try:
            files.write_atomic(_mark_path(), mark)
        except OSError as exc:
            raise PolicyError(f"cannot record the policy version: {exc.strerror or exc}") from None


def load_policy(clock: Clock, path: Path | None = None, *, remember: bool = True) -> Policy:
    """Read, verify and return the policy, or raise ``PolicyError`` saying why not.

    ``remember`` persists a higher version as the new rollback mark (the admin's
    ``policy show`` of a draft passes False).
    """
    path = path or paths.policy_path()
    try:
        obj = _read_json(path, "policy")
    except FileNotFoundError:
        raise PolicyError(
            f"no policy installed ({path}); content access needs a signed policy"
        ) from None
    try:
        body = canonical_bytes(obj)
    except CanonicalError as exc:
        raise PolicyError(f"policy {path} holds values outside canonical JSON ({exc})") from None
    try:
        signer = _check_signature(path, body)
    except KeyFileError as exc:
        raise PolicyError(str(exc)) from None
    policy = parse_policy(obj, hashlib.sha256(body).hexdigest(), signer)
    now = trusted_now(clock).now
    if now >= policy.expires:
        raise PolicyError(f"policy expired on {iso_ms(policy.expires)}")
    if policy.issued - now > CLOCK_TOLERANCE:
        raise PolicyError(f"policy is not valid before {iso_ms(policy.issued)}")
    _check_version(policy, remember)
    return policy
