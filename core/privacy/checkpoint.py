"""Signed entries: the log's birth certificate and its checkpoints.

``LOG_CREATED`` (seq 0) names the installation's Ed25519 public key and holds the
sealed initial MAC key; a ``CHECKPOINT`` entry, written every N entries and when the
log is closed, holds the seq and hash of the entry before it. Both are signed by the
per-installation key over the entry without ``sig`` (tag included), so a log copied
to an auditor can be checked without any secret, and a log that does not end on a
checkpoint is visibly unsealed.
"""

from __future__ import annotations

from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from callscope.core.privacy.canonical import canonical_bytes


def signed_body(entry: dict[str, Any]) -> bytes:
    """The bytes the signature covers: the entry without ``sig``."""
    return canonical_bytes({k: v for k, v in entry.items() if k != "sig"})


def sign_entry(entry: dict[str, Any], key: Ed25519PrivateKey) -> None:
    """Add ``sig`` to an already tagged entry."""
    entry["sig"] = "ed25519:" + key.sign(signed_body(entry)).hex()


def signature_valid(entry: dict[str, Any], key: Ed25519PublicKey) -> bool:
    """True when ``entry["sig"]`` is this key's signature of the entry."""
    sig = entry.get("sig")
    if not isinstance(sig, str) or not sig.startswith("ed25519:"):
        return False
    try:
        key.verify(bytes.fromhex(sig[len("ed25519:") :]), signed_body(entry))
    except (InvalidSignature, ValueError):
        return False
    return True


def checkpoint_obj(head_seq: int, head_hash: str) -> dict[str, Any]:
    """What a checkpoint asserts: the log's head is entry ``head_seq`` with this hash."""
    return {"seq": head_seq, "head": head_hash}


def installation_key_from(created: dict[str, Any]) -> Ed25519PublicKey | None:
    """The installation key a ``LOG_CREATED`` entry names (None if malformed)."""
    value = created.get("obj", {}).get("installation_key")
    if not isinstance(value, str) or not value.startswith("ed25519:"):
        return None
    try:
        return Ed25519PublicKey.from_public_bytes(bytes.fromhex(value[len("ed25519:") :]))
    except ValueError:
        return None
