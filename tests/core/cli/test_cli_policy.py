"""``callscope policy init|sign|show|trust`` as an administrator uses them."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from callscope.core.cli.main import main
from callscope.core.privacy import paths


def test_full_administrator_workflow(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    prefix = tmp_path / "admin"
    assert (
        main(
            [
                "policy",
                "init",
                "--technician",
                "alice",
                "--technician",
                "carol",
                "--generate-key",
                str(prefix),
            ]
        )
        == 0
    )
    key, pub = tmp_path / "admin.key", tmp_path / "admin.pub"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and pub.exists()
    policy = json.loads(paths.policy_path().read_text())
    assert set(policy["technicians"]) == {"alice", "carol"} and policy["retention_days"] == 5

    assert main(["policy", "show"]) == 1
    assert "not signed" in capsys.readouterr().out

    assert main(["policy", "sign", "--key", str(key)]) == 0
    assert main(["policy", "show"]) == 1
    assert "no trusted administrator key" in capsys.readouterr().out

    assert main(["policy", "trust", str(pub)]) == 0
    assert main(["policy", "show"]) == 0
    out = capsys.readouterr().out
    assert "valid, version 1" in out and "alice: analyst, auditor, listener" in out

    policy["technicians"]["mallory"] = ["listener"]
    paths.policy_path().write_text(json.dumps(policy))
    assert main(["policy", "show"]) == 1
    assert "edited after signing" in capsys.readouterr().out


def test_init_does_not_overwrite(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy", "init", "--technician", "alice"]) == 0
    assert main(["policy", "init", "--technician", "alice"]) == 1
    assert "--force" in capsys.readouterr().err
    assert main(["policy", "init", "--technician", "bob", "--force"]) == 0
    assert "bob" in json.loads(paths.policy_path().read_text())["technicians"]


def test_sign_with_a_wrong_kind_of_key_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["policy", "init", "--technician", "alice"]) == 0
    assert main(["audit", "keygen", str(tmp_path / "aud")]) == 0
    assert main(["policy", "sign", "--key", str(tmp_path / "aud.key")]) == 1
    assert "not an Ed25519 private key" in capsys.readouterr().err
    assert main(["policy", "sign", "--key", str(tmp_path / "missing.key")]) == 1
    assert "not found" in capsys.readouterr().err


def test_show_where_prints_the_config_folder(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy", "show", "--where"]) == 0
    assert capsys.readouterr().out.strip() == str(paths.config_dir())
