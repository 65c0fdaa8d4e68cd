"""Keyed pseudonyms of phone numbers for records kept on this installation.

``HMAC-SHA256(installation pseudonym key, normalised number)``: an unkeyed hash of a
phone number is brute-forced in seconds (ENISA, Pseudonymisation techniques 2019), a
keyed one is not without the key, which stays in ``state/`` and is never exported.
Normalisation makes ``+32 475…``, ``0032475…``, ``tel:+32475…`` one pseudonym; a
national ``0475…`` stays distinct (no country is assumed).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets

from callscope.core.privacy import files, paths

_URI = re.compile(r"^(?:tel|sips?):", re.IGNORECASE)


def normalise_number(text: str) -> str:
    """Digits with a leading ``+`` for international form; ``""`` when no digit."""
    value = _URI.sub("", text.strip()).split(";", 1)[0].split("@", 1)[0]
    plus = value.lstrip().startswith("+")
    digits = "".join(ch for ch in value if ch.isdigit() and ch.isascii())
    if digits.startswith("00"):
        return "+" + digits[2:]
    return ("+" if plus else "") + digits


def _key() -> bytes:
    path = paths.state_dir() / "pseudonym.key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            files.write_all(fd, secrets.token_bytes(32))
            os.fsync(fd)
        finally:
            os.close(fd)
    return files.read_regular(path, 64)


def pseudonym(number: str) -> str:
    """``hmac-sha256:<hex>`` of the normalised number (``""`` for no number)."""
    norm = normalise_number(number)
    if not norm:
        return ""
    return "hmac-sha256:" + hmac.new(_key(), norm.encode(), hashlib.sha256).hexdigest()
