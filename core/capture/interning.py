"""Address interning: IP addresses as int32 indices into one list of printable strings.

Vectorized per batch: the distinct values are found with ``np.unique`` (no inverse,
which is several times faster), then every row is mapped to its distinct value with a
multiplicative hash table (a few array operations, a binary search for the rare
collisions); a Python dict is
consulted once per *distinct* address, never per packet.
"""

from __future__ import annotations

import ipaddress
import socket

import numpy as np
from numpy.typing import NDArray

I32 = NDArray[np.int32]
MAX_TABLE_BITS = 22  # hash table of at most 4 M slots; more distinct values collide more
_MULTIPLIER = np.uint64(0x7EBF3907D7D91B19)  # odd 64-bit constant for multiplicative hashing


class AddressInterner:
    """Maps IPv4/IPv6 addresses to indices into :attr:`addresses` (shared by a capture)."""

    def __init__(self) -> None:
        self.addresses: list[str] = []
        self._v6: dict[bytes, int] = {}
        self._v4_values = np.zeros(0, np.uint32)  # sorted known IPv4 addresses
        self._v4_ids = np.zeros(0, np.int32)  # their indices, same order

    def intern_v4(self, values: NDArray[np.uint32]) -> I32:
        """Indices of IPv4 addresses given as host-order uint32, shape (n,)."""
        if values.shape[0] == 0:
            return np.zeros(0, np.int32)
        distinct = np.unique(values)
        known = self._v4_values
        at = np.minimum(np.searchsorted(known, distinct), max(known.shape[0] - 1, 0))
        found = known[at] == distinct if known.shape[0] else np.zeros(distinct.shape, bool)
        ids = np.where(found, self._v4_ids[at] if known.shape[0] else 0, 0).astype(np.int32)
        new = distinct[~found]
        if new.shape[0]:
            first = len(self.addresses)
            ids[~found] = np.arange(first, first + new.shape[0], dtype=np.int32)
            raw = new.astype(">u4").tobytes()
            self.addresses.extend(
                socket.inet_ntoa(raw[i : i + 4]) for i in range(0, len(raw), 4)
            )
            merged = np.concatenate([known, new])
            order = np.argsort(merged, kind="stable")
            self._v4_values = merged[order]
            self._v4_ids = np.concatenate([self._v4_ids, ids[~found]])[order]
        return ids[_positions(values.astype(np.uint64), distinct.astype(np.uint64))]

    def intern_v6(self, values: NDArray[np.uint8]) -> I32:
        """Indices of IPv6 addresses given as raw bytes, shape (n, 16)."""
        n = int(values.shape[0])
        if n == 0:
            return np.zeros(0, np.int32)
        words = np.ascontiguousarray(values).view(np.uint64)  # (n, 2)
        folded = words[:, 0] ^ (words[:, 1] * np.uint64(0x9E3779B97F4A7C15))
        distinct = np.unique(folded)
        pos = _positions(folded, distinct)
        rep = np.empty(distinct.shape[0], np.int64)
        rep[pos] = np.arange(n)  # any row holding each distinct folded value
        if not np.array_equal(values[rep[pos]], values):  # a fold collision: be exact
            exact = np.ascontiguousarray(values).view(np.dtype((np.void, 16)))[:, 0]
            _, rep, pos = np.unique(exact, return_index=True, return_inverse=True)
        ids = np.array([self._id_v6(values[r].tobytes()) for r in rep.tolist()], np.int32)
        return ids[pos]

    def intern(self, version: int, values: NDArray[np.uint32] | NDArray[np.uint8]) -> I32:
        """Dispatch on the IP version: uint32 (n,) for 4, uint8 (n, 16) for 6."""
        if version == 4:
            return self.intern_v4(values.astype(np.uint32, copy=False))
        return self.intern_v6(values.astype(np.uint8, copy=False))

    def _id_v6(self, raw: bytes) -> int:
        found = self._v6.get(raw)
        if found is None:
            found = len(self.addresses)
            self._v6[raw] = found
            self.addresses.append(str(ipaddress.IPv6Address(raw)))
        return found


def _positions(values: NDArray[np.uint64], distinct: NDArray[np.uint64]) -> NDArray[np.int64]:
    """Index of each value in ``distinct`` (sorted, and containing every value).

    A multiplicative hash table with ~8 slots per distinct value answers most rows in a
    few array passes; rows whose slot holds another value (a collision: the later one
    kept the slot) are looked up by binary search. Linear in the rows for any number
    of distinct values (a trunk capture has thousands of addresses).
    """
    k = int(distinct.shape[0])
    if k == 1:
        return np.zeros(values.shape[0], np.int64)
    bits = min(max(4, (8 * k - 1).bit_length()), MAX_TABLE_BITS)
    shift = np.uint64(64 - bits)
    slots = ((distinct * _MULTIPLIER) >> shift).astype(np.intp)
    keys = np.zeros(1 << bits, np.uint64)
    ids = np.full(1 << bits, -1, np.int64)
    keys[slots] = distinct
    ids[slots] = np.arange(k)
    at = ((values * _MULTIPLIER) >> shift).astype(np.intp)
    out: NDArray[np.int64] = ids[at]
    missed = np.flatnonzero((keys[at] != values) | (out < 0))
    if missed.shape[0]:
        out[missed] = np.searchsorted(distinct, values[missed])
    return out
