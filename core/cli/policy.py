"""``callscope policy init|sign|show|trust``: the administrator's policy tools.

Typical set-up by an administrator::

    callscope policy init --generate-key admin --technician alice   # policy.json + admin.key/.pub
    # edit policy.json (technicians, roles, purposes, retention_days, version)
    callscope policy sign policy.json --key admin.key               # writes policy.json.sig
    callscope policy trust admin.pub                                # on each workstation
    cp policy.json policy.json.sig "$(callscope policy show --where)"

Keep ``admin.key`` offline; workstations only need ``admin.pub``.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from callscope.core.errors import CallScopeError
from callscope.core.privacy import keys, paths
from callscope.core.privacy.clock import SystemClock, iso_ms
from callscope.core.privacy.errors import PolicyError
from callscope.core.privacy.identity import os_login
from callscope.core.privacy.policy import load_policy, sign_policy, signature_path, template


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``policy`` and its subcommands."""
    p = sub.add_parser(
        "policy",
        help="create, sign, show and trust the signed access policy (administrator)",
        description="The policy lists technicians and their roles (analyst, listener, "
        "auditor), allowed purposes and the retention period. Content access needs a "
        "policy signed by a trusted administrator key; analysis never does.",
    )
    cmds = p.add_subparsers(dest="policy_command", metavar="ACTION", required=True)

    init = cmds.add_parser("init", help="write a policy template (and a key pair)")
    init.add_argument("--out", type=Path, help="where to write it (default: installed policy)")
    init.add_argument(
        "--technician",
        action="append",
        metavar="LOGIN",
        help="OS login given every role (repeatable; default: you)",
    )
    init.add_argument("--version", type=int, default=1, dest="policy_version")
    init.add_argument("--days", type=int, default=365, help="days until the policy expires")
    init.add_argument(
        "--generate-key",
        type=Path,
        metavar="PREFIX",
        help="also create PREFIX.key (private, 0600) and PREFIX.pub",
    )
    init.add_argument("--force", action="store_true", help="overwrite an existing policy")
    init.set_defaults(func=run_init)

    sign = cmds.add_parser("sign", help="sign a policy with an administrator private key")
    sign.add_argument("policy", type=Path, nargs="?", help="default: installed policy")
    sign.add_argument("--key", type=Path, required=True, help="Ed25519 private key (PEM)")
    sign.set_defaults(func=run_sign)

    show = cmds.add_parser("show", help="print a policy and whether it is valid here")
    show.add_argument("policy", type=Path, nargs="?", help="default: installed policy")
    show.add_argument("--where", action="store_true", help="print the config folder only")
    show.set_defaults(func=run_show)

    trust = cmds.add_parser("trust", help="install an administrator public key (PEM)")
    trust.add_argument("pubkey", type=Path)
    trust.set_defaults(func=run_trust)


def run_init(args: argparse.Namespace) -> int:
    out: Path = args.out or paths.policy_path()
    if out.exists() and not args.force:
        raise CallScopeError(f"{out} exists; use --force to overwrite it")
    logins = args.technician or [os_login()]
    policy = template(SystemClock().now(), logins[0], args.policy_version, args.days)
    for login in logins[1:]:
        policy["technicians"][login] = ["analyst", "listener", "auditor"]
    try:
        out.write_text(json.dumps(policy, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise CallScopeError(f"cannot write {out}: {exc.strerror or exc}") from None
    print(f"policy template written to {out} (not signed yet)")
    if args.generate_key:
        key_path, pub_path = keys.generate_pair(args.generate_key, "ed25519")
        print(f"administrator key pair: {key_path} (keep it offline), {pub_path}")
    return 0


def run_sign(args: argparse.Namespace) -> int:
    path: Path = args.policy or paths.policy_path()
    out = sign_policy(path, keys.load_ed25519_private(args.key))
    print(f"signed: {out}")
    return 0


def run_show(args: argparse.Namespace) -> int:
    if args.where:
        print(paths.config_dir())
        return 0
    path: Path = args.policy or paths.policy_path()
    try:
        policy = load_policy(SystemClock(), path, remember=False)
    except PolicyError as exc:
        print(f"{path}: INVALID for content access: {exc}")
        return 1
    print(f"{path}: valid, version {policy.version}, signed by {policy.signer[:16]}…")
    print(f"  issued {iso_ms(policy.issued)}, expires {iso_ms(policy.expires)}")
    print(f"  retention {policy.retention_days} days, grants last {policy.grant_minutes} min")
    print(f"  purposes: {', '.join(sorted(policy.purposes))}")
    for login, roles in sorted(policy.technicians.items()):
        print(f"  {login}: {', '.join(sorted(roles))}")
    print(f"  sha256 {policy.sha256}; signature {signature_path(path).name}")
    return 0


def run_trust(args: argparse.Namespace) -> int:
    key = keys.load_ed25519_public(args.pubkey)
    fp = keys.fingerprint(key)
    dest = paths.trusted_admin_keys_dir() / f"{fp[:16]}.pub"
    try:
        shutil.copyfile(args.pubkey, dest)
    except OSError as exc:
        raise CallScopeError(f"cannot install {args.pubkey}: {exc.strerror or exc}") from None
    print(f"trusted administrator key {fp[:16]}… installed as {dest}")
    return 0
