"""``callscope audit verify|show|keygen|trust``: check and read the audit log.

``verify [LOG]`` prints ``OK`` (plus the log's anchor to record off-device) or the
first failure (``TAMPERED at seq N: …``, ``TRUNCATED: …``, ``UNSEALED_TAIL: …``,
``LOG_MISSING``); exit code 0 or 1. Anyone may verify: it reveals nothing but the
verdict. ``--auditor-key`` (the auditor's X25519 private key) also checks every
forward-secure MAC tag.

``show`` lists entries filtered by ``--case --actor --action --since --until``, as
plain text (control and bidi characters escaped). When a policy is installed it must
be valid and give the current OS login the ``auditor`` role; with no policy installed
(a single-user set-up) anyone who can read the log file may show it.

``keygen PREFIX`` creates the auditor's X25519 pair; ``trust PUB`` installs the public
half on a workstation (the log's initial key is then sealed to it).
"""

from __future__ import annotations

import argparse
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from callscope.core.errors import CallScopeError
from callscope.core.privacy import keys, paths
from callscope.core.privacy.audit_entry import ACTIONS, display_text
from callscope.core.privacy.audit_verify import verify
from callscope.core.privacy.canonical import CanonicalError, parse_strict
from callscope.core.privacy.clock import SystemClock, parse_iso
from callscope.core.privacy.errors import AccessDenied
from callscope.core.privacy.identity import os_login
from callscope.core.privacy.policy import load_policy


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``audit`` and its subcommands."""
    p = sub.add_parser(
        "audit",
        help="verify and read the tamper-evident audit log",
        description="Every access to content is written to an append-only, MAC-chained, "
        "signed and checkpointed log; these commands check and read it.",
    )
    cmds = p.add_subparsers(dest="audit_command", metavar="ACTION", required=True)

    ver = cmds.add_parser("verify", help="print OK or the first failure (exit 0/1)")
    ver.add_argument("log", type=Path, nargs="?", help="default: this installation's log")
    ver.add_argument("--auditor-key", type=Path, help="X25519 private key: check MAC tags too")
    ver.add_argument("--installation-key", type=Path, help="pin the signer (Ed25519 .pub)")
    ver.add_argument(
        "--no-local-state",
        action="store_true",
        help="judge the file alone, as an auditor with a copy does",
    )
    ver.set_defaults(func=run_verify)

    show = cmds.add_parser("show", help="list entries (auditor role when a policy exists)")
    show.add_argument("log", type=Path, nargs="?", help="default: this installation's log")
    show.add_argument("--case")
    show.add_argument("--actor")
    show.add_argument("--action", choices=sorted(ACTIONS), type=str.upper)
    show.add_argument("--since", help="ISO date or time (UTC if no zone)")
    show.add_argument("--until", help="ISO date or time (UTC if no zone), exclusive")
    show.set_defaults(func=run_show)

    gen = cmds.add_parser("keygen", help="create the auditor's X25519 key pair")
    gen.add_argument("prefix", type=Path, help="writes PREFIX.key (0600) and PREFIX.pub")
    gen.set_defaults(func=run_keygen)

    trust = cmds.add_parser("trust", help="install the auditor's public key here")
    trust.add_argument("pubkey", type=Path)
    trust.set_defaults(func=run_trust)


def run_verify(args: argparse.Namespace) -> int:
    log: Path = args.log or paths.audit_log_path()
    auditor = keys.load_x25519_private(args.auditor_key) if args.auditor_key else None
    pinned = keys.load_ed25519_public(args.installation_key) if args.installation_key else None
    result = verify(
        log, installation_key=pinned, auditor_key=auditor, use_local_state=not args.no_local_state
    )
    print(result)
    if result.ok:
        tags = "MAC tags checked" if result.tags_checked else "MAC tags not checked (no key)"
        print(f"  {result.entries} entries, log {result.log_id}, {tags}")
        print(f"  anchor {result.anchor}  head {result.head}")
    return 0 if result.ok else 1


def _time_arg(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise CallScopeError(f"cannot read the time {text!r} (2025-03-04 or ISO 8601)") from None
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def _require_auditor() -> None:
    if not paths.policy_path().exists():
        return
    policy = load_policy(SystemClock())
    login = os_login()
    if "auditor" not in policy.roles_of(login):
        raise AccessDenied(f"{login!r} does not have the auditor role in the policy")


def _matches(
    entry: dict[str, Any], args: argparse.Namespace, since: datetime | None, until: datetime | None
) -> bool:
    if args.case and entry.get("case") != args.case:
        return False
    if args.actor and entry.get("actor") != args.actor:
        return False
    if args.action and entry.get("action") != args.action:
        return False
    if since or until:
        try:
            ts = parse_iso(str(entry.get("ts")))
        except ValueError:
            return False
        if (since and ts < since) or (until and ts >= until):
            return False
    return True


def _render(entry: dict[str, Any]) -> str:
    obj = entry.get("obj") if isinstance(entry.get("obj"), dict) else {}
    assert isinstance(obj, dict)
    parts = [f"{k}={v}" for k, v in sorted(obj.items()) if k not in ("k0_sealed",)]
    fields = [
        str(entry.get("seq")),
        str(entry.get("ts")),
        str(entry.get("actor")),
        str(entry.get("action")),
        f"case={entry.get('case')}",
        " ".join(parts),
    ]
    if entry.get("reason") is not None:
        fields.append(f"reason={entry.get('reason')}")
    return display_text("  ".join(fields))


def run_show(args: argparse.Namespace) -> int:
    _require_auditor()
    log: Path = args.log or paths.audit_log_path()
    since, until = _time_arg(args.since), _time_arg(args.until)
    result = verify(log)
    print(f"# verification: {display_text(str(result))}")
    if result.status == "LOG_MISSING":
        return 1
    try:
        data = log.read_bytes()
    except OSError as exc:
        raise CallScopeError(f"cannot read {log}: {exc.strerror or exc}") from None
    for number, line in enumerate(data.split(b"\n")):
        if not line:
            continue
        try:
            entry = parse_strict(line)
        except CanonicalError:
            print(f"# line {number + 1}: unreadable")
            continue
        if isinstance(entry, dict) and _matches(entry, args, since, until):
            print(_render(entry))
    return 0 if result.ok else 1


def run_keygen(args: argparse.Namespace) -> int:
    key_path, pub_path = keys.generate_pair(args.prefix, "x25519")
    print(f"auditor key pair: {key_path} (keep it with the auditor), {pub_path}")
    return 0


def run_trust(args: argparse.Namespace) -> int:
    key = keys.load_x25519_public(args.pubkey)
    dest = paths.auditor_key_path()
    try:
        shutil.copyfile(args.pubkey, dest)
    except OSError as exc:
        raise CallScopeError(f"cannot install {args.pubkey}: {exc.strerror or exc}") from None
    print(f"auditor key {keys.fingerprint(key)[:16]}… installed as {dest}")
    print("the audit log starts a new file sealed to this key at its next entry")
    return 0
