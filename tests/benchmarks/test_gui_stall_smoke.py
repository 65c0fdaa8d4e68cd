"""benchmarks/gui_stall.py keeps working: tiny captures, figures printed, nothing timed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "gui_stall.py"
STALL = re.compile(r"^  longest event-loop stall +(\d+) ms", re.M)
FIRST_PLOT = re.compile(r"^  core finished → plot painted +(\d+\.\d+) s", re.M)
PAN = re.compile(r"^  pan 2 % at full view +median +(\d+) ms", re.M)


def test_gui_stall_prints_load_and_pan_figures(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--packets", "3000", "--pan-steps", "2", "--out",
         str(tmp_path), "--screenshot", str(tmp_path / "shots")],
        capture_output=True, text=True, timeout=300, check=False, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert len(STALL.findall(done.stdout)) == 2  # the 50-stream and the one-stream capture
    assert len(FIRST_PLOT.findall(done.stdout)) == 2
    assert PAN.search(done.stdout) is not None
    assert "one stream of 2,9" in done.stdout  # the pan runs on the single-stream capture
    shots = sorted(p.name for p in (tmp_path / "shots").glob("*.png"))
    assert shots == ["rtp-3k-1s-regular-seed1.png", "rtp-3k-50s-regular-seed1.png"]
    assert all((tmp_path / "shots" / name).stat().st_size > 10_000 for name in shots)
