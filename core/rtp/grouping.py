"""Group packet rows into flows and streams by integer keys, never by Python tuples.

A flow is (transport, src, dst, sport, dport, TEID); a stream is a flow plus an
SSRC. Columns are packed into uint64 keys and made dense with one stable sort
each, so grouping n rows costs a few O(n log n) numpy sorts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from callscope.core.capture.table import PacketTable

HASH_BITS = 16
"""Slots of the hash table that makes dense ids without a sort when few keys are distinct."""
HASH_MULTIPLIERS = (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F)  # odd 64-bit constants
HASH_MIN_ROWS = 4096  # below this a sort is as fast


def _ids_by_hash(key: NDArray[np.uint64]) -> tuple[NDArray[np.int64], int] | None:
    """Dense ids (ascending key order) and their count, or None if two keys share a slot.

    Multiplicative hashing into 2**HASH_BITS slots; one representative per slot,
    then every row is checked against its slot's representative, so the ids are
    exact whenever this returns.
    """
    size = 1 << HASH_BITS
    for multiplier in HASH_MULTIPLIERS:
        slot = ((key * np.uint64(multiplier)) >> np.uint64(64 - HASH_BITS)).astype(np.intp)
        rep = np.zeros(size, np.uint64)
        rep[slot] = key
        if not np.array_equal(rep[slot], key):
            continue
        used = np.zeros(size, np.bool_)
        used[slot] = True
        slots = np.flatnonzero(used)
        rank = np.zeros(size, np.int64)
        rank[slots[np.argsort(rep[slots])]] = np.arange(slots.shape[0], dtype=np.int64)
        return rank[slot], int(slots.shape[0])
    return None


def dense_ids(key: NDArray[np.uint64]) -> tuple[NDArray[np.int64], NDArray[np.int64], int]:
    """Dense ids 0..k-1 for the distinct values of ``key`` (ascending key order).

    Returns (ids per element, stable sort order of the elements, k). Few distinct
    keys (the usual case) need no sort of the keys: a hash table gives the ids and a
    radix sort of the 16-bit ids gives the same stable order.
    """
    hashed = _ids_by_hash(key) if key.shape[0] >= HASH_MIN_ROWS else None
    if hashed is not None:
        ids, count = hashed
        narrow = ids.astype(np.uint16) if count <= 1 << 16 else ids
        return ids, np.argsort(narrow, kind="stable").astype(np.int64, copy=False), count
    order = np.argsort(key, kind="stable")
    ordered = key[order]
    new = np.empty(len(key), np.bool_)
    new[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
    sorted_ids = np.cumsum(new, dtype=np.int64) - 1
    ids = np.empty(len(key), np.int64)
    ids[order] = sorted_ids
    count = int(sorted_ids[-1]) + 1 if len(key) else 0
    return ids, order.astype(np.int64, copy=False), count


def combine(high: NDArray[np.int64], low: NDArray[np.int64], low_count: int) -> NDArray[np.int64]:
    """Dense ids of the pairs (high, low), given ``low`` < ``low_count``."""
    if len(high) == 0:
        return np.zeros(0, np.int64)
    span = (int(high.max()) + 1) * max(low_count, 1)
    packed = high.astype(np.uint64) * np.uint64(max(low_count, 1)) + low.astype(np.uint64)
    if span >= 2**63:  # cannot happen below ~3e9 rows; stay correct anyway
        raise OverflowError("too many distinct keys to combine")
    return dense_ids(packed)[0]


@dataclass(frozen=True)
class Groups:
    """Rows partitioned into groups.

    ``rows`` holds table row indices, group after group (arrival order inside a
    group); group g is ``rows[starts[g]:starts[g + 1]]``. ``first_row[g]`` is its
    earliest row.
    """

    rows: NDArray[np.int64]
    starts: NDArray[np.int64]
    first_row: NDArray[np.int64]

    def __len__(self) -> int:
        return int(self.first_row.shape[0])

    def members(self, group: int) -> NDArray[np.int64]:
        """Row indices of one group, in arrival order."""
        return self.rows[self.starts[group] : self.starts[group + 1]]

    def sizes(self) -> NDArray[np.int64]:
        """Number of rows per group, shape (len(self),)."""
        return np.diff(self.starts)

    def by_first_packet(self) -> NDArray[np.int64]:
        """Group numbers ordered by their first row."""
        return np.argsort(self.first_row, kind="stable")


def group_by_key(rows: NDArray[np.int64], key: NDArray[np.int64]) -> Groups:
    """Group ``rows`` (ascending table indices) by an integer ``key`` of the same shape."""
    # int64 -> uint64 keeps the bits either way; a view skips the copy
    wide = key.view(np.uint64) if key.dtype == np.int64 else key.astype(np.uint64)
    ids, order, count = dense_ids(wide)
    grouped = rows[order]
    counts = np.bincount(ids, minlength=count)
    starts = np.zeros(count + 1, np.int64)
    np.cumsum(counts, out=starts[1:])
    first = grouped[starts[:-1]] if count else np.zeros(0, np.int64)
    return Groups(rows=grouped, starts=starts, first_row=first)


LUT_LIMIT = 1 << 22
"""Columns whose value range is below this are made dense with a lookup table (O(n))."""


def _small_dense(values: NDArray[np.int64], value_range: int) -> tuple[NDArray[np.int64], int]:
    """Dense ids of non-negative ints below ``value_range``: lookup table, no sort."""
    if value_range > LUT_LIMIT and len(values):
        value_range = int(values.max()) + 1  # a wide column often holds small values (TEID 0)
    if value_range > LUT_LIMIT:
        ids, _, count = dense_ids(values.astype(np.uint64))
        return ids, count
    present = np.zeros(value_range, np.bool_)
    present[values] = True
    remap = np.cumsum(present, dtype=np.int64) - 1
    return remap[values], int(remap[-1]) + 1 if value_range else 0


def _mixed_radix(columns: Iterable[Callable[[], Column]]) -> NDArray[np.int64] | None:
    """Pack dense columns into one int64, or None if it would overflow.

    Each column is made only when its turn comes and folded in at once, so at most
    one column exists beside the packed key (memory: ~24 bytes per row, not ~64).
    """
    packed: NDArray[np.int64] | None = None
    total = 1
    for make in columns:
        ids, count = make()
        total *= max(count, 1)
        if total >= 2**63:
            return None
        if packed is None:
            packed = ids.astype(np.int64, copy=True)
        else:
            packed *= max(count, 1)
            packed += ids
        del ids
    return packed


Column = tuple[NDArray[np.int64], int]
"""Dense ids of one column and how many distinct values it has."""


def flow_columns(table: PacketTable, rows: NDArray[np.int64]) -> list[Callable[[], Column]]:
    """Makers of the dense (ids, count) columns of the flow fields of the selected rows."""
    highest = max(int(table.src.max(initial=0)), int(table.dst.max(initial=0)))
    n_addr = max(len(table.addresses), highest + 1)

    def pair_ids() -> Column:
        pair = table.src[rows].astype(np.int64) * n_addr + table.dst[rows]
        if n_addr * n_addr <= LUT_LIMIT:
            return _small_dense(pair, n_addr * n_addr)
        ids, _, count = dense_ids(pair.astype(np.uint64))
        return ids, count

    return [
        lambda: _small_dense(table.transport[rows].astype(np.int64), 256),
        pair_ids,
        lambda: _small_dense(table.sport[rows].astype(np.int64), 65536),
        lambda: _small_dense(table.dport[rows].astype(np.int64), 65536),
        lambda: _small_dense(table.teid[rows].astype(np.int64), 2**32),
    ]


def flow_ids(table: PacketTable, rows: NDArray[np.int64]) -> NDArray[np.int64]:
    """Dense flow id per selected row: (transport, src, dst, sport, dport, TEID)."""
    columns = flow_columns(table, rows)
    packed = _mixed_radix(columns)
    if packed is not None:
        return dense_ids(packed.astype(np.uint64))[0]
    flows, _ = columns[0]()
    for make in columns[1:]:
        ids, n = make()
        flows = combine(flows, ids, n)
    return flows


def group_streams(table: PacketTable, rows: NDArray[np.int64], ssrc: NDArray[np.uint32]) -> Groups:
    """Group ``rows`` into streams: same transport 5-tuple, TEID and SSRC.

    Usually one stable sort: the flow columns and the SSRC are packed into a
    single int64 when their distinct counts allow it.
    """
    if len(rows) == 0:
        empty = np.zeros(0, np.int64)
        return Groups(rows=empty, starts=np.zeros(1, np.int64), first_row=empty)
    columns = flow_columns(table, rows)
    packed = _mixed_radix([*columns, lambda: (ssrc[rows].astype(np.int64), 2**32)])
    if packed is None:
        flows = flow_ids(table, rows)
        packed = combine(flows, ssrc[rows].astype(np.int64), 2**32)
    return group_by_key(rows, packed)
