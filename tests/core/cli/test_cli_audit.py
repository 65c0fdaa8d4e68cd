"""``callscope audit verify|show|keygen|trust``."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from callscope.core.cli.main import main
from callscope.core.privacy import keys, paths
from callscope.core.privacy.audit_log import AuditLog
from callscope.core.privacy.policy import sign_policy

CAPTURE = "sha256:" + "12" * 32


def _fill_log() -> AuditLog:
    log = AuditLog()
    log.append(
        "PLAY_START",
        actor="alice",
        obj={"capture": CAPTURE, "streams": [1]},
        case="INC-1",
        reason="choppy\n<b>really</b>\u202e",
    )
    log.append("EXPORT", actor="bob", obj={"capture": CAPTURE}, case="INC-2", reason="x")
    log.close()
    return log


def test_verify_prints_ok_and_the_anchor(capsys: pytest.CaptureFixture[str]) -> None:
    _fill_log()
    assert main(["audit", "verify"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "OK" and "anchor sha256:" in out[2]


def test_verify_reports_the_first_failure(capsys: pytest.CaptureFixture[str]) -> None:
    log = _fill_log()
    data = bytearray(log.path.read_bytes())
    data[data.index(b"INC-2") + 4] = ord("3")
    log.path.write_bytes(bytes(data))
    assert main(["audit", "verify", str(log.path)]) == 1
    assert capsys.readouterr().out.startswith("TAMPERED at seq 2")
    log.path.write_bytes(bytes(data[: len(data) // 2]))
    assert main(["audit", "verify"]) == 1
    assert capsys.readouterr().out.startswith("TRUNCATED")


def test_verify_missing_log(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "verify"]) == 1
    assert capsys.readouterr().out.startswith("LOG_MISSING")


def test_auditor_key_checks_the_tags(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "keygen", str(tmp_path / "auditor")]) == 0
    assert main(["audit", "trust", str(tmp_path / "auditor.pub")]) == 0
    log = _fill_log()
    assert json.loads(log.path.read_bytes().split(b"\n")[0])["obj"]["k0_sealed"]
    capsys.readouterr()
    args = ["audit", "verify", "--no-local-state", "--auditor-key", str(tmp_path / "auditor.key")]
    assert main(args) == 0
    assert "MAC tags checked" in capsys.readouterr().out


def test_show_filters_and_renders_plain_text(capsys: pytest.CaptureFixture[str]) -> None:
    _fill_log()
    assert main(["audit", "show", "--case", "INC-1"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "# verification: OK"
    assert len(out) == 2 and "PLAY_START" in out[1]
    assert "choppy\\n<b>really</b>\\u202e" in out[1]
    assert main(["audit", "show", "--actor", "bob", "--action", "export"]) == 0
    assert [line.split()[3] for line in capsys.readouterr().out.splitlines()[1:]] == ["EXPORT"]
    assert main(["audit", "show", "--since", "2999-01-01"]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == []
    assert main(["audit", "show", "--until", "2999-01-01T00:00:00Z", "--action", "CHECKPOINT"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2
    assert main(["audit", "show", "--since", "yesterday"]) == 1
    assert "cannot read the time" in capsys.readouterr().err


def _install_policy(technicians: dict[str, list[str]]) -> None:
    admin = Ed25519PrivateKey.generate()
    (paths.trusted_admin_keys_dir() / "a.pub").write_bytes(keys.public_pem(admin.public_key()))
    assert main(["policy", "init", "--technician", "x"]) == 0
    body = json.loads(paths.policy_path().read_text())
    body["technicians"] = technicians
    paths.policy_path().write_text(json.dumps(body))
    sign_policy(paths.policy_path(), admin)


def test_show_needs_the_auditor_role_when_a_policy_exists(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _fill_log()
    _install_policy({"alice": ["listener"], "carol": ["auditor"]})
    monkeypatch.setattr(getpass, "getuser", lambda: "alice")
    assert main(["audit", "show"]) == 1
    assert "auditor role" in capsys.readouterr().err
    monkeypatch.setattr(getpass, "getuser", lambda: "carol")
    assert main(["audit", "show"]) == 0
    assert main(["audit", "verify"]) == 0  # verify is open to anyone


def test_show_refuses_with_an_invalid_policy(capsys: pytest.CaptureFixture[str]) -> None:
    _fill_log()
    paths.policy_path().write_text("{}")
    assert main(["audit", "show"]) == 1
    assert "policy" in capsys.readouterr().err
