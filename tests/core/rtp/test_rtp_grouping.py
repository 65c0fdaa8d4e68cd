"""Grouping rows into flows and streams by packed integer keys."""

from __future__ import annotations

import time

import numpy as np
import pytest
from rtp_factory import Builder, rtp

from callscope.core.capture.table import HEAD_BYTES, PacketTable, Transport
from callscope.core.rtp.grouping import (
    HASH_MIN_ROWS,
    dense_ids,
    flow_ids,
    group_by_key,
    group_streams,
)
from callscope.core.rtp.header import parse_headers


def test_dense_ids_follow_key_order_and_count_distinct_values() -> None:
    ids, order, count = dense_ids(np.array([30, 10, 30, 20, 10], np.uint64))
    assert ids.tolist() == [2, 0, 2, 1, 0]
    assert count == 3
    assert order.tolist() == [1, 4, 3, 0, 2]  # stable: equal keys keep input order


def test_group_by_key_keeps_arrival_order_inside_groups() -> None:
    rows = np.array([0, 1, 2, 3, 4, 5], np.int64)
    groups = group_by_key(rows, np.array([7, 3, 7, 3, 9, 7], np.int64))
    assert len(groups) == 3
    members = {int(groups.first_row[g]): groups.members(g).tolist() for g in range(3)}
    assert members == {1: [1, 3], 0: [0, 2, 5], 4: [4]}
    assert groups.first_row[groups.by_first_packet()].tolist() == [0, 1, 4]
    assert groups.sizes().sum() == 6


def test_streams_split_on_ssrc_five_tuple_teid_and_transport() -> None:
    b = Builder()
    b.add("10.0.0.1", 4000, "10.0.0.2", 5000, rtp(1, 0, 0xAA), 0.00)
    b.add("10.0.0.1", 4000, "10.0.0.2", 5000, rtp(2, 160, 0xAA), 0.02)
    b.add("10.0.0.1", 4000, "10.0.0.2", 5000, rtp(1, 0, 0xBB), 0.03)  # other SSRC
    b.add("10.0.0.3", 4000, "10.0.0.2", 5000, rtp(3, 320, 0xAA), 0.04)  # relay leg, same SSRC
    b.add("10.0.0.1", 4000, "10.0.0.2", 5000, rtp(4, 480, 0xAA), 0.05,
          transport=Transport.GTPU_UDP, teid=7)
    b.add("10.0.0.1", 4000, "10.0.0.2", 5000, rtp(5, 640, 0xAA), 0.06,
          transport=Transport.GTPU_UDP, teid=8)
    b.add("10.0.0.1", 4000, "10.0.0.2", 5000, rtp(3, 320, 0xAA), 0.07)
    table = b.table()
    groups = group_streams(table, np.arange(len(table)), parse_headers(table).ssrc)
    as_lists = sorted(groups.members(g).tolist() for g in range(len(groups)))
    assert as_lists == [[0, 1, 6], [2], [3], [4], [5]]
    assert len(set(flow_ids(table, np.arange(len(table))).tolist())) == 4


def _big_table(n: int, streams: int) -> tuple[PacketTable, np.ndarray]:
    rng = np.random.default_rng(7)
    which = rng.integers(0, streams, n)
    table = PacketTable(
        frame=np.arange(1, n + 1, dtype=np.int64),
        time_ns=np.arange(n, dtype=np.int64) * 400_000,
        src=(which % 10).astype(np.int32),
        dst=(which // 10 + 10).astype(np.int32),
        sport=(10_000 + 2 * which).astype(np.uint16),
        dport=np.full(n, 4000, np.uint16),
        transport=np.zeros(n, np.uint8),
        teid=np.zeros(n, np.uint32),
        length=np.full(n, 172, np.int32),
        caplen=np.full(n, 172, np.int32),
        ip_version=np.full(n, 4, np.uint8),
        head=np.zeros((n, HEAD_BYTES), np.uint8),
        payload_offset=np.zeros(n, np.int64),
        addresses=[f"10.0.0.{i}" for i in range(20)],
    )
    return table, (which * 7919).astype(np.uint32)


def test_a_million_rows_of_fifty_streams_group_well_under_a_second() -> None:
    table, ssrc = _big_table(1_000_000, 50)
    rows = np.arange(len(table), dtype=np.int64)
    best = min(_timed(table, rows, ssrc) for _ in range(3))
    groups = group_streams(table, rows, ssrc)
    assert len(groups) == 50
    assert int(groups.sizes().sum()) == 1_000_000
    first = groups.members(int(groups.by_first_packet()[0]))
    assert bool(np.all(np.diff(first) > 0))
    assert best < 1.0, f"grouping took {best:.2f} s"


def _timed(table: PacketTable, rows: np.ndarray, ssrc: np.ndarray) -> float:
    start = time.perf_counter()
    group_streams(table, rows, ssrc)
    return time.perf_counter() - start


@pytest.mark.parametrize("distinct", [1, 7, 300, 5000, 70_000])
def test_dense_ids_hash_path_equals_the_sort_path(distinct: int) -> None:
    """Above HASH_MIN_ROWS the ids come from a hash table: same ids, same stable order."""
    rng = np.random.default_rng(distinct)
    values = rng.integers(0, 2**63, distinct, dtype=np.uint64)
    key = values[rng.integers(0, distinct, HASH_MIN_ROWS * 4)]
    ids, order, count = dense_ids(key)
    uniques, inverse = np.unique(key, return_inverse=True)
    assert count == len(uniques)
    assert np.array_equal(ids, inverse)
    assert np.array_equal(order, np.argsort(key, kind="stable"))
