"""Turn one group of rows into a fully described :class:`Stream` (one call per stream).

Codec and clock come from the announcing SDP (``rtpmap``, then the RFC 3551
table, then DEFAULT_CLOCK_BY_NAME); heuristic streams only know static types.
The metrics get the clocks as Wireshark resolves them (see wireshark_clock_rates).
SRTP is decided from signalling or evidence, never from payload bytes alone:

- SDP profile ``*SAVP*`` or ``a=crypto``;
- DTLS on the same address:port pair (DTLS-SRTP keying, RFC 5764, as in WebRTC;
  STUN alone proves nothing: plain RTP uses ICE/keep-alives too);
- SRTCP (an authentication trailer) in the RTCP reporting on the stream
  (set later by ``rtcp_link``);
- for constant-bitrate static types (G.711, G.722: one byte per clock tick;
  G.729: one byte per 8 ticks), payloads consistently 4 or 10 bytes longer than
  the timestamp step implies: the HMAC-SHA1-32/80 tag of RFC 3711 §5.2.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from callscope.core.capture.table import PacketTable, Transport
from callscope.core.model import Codec, Stream
from callscope.core.rtp.header import RtpHeader
from callscope.core.rtp.metrics import analyse_stream
from callscope.core.rtp.payload_types import is_comfort_noise, is_telephone_event, static_codec
from callscope.core.rtp.sdp_match import Endpoint, codec_for

SRTP_TAG_BYTES = (4, 10)
BYTES_PER_TICK = {0: 1.0, 8: 1.0, 9: 1.0, 18: 1 / 8}  # PCMU, PCMA, G722, G729


@dataclass(frozen=True)
class StreamColumns:
    """Per-packet columns of one or more streams, stream after stream, shape (n,) each.

    Gathered once for all streams (one fancy index per column instead of one per
    column and stream); a stream's columns are then contiguous slices (views).
    """

    frame: NDArray[np.int64]
    time_ns: NDArray[np.int64]
    seq: NDArray[np.uint16]
    timestamp: NDArray[np.uint32]
    payload_type: NDArray[np.uint8]
    marker: NDArray[np.bool_]
    padding: NDArray[np.bool_]
    length: NDArray[np.int32]  # bytes of the UDP payload
    body: NDArray[np.int32]  # bytes after the RTP header (length - header length)

    @classmethod
    def gather(
        cls, table: PacketTable, header: RtpHeader, header_len: NDArray[np.int64],
        rows: NDArray[np.int64],
    ) -> StreamColumns:
        """The columns of table ``rows`` (``header_len`` per table row)."""
        length = table.length[rows]
        return cls(
            frame=table.frame[rows], time_ns=table.time_ns[rows], seq=header.seq[rows],
            timestamp=header.timestamp[rows], payload_type=header.payload_type[rows],
            marker=header.marker[rows], padding=header.padding[rows], length=length,
            body=length - header_len[rows].astype(np.int32),
        )

    def part(self, start: int, stop: int) -> StreamColumns:
        """Rows ``start:stop`` of every column, as views."""
        return StreamColumns(
            frame=self.frame[start:stop], time_ns=self.time_ns[start:stop],
            seq=self.seq[start:stop], timestamp=self.timestamp[start:stop],
            payload_type=self.payload_type[start:stop], marker=self.marker[start:stop],
            padding=self.padding[start:stop], length=self.length[start:stop],
            body=self.body[start:stop],
        )

    def take(self, keep: NDArray[np.bool_]) -> StreamColumns:
        """The rows where ``keep`` is set (the same object when all are)."""
        if bool(keep.all()):
            return self
        return StreamColumns(
            frame=self.frame[keep], time_ns=self.time_ns[keep], seq=self.seq[keep],
            timestamp=self.timestamp[keep], payload_type=self.payload_type[keep],
            marker=self.marker[keep], padding=self.padding[keep], length=self.length[keep],
            body=self.body[keep],
        )


@dataclass(frozen=True)
class StreamRows:
    """What the builder needs about one stream besides the table."""

    rows: NDArray[np.int64]  # table rows in arrival order
    endpoint: Endpoint | None  # the SDP announcement, None for heuristic streams
    columns: StreamColumns  # the columns of ``rows``
    dtls: bool  # DTLS seen on the same address:port pair (DTLS-SRTP keying)


def _codecs_seen(
    payload_types: list[int], endpoint: Endpoint | None
) -> dict[int, Codec | None]:
    sdp = endpoint.codecs if endpoint is not None else {}
    return {pt: codec_for(pt, sdp) for pt in payload_types}


def wireshark_clock_rates(payload_types: list[int], endpoint: Endpoint | None) -> dict[int, int]:
    """Clock per payload type as Wireshark resolves it, for Wireshark-exact metrics.

    Below 96 only the static table counts (``packet-rtp.c`` consults the SDP map
    for 96..127 only), so e.g. SILK announced on PT 92 has no clock there although
    the stream's ``clock_rate`` (from the ``rtpmap``) is 16000.
    """
    rates: dict[int, int] = {}
    sdp = endpoint.codecs if endpoint is not None else {}
    for pt in payload_types:
        codec = static_codec(pt) if pt < 96 else codec_for(pt, sdp)
        if codec is not None and codec.clock_rate:
            rates[pt] = codec.clock_rate
    return rates


def _main_payload_type(ranked: list[int], codecs: dict[int, Codec | None]) -> int:
    """Most frequent type that is neither telephone-event nor comfort noise.

    ``ranked`` lists the types seen, most frequent first (ties: first seen first).
    """
    media = [
        pt for pt in ranked
        if not is_telephone_event(codecs[pt]) and not is_comfort_noise(pt, codecs[pt])
    ]
    return media[0] if media else ranked[0]


def _srtp_by_size(
    pts: NDArray[np.uint8], padding: NDArray[np.bool_], seq: NDArray[np.uint16],
    stamp: NDArray[np.uint32], body: NDArray[np.int32], payload_type: int,
) -> bool:
    """Constant-bitrate payloads carrying a 4- or 10-byte SRTP tag (see module doc).

    Inputs are the stream's columns in arrival order, shape (n,); ``body`` is the
    payload length after the RTP header (bytes).
    """
    per_tick = BYTES_PER_TICK.get(payload_type)
    if per_tick is None or len(pts) < 3:
        return False
    same = (pts == payload_type) & ~padding
    step = ((seq[1:] - seq[:-1]) == 1) & same[1:] & same[:-1]  # uint16: wraps mod 65536
    if not step.any():
        return False
    ticks = (stamp[1:] - stamp[:-1])[step]  # uint32 difference wraps modulo 2**32
    tick = float(ticks[0]) if bool((ticks == ticks[0]).all()) else float(np.median(ticks))
    extra = np.rint(body[1:][step] - tick * per_tick)
    return any(np.count_nonzero(extra == tag) >= 0.9 * extra.size for tag in SRTP_TAG_BYTES)


def _ranked(pts: NDArray[np.uint8], counts: NDArray[np.intp], seen: list[int]) -> list[int]:
    """Payload types seen, most frequent first; ties in order of first appearance."""
    if len(seen) == 1:
        return seen
    first = {pt: int(np.argmax(pts == pt)) for pt in seen}
    return sorted(seen, key=lambda pt: (-int(counts[pt]), first[pt]))


def build_stream(
    table: PacketTable,
    ssrc: NDArray[np.uint32],
    info: StreamRows,
    capture_start_ns: int,
    *,
    keep_series: bool = True,
) -> Stream:
    """The Stream of ``info.rows`` (id 0: the caller numbers streams afterwards).

    ``ssrc`` is the SSRC column of every table row (``RtpHeader.ssrc``).

    Without ``keep_series`` its per-packet series are empty (statistics only: about 80
    bytes per packet less to hold, for reports that show no plot).
    """
    rows = info.rows
    col = info.columns
    pts = col.payload_type
    counts = np.bincount(pts, minlength=256)
    seen: list[int] = np.flatnonzero(counts).tolist()
    codecs = _codecs_seen(seen, info.endpoint)
    main = _main_payload_type(_ranked(pts, counts, seen), codecs)
    main_codec = codecs[main]
    clock_rates = wireshark_clock_rates(seen, info.endpoint)
    events = frozenset(pt for pt, c in codecs.items() if is_telephone_event(c))
    noise = [pt for pt, c in codecs.items() if is_comfort_noise(pt, c)]
    stats, series = analyse_stream(
        frame=col.frame,
        time_ns=col.time_ns,
        seq=col.seq,
        timestamp=col.timestamp,
        payload_type=pts,
        marker=col.marker,
        length=col.length,
        clock_rates=clock_rates,
        event_pts=events,
        capture_start_ns=capture_start_ns,
        series=keep_series,
    )
    first = int(rows[0])
    endpoint = info.endpoint
    srtp = (
        (endpoint is not None and endpoint.media.srtp)
        or info.dtls
        or _srtp_by_size(pts, col.padding, col.seq, col.timestamp, col.body, main)
    )
    return Stream(
        id=0,
        src=table.addresses[int(table.src[first])],
        sport=int(table.sport[first]),
        dst=table.addresses[int(table.dst[first])],
        dport=int(table.dport[first]),
        transport=Transport(int(table.transport[first])).label,
        teid=int(table.teid[first]),
        ssrc=int(ssrc[first]),
        payload_types=seen,
        codec=main_codec.name if main_codec is not None else "unknown",
        clock_rate=main_codec.clock_rate if main_codec is not None else 0,
        call_id=endpoint.call_id if endpoint is not None else None,
        srtp=bool(srtp),
        found_by="sdp" if endpoint is not None else "heuristic",
        start_ns=int(table.time_ns[first]),
        end_ns=int(col.time_ns[-1]),
        stats=stats,
        series=series,
        telephone_events=sum(int(counts[pt]) for pt in events),
        comfort_noise=sum(int(counts[pt]) for pt in noise),
    )

