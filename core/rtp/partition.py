"""Split a large packet table into parts of whole conversations, to bound memory.

Finding streams holds about 140 bytes per row besides the table itself. Above
``PART_ROWS`` rows it runs once per part instead: every part holds whole
conversations (both directions of an address:port pair, whatever the transport or
GTP TEID), the unit in which every decision of stream finding is taken (grouping,
the heuristic, the QUIC/DTLS flags of a conversation), so the streams are the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from callscope.core.capture.table import PacketTable

PART_ROWS = 1 << 19
"""Rows per part (one conversation larger than this is a part of its own)."""
BLOCK_ROWS = 1 << 20
"""Rows handled at a time while keying conversations (bounds the temporaries)."""


def _low_endpoints(table: PacketTable, start: int, stop: int) -> NDArray[np.int64]:
    """Per row in ``start:stop``, the lower of its two (address, port) endpoints.

    Both directions of a conversation share it, so rows with different values are
    in different conversations.
    """
    a = table.src[start:stop].astype(np.int64) << 16 | table.sport[start:stop]
    b = table.dst[start:stop].astype(np.int64) << 16 | table.dport[start:stop]
    np.minimum(a, b, out=a)
    return a


@dataclass(frozen=True)
class Parts:
    """Which part each row of a table is in; iterating gives each part's rows."""

    part_of_row: NDArray[np.integer]  # shape (n,)
    count: int

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[NDArray[np.int64]]:
        """Each part's row indices, ascending, made one part at a time."""
        for part in range(self.count):
            rows: NDArray[np.int64] = np.flatnonzero(self.part_of_row == part)
            yield rows


def conversation_parts(table: PacketTable, max_rows: int | None = None) -> Parts | None:
    """Parts of whole conversations, about ``max_rows`` rows each (default PART_ROWS);
    None when the table is small enough to be handled in one piece.

    Memory: 8 bytes per row while keying, then 2 (4 past 65536 parts) per row.
    """
    n = len(table)
    max_rows = PART_ROWS if max_rows is None else max_rows
    if n <= max_rows:
        return None
    blocks = range(0, n, BLOCK_ROWS)
    keys = np.unique(np.concatenate(
        [np.unique(_low_endpoints(table, s, s + BLOCK_ROWS)) for s in blocks]))
    counts = np.zeros(len(keys), np.int64)
    for s in blocks:
        counts += np.bincount(np.searchsorted(keys, _low_endpoints(table, s, s + BLOCK_ROWS)),
                              minlength=len(keys))
    # consecutive keys fill a part until it reaches max_rows
    part_of_key = (np.cumsum(counts) - counts) // max_rows
    _, part_of_key = np.unique(part_of_key, return_inverse=True)  # no empty part
    n_parts = int(part_of_key.max()) + 1
    part_of_key = part_of_key.astype(np.uint16 if n_parts <= 1 << 16 else np.int32)
    part_of_row = np.empty(n, part_of_key.dtype)
    for s in blocks:
        low = _low_endpoints(table, s, s + BLOCK_ROWS)
        part_of_row[s : s + len(low)] = part_of_key[np.searchsorted(keys, low)]
    return Parts(part_of_row, n_parts)
