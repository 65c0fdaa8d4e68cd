"""Key files: Ed25519 (policy signing, checkpoints) and X25519 (auditor escrow).

Private keys are PKCS#8 PEM written with mode 0600; public keys are
SubjectPublicKeyInfo PEM (``openssl pkey -pubout`` reads and writes the same).
A key's fingerprint is the hex SHA-256 of its raw 32 public bytes.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from callscope.core.privacy import files, paths
from callscope.core.privacy.errors import KeyFileError

MAX_KEY_FILE = 16 * 1024
INSTALLATION_KEY = "installation-ed25519.key"

PublicKey = Ed25519PublicKey | X25519PublicKey
PrivateKey = Ed25519PrivateKey | X25519PrivateKey


def raw_public(key: PublicKey) -> bytes:
    """The 32 raw bytes of a public key."""
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def fingerprint(key: PublicKey) -> str:
    """Hex SHA-256 of the raw public key (64 lowercase hex digits)."""
    return hashlib.sha256(raw_public(key)).hexdigest()


def private_pem(key: PrivateKey) -> bytes:
    """PKCS#8 PEM, unencrypted (keep the file offline or on a protected medium)."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def public_pem(key: PublicKey) -> bytes:
    """SubjectPublicKeyInfo PEM."""
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def write_private(path: Path, key: PrivateKey) -> None:
    """Write a private key with mode 0600; refuses to overwrite an existing file."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        files.write_all(fd, private_pem(key))
        os.fsync(fd)
    finally:
        os.close(fd)


def _read(path: Path) -> bytes:
    try:
        return files.read_regular(path, MAX_KEY_FILE)
    except FileNotFoundError:
        raise KeyFileError(f"key file {path} not found") from None
    except OSError as exc:
        raise KeyFileError(f"cannot read key file {path}: {exc.strerror or exc}") from None


def load_private(path: Path) -> PrivateKey:
    """An Ed25519 or X25519 private key from a PEM file."""
    try:
        key = serialization.load_pem_private_key(_read(path), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise KeyFileError(f"{path} is not an unencrypted PEM private key") from None
    if not isinstance(key, (Ed25519PrivateKey, X25519PrivateKey)):
        raise KeyFileError(f"{path} is not an Ed25519 or X25519 private key")
    return key


def load_public(path: Path) -> PublicKey:
    """An Ed25519 or X25519 public key from a PEM file."""
    try:
        key = serialization.load_pem_public_key(_read(path))
    except (ValueError, UnsupportedAlgorithm):
        raise KeyFileError(f"{path} is not a PEM public key") from None
    if not isinstance(key, (Ed25519PublicKey, X25519PublicKey)):
        raise KeyFileError(f"{path} is not an Ed25519 or X25519 public key")
    return key


def load_ed25519_private(path: Path) -> Ed25519PrivateKey:
    key = load_private(path)
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"{path} is not an Ed25519 private key")
    return key


def load_ed25519_public(path: Path) -> Ed25519PublicKey:
    key = load_public(path)
    if not isinstance(key, Ed25519PublicKey):
        raise KeyFileError(f"{path} is not an Ed25519 public key")
    return key


def load_x25519_private(path: Path) -> X25519PrivateKey:
    key = load_private(path)
    if not isinstance(key, X25519PrivateKey):
        raise KeyFileError(f"{path} is not an X25519 private key")
    return key


def load_x25519_public(path: Path) -> X25519PublicKey:
    key = load_public(path)
    if not isinstance(key, X25519PublicKey):
        raise KeyFileError(f"{path} is not an X25519 public key")
    return key


def generate_pair(prefix: Path, kind: str) -> tuple[Path, Path]:
    """Create ``prefix.key`` (0600) and ``prefix.pub`` for ``kind`` ed25519 or x25519."""
    private: PrivateKey = (
        Ed25519PrivateKey.generate() if kind == "ed25519" else X25519PrivateKey.generate()
    )
    key_path = prefix.with_name(prefix.name + ".key")
    pub_path = prefix.with_name(prefix.name + ".pub")
    if key_path.exists() or pub_path.exists():
        raise KeyFileError(f"{key_path} or {pub_path} already exists; not overwriting")
    try:
        write_private(key_path, private)
        pub_path.write_bytes(public_pem(private.public_key()))
    except OSError as exc:
        raise KeyFileError(f"cannot write key pair {prefix}: {exc.strerror or exc}") from None
    return key_path, pub_path


def installation_key() -> Ed25519PrivateKey:
    """This installation's checkpoint-signing key, created (0600) on first use."""
    path = paths.state_dir() / INSTALLATION_KEY
    if not path.exists() and not path.is_symlink():
        try:
            write_private(path, Ed25519PrivateKey.generate())
            files.fsync_dir(path.parent)
        except FileExistsError:
            pass  # another process created it first
        except OSError as exc:
            raise KeyFileError(f"cannot create the installation key: {exc}") from None
    return load_ed25519_private(path)


def installation_public_key() -> Ed25519PublicKey | None:
    """The installation's public key if the installation key exists, else None."""
    path = paths.state_dir() / INSTALLATION_KEY
    if not path.exists():
        return None
    return load_ed25519_private(path).public_key()


def trusted_admin_keys() -> dict[str, Ed25519PublicKey]:
    """Administrator keys trusted to sign the policy, by fingerprint."""
    found: dict[str, Ed25519PublicKey] = {}
    for path in sorted(paths.trusted_admin_keys_dir().glob("*.pub")):
        try:
            key = load_ed25519_public(path)
        except KeyFileError:
            continue  # a stray file does not add trust
        found[fingerprint(key)] = key
    return found


def auditor_public_key() -> X25519PublicKey | None:
    """The installed auditor key the audit log's initial key is sealed to (or None)."""
    path = paths.auditor_key_path()
    if not path.exists():
        return None
    return load_x25519_public(path)
