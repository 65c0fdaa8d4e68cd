"""UDP headers (RFC 768) → PacketTable rows; GTP-U on port 2152 is handed on.

``length`` is the payload length the UDP header announces (bounded by the IP
length); ``caplen`` how much of it the capture holds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from callscope.core.capture.gather import I64, be16, slab
from callscope.core.capture.gtpu import GTPU_PORT, decode_gtpu
from callscope.core.capture.interning import AddressInterner
from callscope.core.capture.layers import L4Rows, NetRows, PayloadFilter
from callscope.core.capture.table import HEAD_BYTES, PacketTable, Transport

UDP_HEADER = 8
UDP_SLAB = 48


@dataclass
class UdpResult:
    """Rows for the packet table, inner packets of GTP-U tunnels, malformed count."""

    table: PacketTable
    inner: NetRows | None
    malformed: int


def decode_udp(
    l4: L4Rows,
    frame_of: I64,
    time_of: I64,
    interner: AddressInterner,
    payload_filter: PayloadFilter | None = None,
) -> UdpResult:
    """UDP rows of ``l4`` (all rows must have proto 17) as a PacketTable batch.

    ``frame_of``/``time_of`` map chunk rows (``l4.idx``) to frame numbers and times.
    Payloads of in-memory buffers (reassembled datagrams) go to ``table.reassembled``;
    of a streamed window, those ``payload_filter`` selects (all without it).
    """
    data = l4.buf.data
    ahead = l4.ahead
    wanted = UDP_HEADER + HEAD_BYTES
    s = ahead if ahead is not None and ahead.shape[1] >= wanted else slab(data, l4.off, UDP_SLAB)
    sport, dport, ulen = be16(s, 0), be16(s, 2), be16(s, 4)
    ulen = np.where(ulen == 0, l4.wire_len, np.minimum(ulen, l4.wire_len))  # 0: jumbogram
    valid = (l4.off + UDP_HEADER <= l4.end) & (ulen >= UDP_HEADER)
    malformed = int(np.count_nonzero(~valid))
    pay_off = l4.off + UDP_HEADER
    length = ulen - UDP_HEADER
    caplen = np.clip(l4.end - pay_off, 0, length)

    inner: NetRows | None = None
    gtp = valid & ~l4.tunnelled & ((sport == GTPU_PORT) | (dport == GTPU_PORT))
    if bool(gtp.any()):
        g = np.flatnonzero(gtp)
        is_gtp, inner, bad = decode_gtpu(l4.buf, l4.idx[g], pay_off[g], pay_off[g] + caplen[g])
        malformed += bad
        valid[g[is_gtp]] = False
    if not bool(valid.all()):
        keep = np.flatnonzero(valid)
        l4 = l4.take(keep)
        s, sport, dport = s[keep], sport[keep], dport[keep]
        pay_off, length, caplen = pay_off[keep], length[keep], caplen[keep]
    head = s[:, UDP_HEADER : UDP_HEADER + HEAD_BYTES].copy()
    short = np.flatnonzero(caplen < HEAD_BYTES)
    if short.shape[0]:
        head[short] *= np.arange(HEAD_BYTES) < caplen[short, None]
    table = _table(l4, frame_of, time_of, interner, sport, dport, length, caplen, head, pay_off)
    _copy_payloads(table, l4, pay_off, payload_filter)
    return UdpResult(table, inner, malformed)


def _table(
    l4: L4Rows,
    frame_of: I64,
    time_of: I64,
    interner: AddressInterner,
    sport: I64,
    dport: I64,
    length: I64,
    caplen: I64,
    head: NDArray[np.uint8],
    pay_off: I64,
) -> PacketTable:
    n = len(l4)
    base = l4.buf.file_base
    table = PacketTable(
        frame=frame_of[l4.idx],
        time_ns=time_of[l4.idx],
        src=interner.intern(l4.version, l4.src),
        dst=interner.intern(l4.version, l4.dst),
        sport=sport.astype(np.uint16),
        dport=dport.astype(np.uint16),
        transport=np.where(l4.tunnelled, Transport.GTPU_UDP, Transport.UDP).astype(np.uint8),
        teid=l4.teid,
        length=length.astype(np.int32),
        caplen=caplen.astype(np.int32),
        ip_version=np.full(n, l4.version, np.uint8),
        head=head,
        payload_offset=(pay_off + base if base is not None and not l4.buf.transient
                        else np.full(n, -1, np.int64)),
    )
    return table


def _copy_payloads(table: PacketTable, l4: L4Rows, pay_off: I64,
                   payload_filter: PayloadFilter | None) -> None:
    """Copy into ``table.reassembled`` the payloads whose bytes will not outlive decoding."""
    buf = l4.buf
    if buf.file_base is not None and not buf.transient:
        return  # the capture file holds them
    rows: list[int] | range = range(len(table))
    if buf.file_base is not None and payload_filter is not None:  # a streamed window
        rows = np.flatnonzero(payload_filter(table.head, table.caplen)).tolist()
    data = buf.data
    for i in rows:
        a = int(pay_off[i])
        table.reassembled[i] = data[a : a + int(table.caplen[i])].tobytes()
