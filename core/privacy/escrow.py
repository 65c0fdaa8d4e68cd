"""Seal a small secret to the auditor's X25519 public key (ECIES-style).

``seal`` = ephemeral X25519 key agreement, HKDF-SHA256 (RFC 5869) binding both public
keys, ChaCha20-Poly1305 (RFC 8439). Output: ephemeral public key (32 bytes) ‖
ciphertext+tag. Only the holder of the auditor's private key can open it: the audit log
stores its initial MAC key this way, so the device never keeps it in the clear.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from callscope.core.privacy.keys import raw_public

_INFO = b"callscope audit escrow v1"
_NONCE = bytes(12)  # the key is fresh for every seal, so a fixed nonce is never reused


def _key(shared: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO + ephemeral + recipient)
    return hkdf.derive(shared)


def seal(secret: bytes, recipient: X25519PublicKey) -> bytes:
    """Encrypt ``secret`` so only ``recipient``'s private key can open it."""
    ephemeral = X25519PrivateKey.generate()
    eph_pub = raw_public(ephemeral.public_key())
    key = _key(ephemeral.exchange(recipient), eph_pub, raw_public(recipient))
    return eph_pub + ChaCha20Poly1305(key).encrypt(_NONCE, secret, _INFO)


def unseal(blob: bytes, private: X25519PrivateKey) -> bytes | None:
    """The secret sealed in ``blob``, or None if it was not sealed to this key / altered."""
    if len(blob) < 32 + 16:
        return None
    eph = X25519PublicKey.from_public_bytes(blob[:32])
    try:
        key = _key(private.exchange(eph), blob[:32], raw_public(private.public_key()))
        return ChaCha20Poly1305(key).decrypt(_NONCE, blob[32:], _INFO)
    except (InvalidTag, ValueError):
        return None
