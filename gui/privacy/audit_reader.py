"""Read the audit log for display: one plain-text row per entry, nothing interpreted.

Parsing is the core's (``canonical.parse_strict``) and every shown text goes through
``audit_entry.display_text`` (control, bidi and line-separator characters escaped),
exactly as ``callscope audit show`` prints them. Reading never writes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from callscope.core.errors import CallScopeError
from callscope.core.privacy import paths
from callscope.core.privacy.audit_entry import display_text
from callscope.core.privacy.canonical import CanonicalError, parse_strict
from callscope.core.privacy.clock import parse_iso
from callscope.core.privacy.errors import AccessDenied
from callscope.gui.privacy.session import PrivacySession

MAX_LOG_BYTES = 512 * 1024 * 1024  # refuse to load an absurd file into the viewer
_HIDDEN = ("k0_sealed", "installation_key")  # long key material: shown in details only


@dataclass(frozen=True)
class AuditRow:
    """One entry as display text; ``when`` is None when the time is unreadable."""

    seq: int
    ts: str
    when: datetime | None
    actor: str
    action: str
    case: str
    summary: str
    reason: str
    details: str  # the whole entry, pretty-printed and escaped


def check_auditor(session: PrivacySession) -> None:
    """Same rule as ``callscope audit show``: with a policy installed, the auditor role.

    Raises ``AccessDenied``/``PolicyError`` (one line) when the log may not be shown.
    """
    if not (session.policy_path or paths.policy_path()).exists():
        return
    policy = session.policy()
    if "auditor" not in policy.roles_of(session.actor):
        raise AccessDenied(f"{session.actor!r} does not have the auditor role in the policy")


def _short(value: Any) -> str:
    if isinstance(value, str) and value.startswith(("sha256:", "hmac-sha256:")):
        return value.split(":", 1)[1][:12] + "…"
    if isinstance(value, str) and len(value) == 32 and value.isalnum():
        return value[:8] + "…"  # grant and log ids
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return f"{value[0] / 1000:.3f}–{value[1] / 1000:.3f} s"  # time ranges (ms)
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


def summarize(obj: dict[str, Any]) -> str:
    """``capture=49412d260984… streams=2 t=12.000–18.000 s grant=71e9d034…``."""
    parts = []
    for key, value in obj.items():
        if key in _HIDDEN:
            continue
        parts.append(f"{key}={_short(value)}")
    return display_text(" ".join(parts))


def _row(number: int, line: bytes) -> AuditRow:
    try:
        entry = parse_strict(line)
        if not isinstance(entry, dict):
            raise CanonicalError("not an object")
    except CanonicalError:
        unreadable = f"line {number + 1}: unreadable"
        return AuditRow(-1, "", None, "", "?", "", unreadable, "", unreadable)
    obj = entry.get("obj") if isinstance(entry.get("obj"), dict) else {}
    assert isinstance(obj, dict)
    ts = str(entry.get("ts", ""))
    try:
        when: datetime | None = parse_iso(ts)
    except ValueError:
        when = None
    seq = entry.get("seq")
    pretty = json.dumps(entry, indent=1, ensure_ascii=False)

    def text(name: str) -> str:
        value = entry.get(name)
        return "" if value is None else display_text(str(value))

    return AuditRow(
        seq=seq if isinstance(seq, int) else -1,
        ts=display_text(ts.replace("T", " ").removesuffix("Z")),
        when=when,
        actor=text("actor"),
        action=text("action"),
        case=text("case"),
        summary=summarize(obj),
        reason=text("reason"),
        details="\n".join(map(display_text, pretty.split("\n"))),
    )


def read_rows(path: Path) -> list[AuditRow]:
    """Every line of the log as a row; ``CallScopeError`` if the file cannot be read."""
    try:
        size = path.stat().st_size
        if size > MAX_LOG_BYTES:
            raise CallScopeError(f"audit log {path} is {size} bytes: too large to show")
        data = path.read_bytes()
    except FileNotFoundError:
        raise CallScopeError(f"no audit log at {path} yet") from None
    except OSError as exc:
        raise CallScopeError(f"cannot read {path}: {exc.strerror or exc}") from None
    return [_row(n, line) for n, line in enumerate(data.split(b"\n")) if line]
