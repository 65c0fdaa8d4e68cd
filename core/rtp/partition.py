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
BUCKET_BITS = 12
HASH_MULTIPLIER = 0x9E3779B97F4A7C15  # odd 64-bit constant (Fibonacci hashing)


def _buckets(table: PacketTable, start: int, stop: int) -> NDArray[np.intp]:
    """Per row in ``start:stop``, a hash bucket (< BUCKETS) of its conversation.

    The key is the lower of the row's two (address, port) endpoints, which both
    directions of a conversation share; multiplicative hashing spreads the keys.
    """
    a = table.src[start:stop].astype(np.uint64) << np.uint64(16) | table.sport[start:stop]
    b = table.dst[start:stop].astype(np.uint64) << np.uint64(16) | table.dport[start:stop]
    np.minimum(a, b, out=a)
    a *= np.uint64(HASH_MULTIPLIER)
    a >>= np.uint64(64 - BUCKET_BITS)
    return a.astype(np.intp)


@dataclass(frozen=True)
class Parts:
    """Which part each row of a table is in; iterating gives each part's rows."""

    part_of_row: NDArray[np.uint16]  # shape (n,)
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

    Conversations are spread over 4096 hash buckets; consecutive buckets make a part.
    Memory: 16 bytes per row of a block while hashing, then 2 per row.
    """
    n = len(table)
    max_rows = PART_ROWS if max_rows is None else max_rows
    if n <= max_rows:
        return None
    blocks = range(0, n, BLOCK_ROWS)
    counts = np.zeros(1 << BUCKET_BITS, np.int64)
    for s in blocks:
        counts += np.bincount(_buckets(table, s, s + BLOCK_ROWS), minlength=len(counts))
    # consecutive buckets fill a part until it reaches max_rows
    filled = (np.cumsum(counts) - counts) // max_rows
    used = counts > 0
    labels, inverse = np.unique(filled[used], return_inverse=True)  # no empty part
    n_parts = len(labels)
    part_of_bucket = np.zeros(len(counts), np.uint16)  # parts <= buckets = 4096
    part_of_bucket[used] = inverse
    part_of_row = np.empty(n, np.uint16)
    for s in blocks:
        part_of_row[s : s + BLOCK_ROWS] = part_of_bucket[_buckets(table, s, s + BLOCK_ROWS)]
    return Parts(part_of_row, n_parts)
