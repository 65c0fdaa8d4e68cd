"""analyze() end to end: statistics do not depend on whether the series are kept."""

from __future__ import annotations

import json
from pathlib import Path

from callscope.core.analysis import analyze
from callscope.core.errors import CaptureError
from callscope.core.report.records import result_record


def test_statistics_are_the_same_without_series(data_dir: Path) -> None:
    compared = 0
    for path in sorted(data_dir.glob("*.pcap*")):
        try:
            full = analyze(path)
        except CaptureError:
            continue
        lean = analyze(path, series=False)
        assert json.dumps(result_record(lean)) == json.dumps(result_record(full)), path.name
        assert all(len(s.series.frame) == 0 for s in lean.streams)
        assert all(len(s.series.frame) == s.stats.packets for s in full.streams)
        compared += bool(full.streams)
    assert compared >= 13  # bundled captures with RTP streams
