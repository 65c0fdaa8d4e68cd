"""Joining and splitting packet tables: rows, column types and reassembled payloads."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from callscope.core.capture.reader import read_capture
from callscope.core.capture.table import PacketTable
from callscope.core.capture.tables import append_rows, subset


def _table(data_dir: Path) -> PacketTable:
    return read_capture(data_dir / "sip-g711a-rfc2833-dtmf_SIP_DTMF2.pcap").packets


def test_subset_keeps_reassembled_payloads_with_their_rows(data_dir: Path) -> None:
    table = _table(data_dir)
    table.reassembled = {3: b"three", 7: b"seven"}
    part = subset(table, np.array([1, 3, 5, 6], np.int64))
    assert part.reassembled == {1: b"three"}
    assert part.frame.tolist() == table.frame[[1, 3, 5, 6]].tolist()
    assert part.head.shape == (4, table.head.shape[1])


def test_append_rows_shifts_the_extra_payloads_and_keeps_both_inputs(data_dir: Path) -> None:
    base = subset(_table(data_dir), np.arange(5, dtype=np.int64))
    base.reassembled = {2: b"base"}
    extra = subset(base, np.array([0, 1], np.int64))
    extra.reassembled = {1: b"extra"}
    extra.length = extra.length.astype(np.int64)  # a wider type comes back as base's
    joined = append_rows(base, extra)
    assert len(joined) == 7 and len(base) == 5 and len(extra) == 2
    assert joined.reassembled == {2: b"base", 6: b"extra"}
    assert joined.length.dtype == base.length.dtype
    assert joined.frame[5:].tolist() == base.frame[:2].tolist()
