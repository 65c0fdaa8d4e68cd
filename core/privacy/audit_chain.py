"""The forward-secure MAC chain of the audit log (Schneier-Kelsey 1998 style).

Entry ``i`` is tagged ``HMAC-SHA256(k_i, canonical(entry without tag and sig))`` and
the key then evolves one way, ``k_{i+1} = SHA256("evolve" ‖ k_i)``; the writer keeps
only the next key, overwriting the previous one in place. Whoever steals the device
later learns ``k_n`` and cannot recompute the tags of entries ``< n``. ``k_0`` is
sealed to the auditor (``escrow.py``) so the auditor can check every tag.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from callscope.core.privacy.canonical import canonical_bytes


def evolve(key: bytes) -> bytes:
    """``k_{i+1} = SHA256("evolve" ‖ k_i)``."""
    return hashlib.sha256(b"evolve" + key).digest()


def key_at(k0: bytes, seq: int) -> bytes:
    """``k_seq`` from ``k_0`` (seq evolutions)."""
    key = k0
    for _ in range(seq):
        key = evolve(key)
    return key


def tagged_body(entry: dict[str, Any]) -> bytes:
    """The bytes the tag covers: the entry without ``tag`` and ``sig``."""
    return canonical_bytes({k: v for k, v in entry.items() if k not in ("tag", "sig")})


def compute_tag(key: bytes, entry: dict[str, Any]) -> str:
    """``hmac-sha256:<hex>`` of the entry under ``key``."""
    return "hmac-sha256:" + hmac.new(key, tagged_body(entry), hashlib.sha256).hexdigest()


def tag_matches(key: bytes, entry: dict[str, Any]) -> bool:
    """Constant-time check of an entry's tag under ``key``."""
    return hmac.compare_digest(compute_tag(key, entry), str(entry.get("tag", "")))
