"""Vectorized byte access at per-row offsets: slab gathers and big-endian fields.

A slab is the ``width`` bytes starting at each row's offset, gathered with one fancy
index over a stride-1 ``void`` view of the buffer (no (n, width) index array is built,
see toolchain-facts §6). Bytes past the end of the buffer read as zero; callers check
every field against the row's captured end before trusting it.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

I64 = NDArray[np.int64]
U8 = NDArray[np.uint8]


def slab(data: U8, offs: I64, width: int) -> U8:
    """Shape (n, width): ``data[offs[i] : offs[i] + width]`` per row, zero padded."""
    n = int(offs.shape[0])
    size = int(data.shape[0])
    if n == 0:
        return np.zeros((0, width), np.uint8)
    limit = size - width  # last offset whose window fits entirely
    if limit >= 0 and int(offs.min()) >= 0 and int(offs.max()) <= limit:
        return _void_gather(data, offs, width)
    start = max(0, limit)
    tail = np.zeros(size - start + width, np.uint8)
    tail[: size - start] = data[start:]
    clipped = np.clip(offs, 0, size)
    near_end = clipped > limit
    if limit < 0:
        return _void_gather(tail, clipped - start, width)
    out = _void_gather(data, np.minimum(clipped, limit), width)
    out[near_end] = _void_gather(tail, clipped[near_end] - start, width)
    return out


def _void_gather(data: U8, offs: I64, width: int) -> U8:
    view: NDArray[np.void] = np.ndarray(
        shape=(int(data.shape[0]) - width + 1,),
        dtype=np.dtype((np.void, width)),
        buffer=np.ascontiguousarray(data),
        strides=(1,),
    )
    rows = view[offs]
    out: U8 = rows.view(np.uint8).reshape(-1, width)
    return out


def _word_view(s: U8, col: int, size: int) -> NDArray[np.generic] | None:
    """Big-endian words of ``size`` bytes at column ``col`` of every row as a strided view
    (no copy), or None when the slab's layout does not allow it (then shift and OR).
    Rows may be strided (a column slice of a wider slab); bytes inside a row may not."""
    if col % size or s.shape[1] % size or s.strides[1] != 1 or s.shape[0] == 0:
        return None
    words: NDArray[np.generic] = s.view(np.dtype(f">u{size}"))[:, col // size]
    return words


def be16(s: U8, col: int) -> I64:
    """Big-endian 16-bit field at column ``col`` of a slab, as int64, shape (n,)."""
    words = _word_view(s, col, 2)
    if words is not None:
        return words.astype(np.int64)
    return (s[:, col].astype(np.int64) << 8) | s[:, col + 1]


def be32(s: U8, col: int) -> I64:
    """Big-endian 32-bit field at column ``col`` of a slab, as int64, shape (n,)."""
    words = _word_view(s, col, 4)
    if words is not None:
        return words.astype(np.int64)
    hi = (s[:, col].astype(np.int64) << 8) | s[:, col + 1]
    lo = (s[:, col + 2].astype(np.int64) << 8) | s[:, col + 3]
    return (hi << 16) | lo


def be32_u32(s: U8, col: int) -> NDArray[np.uint32]:
    """Big-endian 32-bit field at column ``col`` as uint32 (addresses), shape (n,)."""
    words = _word_view(s, col, 4)
    if words is None:
        words = np.ascontiguousarray(s[:, col : col + 4]).view(">u4")[:, 0]
    return words.astype(np.uint32)
