"""``callscope export-scrubbed``: registration, output, refusals, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scrub_testkit import A, B, voip_frames, write_pcap

from callscope.core.cli.main import command_names, main
from callscope.core.privacy import paths


def test_command_is_registered() -> None:
    assert "export-scrubbed" in command_names()


def test_export_prints_summary_and_writes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_pcap(tmp_path / "call.pcap", voip_frames(A, B))
    out = tmp_path / "escalate.pcap"
    assert main(["export-scrubbed", str(source), "-o", str(out), "--case", "T-1"]) == 0
    printed = capsys.readouterr().out
    assert "RTP payloads zeroed 30" in printed and "SIP messages pseudonymised 1" in printed
    assert "verified: the 1 RTP streams have identical metrics" in printed
    assert out.is_file() and not (tmp_path / "escalate.pcap.partial").exists()
    assert len(list((paths.state_dir() / "scrub-keys").glob("*.key"))) == 1
    entries = [json.loads(line) for line in paths.audit_log_path().read_text().splitlines()]
    exported = [e for e in entries if e["action"] == "EXPORT_SCRUBBED"]
    assert len(exported) == 1 and exported[0]["case"] == "T-1"
    assert exported[0]["obj"]["capture"].startswith("sha256:")


def test_refusals_are_one_line_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write_pcap(tmp_path / "call.pcap", voip_frames(A, B))
    assert main(["export-scrubbed", str(source), "-o", str(source)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("callscope: refusing to overwrite the input") and err.count("\n") == 1
    junk = tmp_path / "junk.pcap"
    junk.write_bytes(b"GIF89a not a capture")
    assert main(["export-scrubbed", str(junk), "-o", str(tmp_path / "x.pcap")]) == 1
    err = capsys.readouterr().err
    assert "not a capture file" in err and err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["call.pcap", "junk.pcap"]


def test_force_and_no_verify(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write_pcap(tmp_path / "call.pcap", voip_frames(A, B))
    out = tmp_path / "out.pcap"
    out.write_bytes(b"old")
    assert main(["export-scrubbed", str(source), "-o", str(out)]) == 1
    assert out.read_bytes() == b"old"
    assert main(["export-scrubbed", str(source), "-o", str(out), "--force", "--no-verify"]) == 0
    assert out.read_bytes() != b"old" and "verified" not in capsys.readouterr().out
