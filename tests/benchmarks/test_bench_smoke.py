"""benchmarks/bench.py keeps working: tiny sizes, not timed; the truth check runs and bites."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench.py"
TRUTH_LINE = re.compile(r"^truth check: (\d+)/(\d+) streams OK in (\d+) runs$", re.M)


def _bench(out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(BENCH), "--quick", "--no-tshark", "--out",
                           str(out), *extra], capture_output=True, text=True, timeout=300,
                          check=False)


def test_quick_bench_passes_truth_check_and_prints_table(tmp_path: Path) -> None:
    done = _bench(tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    m = TRUTH_LINE.search(done.stdout)
    assert m is not None, done.stdout[-2000:]
    ok, total, runs = map(int, m.groups())
    # 4 streams × (4 captures × (1 CLI + 1 in-process run) + 2 captures × 2 --jobs runs)
    # + the many-streams capture: 40 streams × (1 CLI + 1 in-process run)
    assert ok == total == 4 * (4 * 2 + 2 * 2) + 40 * 2 and runs == 5 * 2 + 2 * 2
    for row in ("| regular 2k, 4 streams |", "| pcapng 2k, 4 streams |", "| vlan 2k, 4 streams |",
                "| gtpu 2k, 4 streams |", "| regular 2k, 40 streams |", "| 2 × 2k |"):
        assert row in done.stdout
    results = (tmp_path / "RESULTS.md").read_text(encoding="utf-8")
    assert "| Capture | Packets |" in results and m.group(0) in results
    assert len(list(tmp_path.glob("*.truth.json"))) == 5


def test_wrong_counts_fail_the_bench_loudly(tmp_path: Path) -> None:
    first = _bench(tmp_path, "--no-variants", "--no-many")
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    (truth_file,) = tmp_path.glob("*.pcap.truth.json")
    truth = json.loads(truth_file.read_text(encoding="utf-8"))
    truth["streams"][0]["received"] += 1  # the capture is reused; now the truth disagrees
    truth_file.write_text(json.dumps(truth), encoding="utf-8")
    again = _bench(tmp_path, "--no-variants", "--no-many")
    assert again.returncode == 1
    assert "(reused)" in again.stdout and "TRUTH MISMATCH" in again.stdout
    assert "GROUND-TRUTH CHECK FAILED" in again.stderr
