"""benchmarks/synth_capture.py: the CLI writes a capture whose truth a recount confirms."""

from __future__ import annotations

import importlib.util
import json
import struct
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest
from synth_reader import Datagram

SCRIPT = Path(__file__).resolve().parents[3] / "benchmarks" / "synth_capture.py"
Reader = Callable[[Path], list[Datagram]]


def _cli() -> ModuleType:
    spec = importlib.util.spec_from_file_location("synth_capture", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("extra", [[], ["--format", "pcapng", "--vlan", "--gtpu"],
                                   ["--ipv6", "--codec", "amr-wb", "--vlan", "7"]])
def test_cli_writes_capture_and_truth(tmp_path: Path, read_capture: Reader,
                                      extra: list[str]) -> None:
    out = tmp_path / "x.cap"
    args = [str(out), "--packets", "3000", "--streams", "7", "--loss", "0.02", "--jitter-ms", "2",
            "--reorder", "0.01", "--duplicates", "0.01", "--seed", "3", *extra]
    assert _cli().main(args) == 0
    doc = json.loads(Path(f"{out}.truth.json").read_text())
    got = read_capture(out)
    assert doc["packets"] == len(got) and len(doc["streams"]) == 7
    per_ssrc = Counter(struct.unpack_from("!I", d.payload, 8)[0] for d in got)
    for s in doc["streams"]:
        assert per_ssrc[s["ssrc"]] == s["received"]
        assert s["lost"] == s["expected"] - s["received"]
        assert 10000 <= s["dport"] <= 10198 and s["dport"] % 2 == 0
    assert sum(s["sent"] for s in doc["streams"]) == 3000
    assert all(d.vlan == (7 if "7" in extra else 100 if "--vlan" in extra else None)
               for d in got)
    assert all((d.teid is not None) == ("--gtpu" in extra) for d in got)


def test_cli_is_deterministic_and_refuses_nonsense(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    cli = _cli()
    a, b = tmp_path / "a.pcap", tmp_path / "b.pcap"
    for path in (a, b):
        assert cli.main([str(path), "--packets", "2000", "--streams", "5", "--loss", "0.05"]) == 0
    assert a.read_bytes() == b.read_bytes()
    assert cli.main([str(a), "--packets", "10", "--streams", "20"]) == 2
    assert cli.main([str(a), "--packets", "10", "--loss", "2", "--streams", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(line.startswith("synth_capture: ") for line in err)
