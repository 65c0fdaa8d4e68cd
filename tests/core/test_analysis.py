"""analyze() end to end: the same statistics with or without series, plain or gzipped."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from callscope.core.analysis import analyze
from callscope.core.capture import streamed
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


def _identity_free(path: Path) -> str:
    """The analysis record without what names the file itself (path, hash, size)."""
    record = result_record(analyze(path))
    for key in ("path", "sha256", "size_bytes"):
        record["capture"].pop(key)
    return json.dumps(record, sort_keys=True)


def _same_when_gzipped(paths: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    """Analyse each capture plain and gzipped (streamed in 4 KiB windows); count compared."""
    monkeypatch.setattr(streamed, "WINDOW_BYTES", 4096)  # many windows, records cut often
    compared = 0
    for path in paths:
        try:
            plain = _identity_free(path)
        except CaptureError:
            continue
        packed = tmp_path / (path.name + ".gz")
        packed.write_bytes(gzip.compress(path.read_bytes(), compresslevel=1))
        assert _identity_free(packed) == plain, path.name
        compared += 1
    return compared


def test_gzip_captures_stream_through_memory_with_the_same_analysis(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = sorted(p for p in data_dir.glob("*") if p.suffix in (".pcap", ".pcapng"))
    assert _same_when_gzipped(paths, tmp_path, monkeypatch) >= 15


@pytest.mark.corpus
def test_corpus_gzip_captures_stream_with_the_same_analysis(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = sorted(p for p in corpus.glob("*") if p.suffix in (".pcap", ".pcapng"))
    assert _same_when_gzipped(paths, tmp_path, monkeypatch) >= 35
