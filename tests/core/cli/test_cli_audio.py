"""``callscope audio export``: refused without policy/consent, allowed and audited with them."""

from __future__ import annotations

import getpass
import hashlib
import shutil
import wave
from datetime import UTC, datetime
from pathlib import Path

import pytest
from privacy_fixtures import (
    World,
    customer_parties,
    log_entries,
    policy_dict,
    record_for,
    world,
    write_policy,
)

from callscope.core.cli.main import main
from callscope.core.privacy.consent import Party
from callscope.core.privacy.consent_store import save_record

__all__ = ["world"]
DEMO = Path(__file__).resolve().parents[3] / "resources" / "demo.pcap"


@pytest.fixture
def capture(world: World, tmp_path: Path) -> Path:
    path = tmp_path / "demo.pcap"
    shutil.copyfile(DEMO, path)
    world.capture, world.sha = path, hashlib.sha256(path.read_bytes()).hexdigest()
    me = getpass.getuser()
    now = datetime.now(UTC)
    world.clock.t = now  # the CLI runs on the real clock
    write_policy(policy_dict(now, technicians={me: ["analyst", "listener"]}), world.admin)
    return path


def _export(capture: Path, out: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["audio", "export", str(capture), "--stream", "1", "--case", "INC-1",
                 "--reason", "customer reports one-way audio", "-o", str(out)])
    return code, capsys.readouterr().err


def test_refused_without_a_consent_record(capture: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _export(capture, tmp_path / "a.wav", capsys)
    assert code == 1 and err.startswith("callscope: ") and "consent" in err.lower()
    assert not (tmp_path / "a.wav").exists()


def test_refused_when_one_party_has_not_consented(world: World, capture: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    caller, callee = customer_parties()
    parties = [caller, Party(callee.role, callee.kind, callee.label)]
    save_record(record_for(world, parties=parties, window_end=datetime.now(UTC)), world.log,
                getpass.getuser())
    code, err = _export(capture, tmp_path / "b.wav", capsys)
    assert code == 1 and "consent" in err.lower()
    assert not (tmp_path / "b.wav").exists()
    actions = [e["action"] for e in log_entries(world.log)]
    assert "CONSENT_REFUSED" in actions and "EXPORT" not in actions


def test_allowed_with_complete_consent_and_audited(world: World, capture: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    save_record(record_for(world, window_end=datetime.now(UTC)), world.log, getpass.getuser())
    out = tmp_path / "c.wav"
    code, err = _export(capture, out, capsys)
    assert code == 0, err
    with wave.open(str(out)) as wav:
        assert wav.getframerate() == 8000 and wav.getnframes() > 8000 * 25
    actions = [e["action"] for e in log_entries(world.log)]
    assert actions.count("CONSENT_GRANTED") == 1 and actions.count("EXPORT") == 1
    assert actions.index("CONSENT_GRANTED") < actions.index("EXPORT")
