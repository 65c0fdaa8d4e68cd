"""Internet checksums (RFC 1071) of many UDP/TCP segments at once, and a byte mask.

Scrubbing changes payload bytes, so transport checksums must be redone: UDP over
IPv4 gets checksum 0 ("none", RFC 768); UDP over IPv6 (where 0 is not allowed,
RFC 8200 §8.1) and TCP get a recomputed checksum over the pseudo-header and the
segment. Segments not fully captured keep their old checksum (it cannot be computed).
The sums are vectorized over batches of segments (no loop per packet).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from callscope.core.capture.gather import I64

BATCH_BYTES = 1 << 22
U8 = NDArray[np.uint8]


def _fold(total: I64) -> I64:
    """One's-complement fold of 64-bit sums into 16 bits."""
    for _ in range(4):
        total = (total & 0xFFFF) + (total >> 16)
    return total


def range_sums(buf: U8, off: I64, length: I64) -> I64:
    """Sum of the big-endian 16-bit words of ``buf[off[i] : off[i] + length[i]]`` per row.

    Words are aligned on each range's start; an odd last byte is the high half of a
    word (RFC 1071 §4.1). Shape (n,), unfolded int64.
    """
    n = int(off.shape[0])
    out = np.zeros(n, np.int64)
    ends = np.cumsum(length)
    i = 0
    while i < n:  # one step per batch of about BATCH_BYTES, not per segment
        base = int(ends[i - 1]) if i else 0
        j = max(i + 1, int(np.searchsorted(ends, base + BATCH_BYTES, side="right")))
        lens = length[i:j]
        cum = np.concatenate([[0], np.cumsum(lens)[:-1]]).astype(np.int64)
        total = int(lens.sum())
        if total:
            inside = np.arange(total, dtype=np.int64) - np.repeat(cum, lens)
            values = buf[np.repeat(off[i:j], lens) + inside].astype(np.int64)
            weighted = np.where((inside & 1) == 0, values << 8, values)
            nonempty = lens > 0
            sums = np.zeros(j - i, np.int64)
            sums[nonempty] = np.add.reduceat(weighted, cum[nonempty])
            out[i:j] = sums
        i = j
    return out


def _address_sums(addresses: U8) -> I64:
    words = addresses[:, 0::2].astype(np.int64) * 256 + addresses[:, 1::2]
    summed: I64 = words.sum(axis=1)
    return summed


def write_checksums(
    buf: U8, off: I64, length: I64, src: U8, dst: U8, proto: int, field: int
) -> None:
    """Recompute the checksum at ``off + field`` of each segment ``buf[off : off + length]``.

    ``src``/``dst``: addresses in network order, shape (n, 4) or (n, 16); the
    pseudo-header follows RFC 768 (IPv4) and RFC 8200 §8.1 (IPv6). UDP results of 0
    are sent as 0xFFFF.
    """
    if off.shape[0] == 0:
        return
    buf[off + field] = 0
    buf[off + field + 1] = 0
    pseudo = _address_sums(src) + _address_sums(dst) + proto + (length >> 16) + (length & 0xFFFF)
    checksum = ~_fold(range_sums(buf, off, length) + pseudo) & 0xFFFF
    if proto == 17:
        checksum[checksum == 0] = 0xFFFF
    buf[off + field] = (checksum >> 8).astype(np.uint8)
    buf[off + field + 1] = (checksum & 0xFF).astype(np.uint8)


def _active(starts: I64, ends: I64, points: I64) -> I64:
    """How many of the ranges [starts, ends) cover each point (inputs sorted)."""
    inside: I64 = np.searchsorted(starts, points, "right") - np.searchsorted(ends, points, "right")
    return inside


def zero_outside(
    buf: U8, frame_start: I64, frame_end: I64, keep_start: I64, keep_end: I64,
    chunk: int = 1 << 24,
) -> int:
    """Zero every byte inside a frame range and outside every keep range; returns the count.

    Ranges are half-open [start, end), absolute in ``buf``, and may overlap. The line is
    cut at every range boundary; each piece is wholly in or out of frames and keeps, so
    the pieces to clear are found with sorted searches. They are then cleared through a
    0/1 coverage mask built chunk by chunk (memory stays bounded).
    """
    fs, fe, ks, ke = (np.sort(a, kind="stable") for a in (frame_start, frame_end, keep_start,
                                                          keep_end))  # timsort: runs are cheap
    points = np.sort(np.concatenate([fs, fe, ks, ke]), kind="stable")
    points = points[np.concatenate([[True], points[1:] != points[:-1]])]
    if points.shape[0] < 2:
        return 0
    lo, hi = points[:-1], points[1:]
    clear = (_active(fs, fe, lo) > 0) & (_active(ks, ke, lo) <= 0)
    zs, ze = lo[clear], hi[clear]
    joined = np.flatnonzero(ze[:-1] == zs[1:])  # adjacent pieces: one range
    zs, ze = np.delete(zs, joined + 1), np.delete(ze, joined)
    size = int(buf.shape[0])
    zs, ze = np.clip(zs, 0, size), np.clip(ze, 0, size)
    for start in range(0, size, chunk):
        stop = min(size, start + chunk)
        a = zs[np.searchsorted(zs, start, "right") : np.searchsorted(zs, stop, "left")]
        b = ze[np.searchsorted(ze, start, "right") : np.searchsorted(ze, stop, "left")]
        delta = np.zeros(stop - start, np.int8)
        delta[0] = int(np.searchsorted(zs, start, "right") - np.searchsorted(ze, start, "right"))
        delta[a - start] += 1
        delta[b - start] -= 1
        mask = np.cumsum(delta, dtype=np.int8).view(np.bool_)
        buf[start:stop][mask] = 0
    return int((ze - zs).sum())
