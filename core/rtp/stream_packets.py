"""One stream's packets with their payload bytes, for the content layer only.

Rows are selected by the stream's key (addresses, ports, TEID, SSRC) with numpy; the
RTP header of each selected packet is then walked to find where its payload starts
(CSRCs, header extension) and ends (padding) — a loop over this stream's packets,
which is content work behind a grant, not the analysis hot path.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from callscope.core.capture.capture import Capture
from callscope.core.errors import CallScopeError
from callscope.core.model import Codec, Stream
from callscope.core.rtp.payload_types import DEFAULT_CLOCK_BY_NAME, static_codec


@dataclass
class StreamPackets:
    """Arrays of shape (n,) in arrival order, plus the payloads after the RTP header."""

    arrival_s: NDArray[np.float64]
    seq: NDArray[np.int64]  # extended
    timestamp: NDArray[np.int64]  # extended
    payload_type: NDArray[np.uint8]
    payloads: list[bytes]
    codecs: dict[int, Codec] = field(default_factory=dict)


def _unwrap(values: NDArray[np.int64], modulus: int) -> NDArray[np.int64]:
    """Extended counter from a wrapping one (steps taken as the shortest way round)."""
    if values.size == 0:
        return values
    step = np.diff(values)
    step = (step + modulus // 2) % modulus - modulus // 2
    return np.concatenate([values[:1], values[0] + np.cumsum(step)])


def rtp_payload(packet: bytes) -> bytes | None:
    """The payload of one RTP packet (after CSRCs and extension, before padding)."""
    if len(packet) < 12 or packet[0] >> 6 != 2:
        return None
    start = 12 + 4 * (packet[0] & 0x0F)
    if packet[0] & 0x10:
        if len(packet) < start + 4:
            return None
        start += 4 + 4 * int.from_bytes(packet[start + 2 : start + 4], "big")
    end = len(packet)
    if packet[0] & 0x20 and end > start:
        end -= packet[-1]
    return packet[start:end] if start <= end else None


def _rows(capture: Capture, stream: Stream) -> NDArray[np.int64]:
    table = capture.packets
    if stream.transport.endswith("tcp"):
        raise CallScopeError("audio of RTP carried over TCP is not supported")
    try:
        src = table.addresses.index(stream.src)
        dst = table.addresses.index(stream.dst)
    except ValueError:
        return np.zeros(0, np.int64)
    head = table.head
    ssrc = (
        (head[:, 8].astype(np.uint32) << 24) | (head[:, 9].astype(np.uint32) << 16)
        | (head[:, 10].astype(np.uint32) << 8) | head[:, 11].astype(np.uint32)
    )
    mask = (
        (table.src == src) & (table.dst == dst) & (table.sport == stream.sport)
        & (table.dport == stream.dport) & (table.teid == stream.teid)
        & (ssrc == stream.ssrc) & ((head[:, 0] >> 6) == 2)
    )
    rows = np.flatnonzero(mask)
    return rows[np.isin(table.frame[rows], stream.series.frame)]


def stream_packets(capture: Capture, stream: Stream, codecs: dict[int, Codec] | None = None
                   ) -> StreamPackets:
    """The stream's packets and payloads from ``capture`` (same file the analysis read)."""
    rows = _rows(capture, stream)
    table = capture.packets
    head = table.head[rows]
    seq = (head[:, 2].astype(np.int64) << 8) | head[:, 3]
    ts = (
        (head[:, 4].astype(np.int64) << 24) | (head[:, 5].astype(np.int64) << 16)
        | (head[:, 6].astype(np.int64) << 8) | head[:, 7]
    )
    payloads = [rtp_payload(capture.payload(int(r))) or b"" for r in rows]
    arrival = (table.time_ns[rows] - capture.info.start_ns) / 1e9
    pts = (head[:, 1] & 0x7F).astype(np.uint8)
    known = dict(codecs or {})
    for pt in stream.payload_types:
        if pt not in known and (codec := static_codec(pt)) is not None:
            known[pt] = codec
    if pts.size and stream.codec:
        main = int(np.bincount(pts).argmax())
        if main not in known:
            clock = stream.clock_rate or DEFAULT_CLOCK_BY_NAME.get(stream.codec.lower(), 0)
            known[main] = Codec(stream.codec, clock)
    return StreamPackets(
        arrival_s=arrival, seq=_unwrap(seq, 1 << 16), timestamp=_unwrap(ts, 1 << 32),
        payload_type=pts, payloads=payloads, codecs=known,
    )
