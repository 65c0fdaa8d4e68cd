"""Row batches passed between the decoding stages (link → IP → UDP/TCP/GTP-U).

Every batch is columnar: one row per frame (or per reassembled datagram) still being
decoded, ``idx`` naming the frame's row in the chunk's RecordIndex. Offsets point into
``buf.data``; ``end`` is where that row's captured bytes stop (never trust a field
that ends past it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

I64 = NDArray[np.int64]

FragmentKey = tuple[int, bytes, bytes, int, int, int, bool]
"""(IP version, src bytes, dst bytes, identification, protocol, GTP-U TEID, tunnelled)."""


@dataclass(frozen=True)
class Buffer:
    """Bytes that offsets point into.

    ``file_base`` is the absolute file position of ``data[0]``, or None when the bytes
    exist only in memory (reassembled fragments): payloads then get copied out.
    ``transient``: a window of a streamed (gzip) file, gone after decoding: only the
    payloads the capture's :data:`PayloadFilter` selects are copied out.
    """

    data: NDArray[np.uint8]
    file_base: int | None
    transient: bool = False


PayloadFilter = Callable[[NDArray[np.uint8], NDArray[np.int32]], NDArray[np.bool_]]
"""``(head, caplen) -> keep``: which UDP payloads of a streamed capture to keep, from
their first HEAD_BYTES bytes, shape (n, HEAD_BYTES), and captured lengths, shape (n,)."""


@dataclass
class NetRows:
    """Rows whose network-layer (IP) header starts at ``off``.

    ``version`` is 4 or 6 when the link layer said so, 0 when the version nibble
    decides (raw IP, GTP-U payloads). ``tunnelled``/``teid`` describe GTP-U.
    """

    buf: Buffer
    idx: I64
    off: I64
    end: I64
    version: NDArray[np.uint8]
    teid: NDArray[np.uint32]
    tunnelled: NDArray[np.bool_]

    def __len__(self) -> int:
        return int(self.idx.shape[0])

    def take(self, sel: NDArray[np.bool_] | I64) -> NetRows:
        """The rows selected by a mask or an index array."""
        return NetRows(
            self.buf,
            self.idx[sel],
            self.off[sel],
            self.end[sel],
            self.version[sel],
            self.teid[sel],
            self.tunnelled[sel],
        )


@dataclass
class L4Rows:
    """Rows of one IP version whose transport header starts at ``off``.

    ``src``/``dst``: uint32 shape (n,) for IPv4, uint8 shape (n, 16) for IPv6.
    ``wire_len``: transport bytes the IP header announced (header included);
    ``end``: where the captured transport bytes stop (≤ off + wire_len).
    """

    buf: Buffer
    version: int
    idx: I64
    proto: NDArray[np.uint8]
    src: NDArray[np.uint32] | NDArray[np.uint8]
    dst: NDArray[np.uint32] | NDArray[np.uint8]
    off: I64
    end: I64
    wire_len: I64
    teid: NDArray[np.uint32]
    tunnelled: NDArray[np.bool_]
    ahead: NDArray[np.uint8] | None = None
    """``buf.data[off : off + k]`` per row, shape (n, k), when the IP stage already
    gathered those bytes (same zero padding as ``gather.slab``); None otherwise."""

    def __len__(self) -> int:
        return int(self.idx.shape[0])

    def take(self, sel: NDArray[np.bool_] | I64) -> L4Rows:
        """The rows selected by a mask or an index array."""
        return L4Rows(
            self.buf,
            self.version,
            self.idx[sel],
            self.proto[sel],
            self.src[sel],
            self.dst[sel],
            self.off[sel],
            self.end[sel],
            self.wire_len[sel],
            self.teid[sel],
            self.tunnelled[sel],
            None if self.ahead is None else self.ahead[sel],
        )


@dataclass(frozen=True)
class Fragment:
    """One IP fragment waiting for reassembly (Python object: fragments are rare).

    ``key`` identifies the datagram: (version, src bytes, dst bytes, id, proto, teid,
    tunnelled). ``offset``/``payload`` are the fragment's place and bytes in the
    datagram; ``more`` is the More-Fragments flag; ``complete`` is False when the
    capture cut the fragment short.
    """

    key: FragmentKey
    idx: int
    offset: int
    more: bool
    payload: bytes
    complete: bool
