"""Same-length keyed pseudonyms for scrubbed exports, and the per-case key they use.

A pseudonym keeps the *shape* of the value so that no length in the capture changes:
every ASCII digit becomes a digit, every ASCII letter a letter of the same case, every
non-ASCII byte a lower-case letter; punctuation (``+ - . @ _`` ...) stays. The
replacement characters come from ``HMAC-SHA256(case key, domain ‖ value)``, so one
identity gets one pseudonym throughout a case (second-line support can still follow
a party across messages and captures) while nobody without the key can reverse or
brute-force it (ENISA, Pseudonymisation techniques, 2019, §5.2: keyed hashing).

The key is 32 random bytes in ``state/scrub-keys/<hash of the case>.key`` (mode 0600,
created on first use). It is never written into an export.
"""

from __future__ import annotations

import errno
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from callscope.core.privacy import files, paths

KEY_BYTES = 32
_DIGITS = frozenset(b"0123456789")
_UPPER = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_LOWER = frozenset(b"abcdefghijklmnopqrstuvwxyz")
_BASE64 = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")


def case_key_path(case: str) -> Path:
    """Where the key of ``case`` lives; the file name is a hash, never the case text."""
    digest = hashlib.sha256(b"callscope-scrub-case\0" + case.encode("utf-8")).hexdigest()
    return paths.ensure_dir(paths.state_dir() / "scrub-keys") / f"{digest[:32]}.key"


def case_key(case: str) -> bytes:
    """The 32-byte pseudonym key of ``case``, created (0600, O_EXCL) on first use.

    Raises OSError when the key cannot be created or read (the export is then refused).
    """
    path = case_key_path(case)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0),
                     0o600)
    except FileExistsError:
        pass
    else:
        try:
            files.write_all(fd, secrets.token_bytes(KEY_BYTES))
            os.fsync(fd)
        finally:
            os.close(fd)
        files.fsync_dir(path.parent)
    key = files.read_regular(path, 4 * KEY_BYTES)
    if len(key) < KEY_BYTES:
        raise OSError(errno.EINVAL, "pseudonym key file is too short", str(path))
    return key


class Pseudonymizer:
    """Keyed, shape-preserving replacement of identities (see the module docstring)."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("pseudonym key must have at least 16 bytes")
        self._key = key
        self._cache: dict[tuple[bytes, bytes], bytes] = {}
        self.replaced = 0  # distinct values pseudonymised

    def _stream(self, domain: bytes, value: bytes, size: int, attempt: int) -> bytes:
        out = bytearray()
        block = 0
        while len(out) < size:
            msg = b"%s\0%d\0%d\0%s" % (domain, attempt, block, value)
            out += hmac.new(self._key, msg, hashlib.sha256).digest()
            block += 1
        return bytes(out[:size])

    def same_shape(self, value: bytes, domain: bytes = b"id") -> bytes:
        """``value`` with its letters and digits replaced (same length, same classes).

        Deterministic per (key, domain, value); never returns ``value`` itself when it
        holds at least one letter, digit or non-ASCII byte.
        """
        if not value:
            return value
        cached = self._cache.get((domain, value))
        if cached is not None:
            return cached
        result = value
        for attempt in range(8):
            result = self._map(value, self._stream(domain, value, len(value), attempt))
            if result != value:
                break
        self._cache[(domain, value)] = result
        if result != value:
            self.replaced += 1
        return result

    @staticmethod
    def _map(value: bytes, stream: bytes) -> bytes:
        out = bytearray(value)
        for i, (ch, r) in enumerate(zip(value, stream, strict=True)):
            if ch in _DIGITS:
                out[i] = 0x30 + r % 10
            elif ch in _UPPER:
                out[i] = 0x41 + r % 26
            elif ch in _LOWER or ch >= 0x80:
                out[i] = 0x61 + r % 26
        return bytes(out)


def filler(value: bytes, char: bytes = b"A") -> bytes:
    """Secret material replaced by ``char`` (same length); base64 ``=`` padding is kept."""
    return bytes(ch if ch == 0x3D else char[0] for ch in value)


def base64_filler(value: bytes) -> bytes:
    """Only the base64 characters of ``value`` replaced by ``A`` (decodes to zero bytes)."""
    return bytes(0x41 if ch in _BASE64 else ch for ch in value)
