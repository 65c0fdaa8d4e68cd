"""TCP (RFC 9293): collect data segments per direction, reassemble them into byte streams.

Headers are decoded vectorized; segments carrying data (or SYN, for the initial
sequence number) are kept per direction as Python objects: a loop per TCP segment
is acceptable, RTP rarely travels over TCP. Reassembly orders segments by sequence
number (modulo 2³² relative to the first one), drops retransmitted bytes (the first
copy wins), and records holes in ``TcpStream.gap_offsets``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from callscope.core.capture.capture import TcpStream
from callscope.core.capture.gather import I64, be16, be32, slab
from callscope.core.capture.interning import AddressInterner
from callscope.core.capture.layers import L4Rows

TCP_SLAB = 48
SYN = 0x02
MAX_STREAM_BYTES = 64 << 20
MAX_TOTAL_BYTES = 1 << 30

StreamKey = tuple[int, int, int, int, int, bool]  # src id, sport, dst id, dport, teid, tunnel


@dataclass
class _Direction:
    """Segments of one direction as they arrived."""

    seq: list[int] = field(default_factory=list)
    frame: list[int] = field(default_factory=list)
    time_ns: list[int] = field(default_factory=list)
    payload: list[bytes] = field(default_factory=list)
    syn_seq: int | None = None
    held: int = 0
    capped: bool = False


class TcpCollector:
    """Accumulates TCP segments over all chunks; :meth:`streams` reassembles them."""

    def __init__(
        self, max_stream_bytes: int = MAX_STREAM_BYTES, max_total_bytes: int = MAX_TOTAL_BYTES
    ) -> None:
        self._dirs: dict[StreamKey, _Direction] = {}
        self._max_stream = max_stream_bytes
        self._max_total = max_total_bytes
        self._held = 0
        self.warnings: list[str] = []

    def add(self, l4: L4Rows, frame_of: I64, time_of: I64, interner: AddressInterner) -> int:
        """Take the TCP rows of ``l4`` (proto 6); returns how many were malformed."""
        data = l4.buf.data
        s = slab(data, l4.off, TCP_SLAB)
        hlen = (s[:, 12] >> 4).astype(np.int64) * 4
        valid = (hlen >= 20) & (l4.off + hlen <= l4.end)
        pay_off = l4.off + hlen
        captured = np.clip(np.minimum(l4.end, l4.off + l4.wire_len) - pay_off, 0, None)
        syn = (s[:, 13] & SYN) != 0
        keep = np.flatnonzero(valid & ((captured > 0) | syn))
        malformed = int(np.count_nonzero(~valid))
        if keep.shape[0] == 0:
            return malformed
        l4 = l4.take(keep)
        s = s[keep]
        src = interner.intern(l4.version, l4.src).tolist()
        dst = interner.intern(l4.version, l4.dst).tolist()
        columns = zip(
            src,
            be16(s, 0).tolist(),
            dst,
            be16(s, 2).tolist(),
            l4.teid.tolist(),
            l4.tunnelled.tolist(),
            be32(s, 4).tolist(),
            syn[keep].tolist(),
            pay_off[keep].tolist(),
            captured[keep].tolist(),
            frame_of[l4.idx].tolist(),
            time_of[l4.idx].tolist(),
            strict=True,
        )
        for a, sp, b, dp, teid, tun, seq, is_syn, off, size, frame, t in columns:
            key = (a, sp, b, dp, teid, tun)
            d = self._dirs.get(key)
            if d is None:
                d = self._dirs[key] = _Direction()
            if is_syn:
                d.syn_seq = seq
                seq = (seq + 1) & 0xFFFFFFFF  # SYN takes one sequence number
            if size == 0 or d.capped:
                continue
            if d.held + size > self._max_stream or self._held + size > self._max_total:
                d.capped = True
                self.warnings.append(
                    f"TCP stream {key[1]}→{key[3]} (frame {frame}): more than "
                    f"{self._max_stream >> 20} MiB collected; the rest is ignored"
                )
                continue
            d.seq.append(seq)
            d.frame.append(frame)
            d.time_ns.append(t)
            d.payload.append(data[off : off + size].tobytes())
            d.held += size
            self._held += size
        return malformed

    def streams(self, addresses: list[str]) -> list[TcpStream]:
        """Every direction that carried data, reassembled, ordered by first segment."""
        out = [
            _reassemble(key, d, addresses) for key, d in self._dirs.items() if d.payload
        ]
        out.sort(key=lambda st: int(st.seg_frame[0]) if len(st.seg_frame) else 0)
        return out


def _reassemble(key: StreamKey, d: _Direction, addresses: list[str]) -> TcpStream:
    """Order one direction's segments by sequence number and join their new bytes."""
    ref = (d.syn_seq + 1) & 0xFFFFFFFF if d.syn_seq is not None else d.seq[0]
    rel = [((q - ref + (1 << 31)) & 0xFFFFFFFF) - (1 << 31) for q in d.seq]
    if d.syn_seq is None:
        low = min(rel)
        rel = [r - low for r in rel]
    frame = d.frame
    order = sorted(range(len(rel)), key=lambda i: (rel[i], frame[i], i))  # first copy wins
    pieces: list[bytes] = []
    seg_end: list[int] = []
    arrival: list[int] = []  # segment that arrived last among the bytes since the last hole
    gaps: list[int] = []
    cur = total = 0
    latest = -1
    for i in order:
        start, payload = rel[i], d.payload[i]
        stop = start + len(payload)
        if stop <= cur:
            continue  # retransmission of bytes already in
        if start > cur:
            gaps.append(total)
            cur, latest = start, -1
        piece = payload[cur - start :]
        pieces.append(piece)
        total += len(piece)
        cur = stop
        if latest < 0 or (frame[i], i) > (frame[latest], latest):
            latest = i
        seg_end.append(total)
        arrival.append(latest)
    frames = np.array(d.frame, np.int64)[arrival]
    times = np.array(d.time_ns, np.int64)[arrival]
    src, sport, dst, dport, teid, tunnelled = key
    return TcpStream(
        src=addresses[src],
        sport=sport,
        dst=addresses[dst],
        dport=dport,
        teid=teid,
        tunnelled=tunnelled,
        data=b"".join(pieces),
        seg_end=np.array(seg_end, np.int64),
        seg_frame=frames,
        seg_time_ns=times,
        gap_offsets=gaps,
    )
