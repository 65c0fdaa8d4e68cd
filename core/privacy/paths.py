"""Where CallScope keeps its configuration, data and logs.

Platform conventions come from platformdirs (application name ``CallScope``). The
environment variable ``CALLSCOPE_HOME`` redirects everything at once to
``$CALLSCOPE_HOME/{config,data,log}`` (tests, portable installs). Directories are
created with mode 0700: consent records and the audit log are personal data.

Layout (``config_dir()`` is the place an administrator installs trust anchors):

- ``config/policy.json`` + ``policy.json.sig``: the signed policy;
- ``config/trusted_admin_keys/*.pub``: Ed25519 public keys (PEM) allowed to sign it;
- ``config/auditor_x25519.pub``: the auditor's public key the audit-log key is sealed to;
- ``data/consent/<capture sha256>.consent.json``: consent records;
- ``data/state/``: installation signing key, audit-log state, time and policy marks;
- ``log/audit/audit.jsonl``: the audit log.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "CallScope"
HOME_ENV = "CALLSCOPE_HOME"


def _base(kind: str) -> Path:
    home = os.environ.get(HOME_ENV)
    if home:
        return Path(home).expanduser() / kind
    if kind == "config":
        return platformdirs.user_config_path(APP_NAME, appauthor=False)
    if kind == "data":
        return platformdirs.user_data_path(APP_NAME, appauthor=False)
    return platformdirs.user_log_path(APP_NAME, appauthor=False)


def ensure_dir(path: Path) -> Path:
    """Create ``path`` and any missing parent with mode 0700; return ``path``."""
    missing = []
    parent = path
    while not parent.exists():
        missing.append(parent)
        parent = parent.parent
    for folder in reversed(missing):
        folder.mkdir(mode=0o700, exist_ok=True)
    return path


def config_dir() -> Path:
    """Administrator-managed configuration: policy, trusted keys (created 0700)."""
    return ensure_dir(_base("config"))


def data_dir() -> Path:
    """Consent records and persistent state (created 0700)."""
    return ensure_dir(_base("data"))


def log_dir() -> Path:
    """Audit log folder (created 0700)."""
    return ensure_dir(_base("log") / "audit")


def state_dir() -> Path:
    """Keys, marks and the audit-log state (created 0700)."""
    return ensure_dir(data_dir() / "state")


def consent_dir() -> Path:
    """One consent record per capture hash (created 0700)."""
    return ensure_dir(data_dir() / "consent")


def policy_path() -> Path:
    """The installed policy file."""
    return config_dir() / "policy.json"


def trusted_admin_keys_dir() -> Path:
    """Folder of administrator public keys (PEM ``*.pub``) trusted to sign the policy."""
    return ensure_dir(config_dir() / "trusted_admin_keys")


def auditor_key_path() -> Path:
    """The auditor's X25519 public key (PEM) the audit log's first key is sealed to."""
    return config_dir() / "auditor_x25519.pub"


def audit_log_path() -> Path:
    """The current audit log."""
    return log_dir() / "audit.jsonl"
