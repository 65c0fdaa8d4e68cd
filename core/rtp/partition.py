"""Split a large packet table into parts of whole conversations, to bound memory.

Finding streams holds about 140 bytes per row besides the table itself. Above
``WHOLE_ROWS`` rows it runs once per part of ``PART_ROWS`` instead: every part holds whole
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
from callscope.core.rtp.grouping import HASH_MULTIPLIERS

WHOLE_ROWS = 1 << 21
"""Tables up to this many rows are handled in one piece: ~10 % faster, and the extra
memory stays under ~300 MB. Larger tables go in parts of ``PART_ROWS``."""
PART_ROWS = 1 << 19
"""Rows per part (one conversation larger than this is a part of its own)."""
BLOCK_ROWS = 1 << 20
"""Rows handled at a time while keying conversations (bounds the temporaries)."""
BUCKET_BITS = 12
"""Conversations are hashed into 2**BUCKET_BITS buckets; consecutive buckets make a part."""


def _buckets(table: PacketTable, start: int, stop: int) -> NDArray[np.intp]:
    """Per row in ``start:stop``, a hash bucket (< 2**BUCKET_BITS) of its conversation.

    The key is the lower of the row's two (address, port) endpoints, which both
    directions of a conversation share; multiplicative hashing spreads the keys.
    """
    a = table.src[start:stop].astype(np.uint64) << np.uint64(16) | table.sport[start:stop]
    b = table.dst[start:stop].astype(np.uint64) << np.uint64(16) | table.dport[start:stop]
    np.minimum(a, b, out=a)
    a *= np.uint64(HASH_MULTIPLIERS[0])
    a >>= np.uint64(64 - BUCKET_BITS)
    return a.astype(np.intp)


@dataclass(frozen=True)
class Parts:
    """Rows grouped part after part; iterating gives each part's rows (ascending).

    ``rows`` (shape (n,), int32 below 2**31 rows) holds part 0's rows, then part 1's...;
    part p is ``rows[starts[p]:starts[p + 1]]``.
    """

    rows: NDArray[np.signedinteger]
    starts: NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.starts) - 1

    def __iter__(self) -> Iterator[NDArray[np.int64]]:
        """Each part's row indices as int64, one part at a time."""
        for a, b in zip(self.starts[:-1].tolist(), self.starts[1:].tolist(), strict=True):
            yield self.rows[a:b].astype(np.int64)


def conversation_parts(table: PacketTable, max_rows: int | None = None) -> Parts | None:
    """Parts of whole conversations, about ``max_rows`` rows each (default PART_ROWS);
    None when the table is small enough to be handled in one piece.

    Conversations are spread over 4096 hash buckets; consecutive buckets make a part.
    Memory: 4 bytes per row (the rows in part order), plus ~50 per row of one block.
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
    part_of_bucket = np.zeros(len(counts), np.uint16)  # parts <= buckets = 4096
    part_of_bucket[used] = inverse
    n_parts = len(labels)
    starts = np.zeros(n_parts + 1, np.int64)
    np.cumsum(np.bincount(part_of_bucket, weights=counts, minlength=n_parts).astype(np.int64),
              out=starts[1:])
    # counting sort, block by block: each block's rows go after the earlier blocks' rows
    # of their part, so every part's rows stay ascending
    rows: NDArray[np.signedinteger] = np.empty(n, np.int32 if n < 2**31 else np.int64)
    cursor = starts[:-1].copy()
    for s in blocks:
        part = part_of_bucket[_buckets(table, s, s + BLOCK_ROWS)]
        order = np.argsort(part, kind="stable")  # 16-bit keys: a radix sort
        in_block = np.bincount(part, minlength=n_parts)
        first = np.cumsum(in_block) - in_block  # where each part begins in ``order``
        ordered = part[order]
        rows[cursor[ordered] + np.arange(len(order)) - first[ordered]] = order + s
        cursor += in_block
    return Parts(rows, starts)
