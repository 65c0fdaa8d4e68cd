"""IPv4/IPv6 fragment reassembly with bounded memory, state kept across chunks.

Fragments are keyed by (version, src, dst, identification, protocol, GTP-U TEID).
A datagram is complete when the last fragment (M=0) is in and the fragments cover
every byte before it; the frame that completes it is the datagram's frame, as in
Wireshark. Pending datagrams beyond the limits are dropped oldest first and counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from callscope.core.capture.ipv6 import EXTENSIONS, extension_length
from callscope.core.capture.layers import Buffer, Fragment, FragmentKey, L4Rows

MAX_DATAGRAM = 65535  # bytes: neither IPv4 nor (non-jumbo) IPv6 fragments can exceed it
MAX_PENDING = 4096  # datagrams waiting for fragments
MAX_PENDING_BYTES = 64 << 20
MAX_FRAGMENTS = 1024  # per datagram


@dataclass
class _Pending:
    parts: list[tuple[int, bytes]] = field(default_factory=list)  # (offset, bytes), arrival order
    total: int | None = None  # datagram length once the last fragment is seen
    held: int = 0


@dataclass(frozen=True)
class Datagram:
    """A reassembled datagram: the transport bytes and where they came from."""

    key: FragmentKey
    idx: int  # chunk row of the completing frame
    payload: bytes


class FragmentReassembler:
    """Collects fragments; :meth:`add` returns datagrams as they complete."""

    def __init__(self) -> None:
        self._pending: dict[FragmentKey, _Pending] = {}
        self._held = 0
        self._abandoned: dict[FragmentKey, None] = {}
        self.reassembled = 0
        self.dropped = 0  # datagrams given up: truncated, oversized, too many, evicted

    def add(self, fragments: list[Fragment]) -> list[Datagram]:
        """Feed fragments in capture order; returns the datagrams they complete."""
        done: list[Datagram] = []
        for frag in fragments:
            datagram = self._add_one(frag)
            if datagram is not None:
                done.append(datagram)
        return done

    def incomplete(self) -> int:
        """Datagrams still missing fragments (call at the end of the capture)."""
        return len(self._pending)

    def _add_one(self, frag: Fragment) -> Datagram | None:
        key = frag.key
        if key in self._abandoned:  # later fragments of a datagram already given up
            return None
        end = frag.offset + len(frag.payload)
        if not frag.complete or end > MAX_DATAGRAM or (frag.more and len(frag.payload) % 8):
            self._drop(key)
            return None
        entry = self._pending.get(key)
        if entry is None:
            entry = self._pending[key] = _Pending()
        entry.parts.append((frag.offset, frag.payload))
        entry.held += len(frag.payload)
        self._held += len(frag.payload)
        if not frag.more:
            entry.total = end
        if len(entry.parts) > MAX_FRAGMENTS:
            self._drop(key)
            return None
        if entry.total is not None and entry.held >= entry.total:
            payload = _assemble(entry)
            if payload is not None:
                self._forget(key)
                self.reassembled += 1
                return Datagram(key, frag.idx, payload)
        while len(self._pending) > MAX_PENDING or self._held > MAX_PENDING_BYTES:
            self._drop(next(iter(self._pending)))
        return None

    def _forget(self, key: FragmentKey) -> None:
        entry = self._pending.pop(key, None)
        if entry is not None:
            self._held -= entry.held

    def _drop(self, key: FragmentKey) -> None:
        self._forget(key)
        self.dropped += 1
        self._abandoned[key] = None
        if len(self._abandoned) > MAX_PENDING:
            del self._abandoned[next(iter(self._abandoned))]


def _assemble(entry: _Pending) -> bytes | None:
    """The datagram if the parts cover [0, total) without a hole; first copy wins."""
    total = entry.total
    assert total is not None
    covered = 0
    for offset, payload in sorted(entry.parts, key=lambda p: p[0]):
        if offset > covered:
            return None
        covered = max(covered, offset + len(payload))
    if covered < total:
        return None
    out = bytearray(total)
    for offset, payload in reversed(entry.parts):
        piece = payload[: max(0, total - offset)]
        out[offset : offset + len(piece)] = piece
    return bytes(out)


def datagram_rows(datagrams: list[Datagram]) -> list[L4Rows]:
    """Reassembled datagrams as transport rows over an in-memory buffer, per IP version.

    IPv6 extension headers that followed the fragment header are skipped here.
    """
    out: list[L4Rows] = []
    for version in (4, 6):
        chosen = [d for d in datagrams if d.key[0] == version]
        if not chosen:
            continue
        starts, protos, pieces, pos = [], [], [], 0
        for d in chosen:
            skip, proto = _skip_extensions(d.payload, d.key[4]) if version == 6 else (0, d.key[4])
            starts.append(pos + skip)
            protos.append(proto)
            pieces.append(d.payload)
            pos += len(d.payload)
        ends = np.cumsum([len(p) for p in pieces], dtype=np.int64)
        off = np.array(starts, np.int64)
        buf = Buffer(np.frombuffer(b"".join(pieces), np.uint8), None)
        width = 4 if version == 4 else 16
        src = np.frombuffer(b"".join(d.key[1] for d in chosen), np.uint8).reshape(-1, width)
        dst = np.frombuffer(b"".join(d.key[2] for d in chosen), np.uint8).reshape(-1, width)
        if version == 4:
            src_col = src.copy().view(">u4")[:, 0].astype(np.uint32)
            dst_col = dst.copy().view(">u4")[:, 0].astype(np.uint32)
            out.append(_rows(buf, 4, chosen, protos, src_col, dst_col, off, ends))
        else:
            out.append(_rows(buf, 6, chosen, protos, src.copy(), dst.copy(), off, ends))
    return out


def _rows(
    buf: Buffer,
    version: int,
    chosen: list[Datagram],
    protos: list[int],
    src: NDArray[np.uint32] | NDArray[np.uint8],
    dst: NDArray[np.uint32] | NDArray[np.uint8],
    off: NDArray[np.int64],
    ends: NDArray[np.int64],
) -> L4Rows:
    return L4Rows(
        buf,
        version,
        np.array([d.idx for d in chosen], np.int64),
        np.array(protos, np.uint8),
        src,
        dst,
        off,
        ends,
        ends - off,
        np.array([d.key[5] for d in chosen], np.uint32),
        np.array([d.key[6] for d in chosen], np.bool_),
    )


def _skip_extensions(payload: bytes, proto: int) -> tuple[int, int]:
    """(bytes to skip, transport protocol) past IPv6 extension headers; ESP stops."""
    pos = 0
    while proto in EXTENSIONS and pos + 2 <= len(payload):
        proto, length = payload[pos], extension_length(proto, payload[pos + 1])
        pos += length
    return min(pos, len(payload)), proto
