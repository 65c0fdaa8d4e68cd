"""Large tables are handled in parts of whole conversations: the same streams result."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from callscope.core.analysis import analyze
from callscope.core.capture.reader import read_capture
from callscope.core.errors import CaptureError
from callscope.core.report.records import result_record
from callscope.core.rtp import partition
from callscope.core.rtp.partition import conversation_parts


def _captures(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix in (".pcap", ".pcapng", ".gz"))


def _record(path: Path) -> str | None:
    try:
        return json.dumps(result_record(analyze(path)), sort_keys=True)
    except CaptureError:
        return None


def _same_in_parts(paths: list[Path], monkeypatch: pytest.MonkeyPatch) -> int:
    """Analyse each capture whole and in parts of ~40 rows; return how many split."""
    parted = 0
    made = []  # the parts of each partitioned table
    real = partition.conversation_parts

    def spy(table: object, max_rows: int | None = None) -> object:
        parts = real(table, max_rows)  # type: ignore[arg-type]
        made.append(parts)
        return parts

    for path in paths:
        whole = _record(path)
        with monkeypatch.context() as m:
            m.setattr(partition, "WHOLE_ROWS", 40)
            m.setattr(partition, "PART_ROWS", 40)
            m.setattr(partition, "BLOCK_ROWS", 7)  # rows are keyed and sorted block by block
            m.setattr(partition, "conversation_parts", spy)
            made.clear()
            assert _record(path) == whole, path.name
        parted += any(parts is not None and len(parts) > 1 for parts in made)
    return parted


def test_bundled_captures_give_the_same_streams_in_parts(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _same_in_parts(_captures(data_dir), monkeypatch) >= 10  # split in 2+ parts


@pytest.mark.corpus
def test_corpus_captures_give_the_same_streams_in_parts(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _same_in_parts(_captures(corpus), monkeypatch) >= 29


def test_parts_hold_whole_conversations_and_every_row_once(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(partition, "BLOCK_ROWS", 7)
    table = read_capture(data_dir / "sip-g711a-rfc2833-dtmf_SIP_DTMF2.pcap").packets
    assert conversation_parts(table, max_rows=len(table)) is None
    parts = conversation_parts(table, max_rows=100)
    assert parts is not None and len(parts) >= 2
    assert all(np.all(np.diff(rows) > 0) for rows in parts)  # ascending in each part
    seen = np.concatenate(list(parts))
    assert np.array_equal(np.sort(seen), np.arange(len(table)))
    a = table.src.astype(np.int64) << 16 | table.sport
    b = table.dst.astype(np.int64) << 16 | table.dport
    part_of_conversation: dict[tuple[int, int], int] = {}
    for number, rows in enumerate(parts):
        for x, y in zip(a[rows].tolist(), b[rows].tolist(), strict=True):
            key = (min(x, y), max(x, y))
            assert part_of_conversation.setdefault(key, number) == number

