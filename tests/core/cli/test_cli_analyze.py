"""``callscope analyze``: the three formats, several captures, and bad input."""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from callscope.core.cli.main import main
from callscope.core.report.records import STREAM_FIELDS

REPO = Path(__file__).resolve().parents[3]
DEMO = REPO / "resources" / "demo.pcap"
PCAP_HEADER = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_table_lists_the_demo_streams(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["analyze", str(DEMO)], capsys)
    assert code == 0, err
    lines = out.splitlines()
    assert "2 RTP streams" in lines[0] and "1 calls" in lines[0]
    assert "Problems?" in lines[1]
    rows = [line for line in lines[2:] if "0x" in line]
    assert len(rows) == 2 and all("PCMA" in r for r in rows)


def test_json_has_the_documented_fields(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["analyze", "--format", "json", str(DEMO)], capsys)
    assert code == 0
    doc = json.loads(out)
    assert set(doc) >= {"capture", "calls", "streams", "warnings"}
    assert set(doc["capture"]) >= {"path", "sha256", "packets", "link_types", "start_time",
                                   "duration_s"}
    assert len(doc["capture"]["sha256"]) == 64 and doc["capture"]["link_types"] == ["ethernet"]
    stream = doc["streams"][0]
    assert list(stream) == list(STREAM_FIELDS)
    assert stream["ssrc"].startswith("0x") and len(stream["ssrc"]) == 10
    assert stream["src"].count(":") == 1 and stream["transport"] == "udp"
    truth = json.loads((REPO / "resources" / "demo.truth.json").read_text())
    by_ssrc = {s["ssrc"]: s for s in doc["streams"]}
    for t in truth["streams"]:
        ssrc = t["ssrc"] if isinstance(t["ssrc"], str) else f"0x{t['ssrc']:08x}"
        got = by_ssrc[ssrc.lower()]
        assert (got["packets"], got["lost"]) == (t["received"], t["lost"])
    call = doc["calls"][0]
    assert call["state"] == "COMPLETED" and "***" in call["from"] and "***" in call["to"]
    assert sorted(call["streams"]) == sorted(s["id"] for s in doc["streams"])


def test_csv_has_a_header_and_one_row_per_stream(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["analyze", "--format", "csv", str(DEMO), str(DEMO)], capsys)
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 4 and rows[0]["capture"] == str(DEMO)
    assert list(rows[0]) == ["capture", *STREAM_FIELDS]


def test_several_captures_in_parallel(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for i in range(3):
        (tmp_path / f"c{i}.pcap").write_bytes(DEMO.read_bytes())
    code, out, _ = run(["analyze", "--format", "json", "--jobs", "2", str(tmp_path)], capsys)
    assert code == 0
    docs = [json.loads(line) for line in out.splitlines()]
    assert sorted(Path(d["capture"]["path"]).name for d in docs) == ["c0.pcap", "c1.pcap",
                                                                      "c2.pcap"]
    assert all(len(d["streams"]) == 2 for d in docs)
    _, single, _ = run(["analyze", "--format", "json", str(DEMO)], capsys)  # hash thread
    assert {d["capture"]["sha256"] for d in docs} == {json.loads(single)["capture"]["sha256"]}


def _bad_inputs(tmp_path: Path) -> dict[str, Path]:
    cases = {
        "empty": b"",
        "wrong-magic": b"<html><body>not a capture</body></html>",
        "truncated-header": PCAP_HEADER[:10],
        "absurd-length": PCAP_HEADER + struct.pack("<IIII", 0, 0, 0xFFFFFFF0, 0xFFFFFFF0),
        "gzip-garbage": b"\x1f\x8b\x08\x00" + b"\x00" * 40,
    }
    paths = {}
    for name, data in cases.items():
        path = tmp_path / f"{name}.pcap"
        path.write_bytes(data)
        paths[name] = path
    paths["directory"] = tmp_path / "a-folder"
    paths["directory"].mkdir()
    paths["missing"] = tmp_path / "no-such-file.pcap"
    return paths


def test_bad_input_gives_one_line_and_exit_1(tmp_path: Path) -> None:
    for name, path in _bad_inputs(tmp_path).items():
        proc = subprocess.run(
            [sys.executable, "-m", "callscope.core.cli.main", "analyze", str(path)],
            capture_output=True, text=True, timeout=60,
        )
        assert proc.returncode == 1, (name, proc.stdout, proc.stderr)
        assert "Traceback" not in proc.stderr, name
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("callscope: "), (name, lines)


def test_a_capture_without_rtp_is_not_an_error(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "empty-but-valid.pcap"
    path.write_bytes(PCAP_HEADER)
    code, out, _ = run(["analyze", str(path)], capsys)
    assert code == 0 and "no RTP streams found" in out


def test_a_damaged_tail_keeps_what_came_before(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    data = DEMO.read_bytes()
    path = tmp_path / "cut.pcap"
    path.write_bytes(data[: len(data) - 100])
    code, out, _ = run(["analyze", "--format", "json", str(path)], capsys)
    assert code == 0
    doc = json.loads(out)
    assert len(doc["streams"]) == 2
    assert any("truncated" in w for w in doc["warnings"])


def test_a_gzip_capture_reads_like_the_original(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "demo.pcap.gz"
    path.write_bytes(gzip.compress(DEMO.read_bytes()))
    _, plain, _ = run(["analyze", "--format", "json", str(DEMO)], capsys)
    code, packed, _ = run(["analyze", "--format", "json", str(path)], capsys)
    assert code == 0
    assert json.loads(plain)["streams"] == json.loads(packed)["streams"]


@pytest.mark.corpus
def test_ipv6_endpoints_are_bracketed(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capture = corpus / "ims-ipv6-rawip-sip-evs-24k4-dtx-rtcp_nokia-udp_voice_ott.pcap"
    code, out, _ = run(["analyze", "--format", "json", str(capture)], capsys)
    assert code == 0
    streams = json.loads(out)["streams"]
    assert streams and all(s["src"].startswith("[") and "]:" in s["src"] for s in streams)


@pytest.mark.corpus
def test_broken_and_non_voip_corpus_captures(corpus: Path) -> None:
    expectations = {
        "broken-truncated-mid-packet_fuzz-2021-10-13.pcap": 0,
        "broken-rtp-crasher-1pkt_tcpdump-rtp-seg-fault-1.pcapng": 0,
        "broken-fuzzed-sip-rtp_aaa-fuzz-2006-06-26-2594.pcap": 0,
        "nonvoip-http-on-sip-port-5060_ndpi.pcap": 0,
        "nonvoip-http-linux-sll2_filesamples.pcap": 0,
    }
    for name, code in expectations.items():
        proc = subprocess.run(
            [sys.executable, "-m", "callscope.core.cli.main", "analyze", str(corpus / name)],
            capture_output=True, text=True, timeout=60,
        )
        assert proc.returncode == code, (name, proc.stderr)
        assert "Traceback" not in proc.stderr
        if name.startswith("nonvoip"):
            assert "no RTP streams found" in proc.stdout


def test_numpy_defaults_apply_unless_the_user_chose(monkeypatch: pytest.MonkeyPatch) -> None:
    from callscope.core.cli.main import numpy_runtime_defaults

    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    monkeypatch.delenv("NUMPY_MADVISE_HUGEPAGE", raising=False)
    numpy_runtime_defaults()
    assert os.environ["OPENBLAS_NUM_THREADS"] == "1"
    assert os.environ["NUMPY_MADVISE_HUGEPAGE"] == "0"
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "4")
    monkeypatch.setenv("NUMPY_MADVISE_HUGEPAGE", "1")
    numpy_runtime_defaults()
    assert os.environ["OPENBLAS_NUM_THREADS"] == "4"
    assert os.environ["NUMPY_MADVISE_HUGEPAGE"] == "1"


def test_an_unreadable_capture_is_named_once(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    missing = str(tmp_path / "gone.pcap")
    assert main(["analyze", missing]) == 1
    err = capsys.readouterr().err.strip()
    assert err == f"callscope: {missing}: no such file"
