"""Joining PacketTable batches: concatenation, frame order, reassembled payload keys."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from callscope.core.capture.heap import release_free_heap
from callscope.core.capture.table import PacketTable

COLUMNS = (
    "frame",
    "time_ns",
    "src",
    "dst",
    "sport",
    "dport",
    "transport",
    "teid",
    "length",
    "caplen",
    "ip_version",
    "head",
    "payload_offset",
)


def concat_tables(parts: list[PacketTable], addresses: list[str]) -> PacketTable:
    """All rows of ``parts`` in that order, sharing ``addresses``.

    ``reassembled`` keys are shifted to the rows' new positions. The parts' columns
    are emptied as they are joined, column after column, so the peak is one column
    twice rather than the whole table twice: do not use ``parts`` afterwards.
    """
    parts = [p for p in parts if len(p)]
    if not parts:
        empty = PacketTable.empty()
        empty.addresses = addresses
        return empty
    if len(parts) == 1:
        only = parts[0]
        only.addresses = addresses
        return only
    columns: dict[str, NDArray[Any]] = {}
    sizes = [len(p) for p in parts]
    # the decoding's freed temporaries first, then each column's chunks once joined
    release_free_heap(sum(getattr(p, n).nbytes for p in parts for n in COLUMNS))
    freed = 0
    for name in COLUMNS:
        columns[name] = np.concatenate([getattr(p, name) for p in parts])
        for p in parts:
            column = getattr(p, name)  # a fresh empty array: a [:0] view would keep the rows
            setattr(p, name, np.empty((0, *column.shape[1:]), column.dtype))
        freed += columns[name].nbytes
        if release_free_heap(freed):  # before the next column is mapped
            freed = 0
    table = _build(columns, addresses)
    base = 0
    for p, size in zip(parts, sizes, strict=True):
        for row, payload in p.reassembled.items():
            table.reassembled[base + row] = payload
        base += size
    return table


def append_rows(base: PacketTable, extra: PacketTable) -> PacketTable:
    """``base``'s rows then ``extra``'s, in the column types of ``base``; both stay intact.

    The result uses ``extra.addresses`` (which must extend base's), and holds the
    reassembled payloads of both, extra's keys shifted past base's rows.
    """
    columns = {n: np.concatenate([getattr(base, n), getattr(extra, n)]).astype(
        getattr(base, n).dtype, copy=False) for n in COLUMNS}
    table = _build(columns, extra.addresses)
    table.reassembled = {**base.reassembled,
                         **{len(base) + row: p for row, p in extra.reassembled.items()}}
    return table


def subset(table: PacketTable, rows: NDArray[np.int64]) -> PacketTable:
    """The given rows (ascending indices) as a new table sharing ``addresses``.

    ``reassembled`` payloads follow their rows to their new positions.
    """
    out = _build({n: getattr(table, n)[rows] for n in COLUMNS}, table.addresses)
    if table.reassembled:
        kept = np.fromiter(table.reassembled, np.int64, len(table.reassembled))
        at = np.searchsorted(rows, kept)
        inside = at < len(rows)
        inside[inside] = rows[at[inside]] == kept[inside]
        out.reassembled = {int(a): table.reassembled[int(k)]
                           for a, k in zip(at[inside], kept[inside], strict=True)}
    return out


def sort_by_frame(table: PacketTable) -> PacketTable:
    """The table in frame order (stable); returned as is when already ordered."""
    frame = table.frame
    if frame.shape[0] < 2 or bool(np.all(frame[1:] >= frame[:-1])):
        return table
    order = np.argsort(frame, kind="stable")
    out = _build({n: getattr(table, n)[order] for n in COLUMNS}, table.addresses)
    if table.reassembled:
        new_row = np.empty_like(order)
        new_row[order] = np.arange(order.shape[0])
        out.reassembled = {int(new_row[r]): p for r, p in table.reassembled.items()}
    return out


def _build(c: dict[str, NDArray[Any]], addresses: list[str]) -> PacketTable:
    return PacketTable(
        frame=c["frame"],
        time_ns=c["time_ns"],
        src=c["src"],
        dst=c["dst"],
        sport=c["sport"],
        dport=c["dport"],
        transport=c["transport"],
        teid=c["teid"],
        length=c["length"],
        caplen=c["caplen"],
        ip_version=c["ip_version"],
        head=c["head"],
        payload_offset=c["payload_offset"],
        addresses=addresses,
    )
