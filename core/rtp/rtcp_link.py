"""Attach RTCP reception reports to the streams they describe.

Only RTCP rows between address pairs that carry a stream are parsed. A report
block about SSRC x goes to a stream with SSRC x, preferring (in this order of
weight) the stream whose addresses are the reverse of the RTCP datagram's
(receivers report back to the sender), whose ports match (same port with
rtcp-mux, or the RTP port + 1), and whose GTP TEID is the RTCP row's. When
several streams tie without any address match the block is ambiguous and dropped.
Jitter is converted to ms with the stream's clock (RFC 3550 §6.4.1: timestamp units).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from callscope.core.capture.table import PacketTable
from callscope.core.model import RtcpReport, Stream
from callscope.core.rtp.rtcp import RR, SR, parse_compound


def _pair_codes(src: NDArray[np.int64], dst: NDArray[np.int64], n: int) -> NDArray[np.int64]:
    return np.minimum(src, dst) * n + np.maximum(src, dst)


def rtcp_rows(
    table: PacketTable,
    rows: NDArray[np.int64],
    stream_src: NDArray[np.int64],
    stream_dst: NDArray[np.int64],
) -> NDArray[np.int64]:
    """Those of the RTCP ``rows`` exchanged between two hosts (address indices) that also
    exchange a stream."""
    if len(stream_src) == 0 or len(rows) == 0:
        return np.zeros(0, np.int64)
    n = max(len(table.addresses), int(table.src.max()) + 1, int(table.dst.max()) + 1)
    wanted = np.unique(_pair_codes(stream_src, stream_dst, n))
    codes = _pair_codes(table.src[rows].astype(np.int64), table.dst[rows].astype(np.int64), n)
    return rows[np.isin(codes, wanted)]


def _score(stream: Stream, src: str, sport: int, dst: str, dport: int, teid: int) -> int:
    score = 0
    if stream.dst == src and stream.src == dst:
        score += 4
        if sport in (stream.dport, stream.dport + 1) and dport in (stream.sport, stream.sport + 1):
            score += 2
    elif {stream.src, stream.dst} == {src, dst}:
        score += 1
    if teid and stream.teid == teid:
        score += 1
    return score


def link_reports(
    table: PacketTable,
    rows: NDArray[np.int64],
    payload: Callable[[int], bytes],
    streams: list[Stream],
    capture_start_ns: int,
) -> set[int]:
    """Fill ``stream.rtcp`` from the RTCP ``rows``; return indices of streams seen with SRTCP.

    A stream is "seen with SRTCP" when an SRTCP datagram comes from its receiver
    or its sender (same address pair and a matching port).
    """
    by_ssrc: dict[int, list[int]] = defaultdict(list)
    for i, stream in enumerate(streams):
        by_ssrc[stream.ssrc].append(i)
    srtcp_seen: set[int] = set()
    for row in rows.tolist():
        compound = parse_compound(payload(row))
        if compound is None:
            continue
        src = table.addresses[int(table.src[row])]
        dst = table.addresses[int(table.dst[row])]
        sport, dport = int(table.sport[row]), int(table.dport[row])
        teid = int(table.teid[row])
        frame = int(table.frame[row])
        time_s = (int(table.time_ns[row]) - capture_start_ns) / 1e9
        if compound.srtcp:
            srtcp_seen.update(
                i for i, s in enumerate(streams)
                if {s.src, s.dst} == {src, dst}
                and ({sport, dport} & {s.sport, s.dport, s.sport + 1, s.dport + 1})
            )
        for packet in compound.packets:
            if packet.packet_type not in (SR, RR):
                continue
            for block in packet.reports:
                candidates = by_ssrc.get(block.source_ssrc, [])
                if not candidates:
                    continue
                scored = sorted(
                    ((_score(streams[i], src, sport, dst, dport, teid), i) for i in candidates),
                    key=lambda item: (-item[0], item[1]),
                )
                best_score, best = scored[0]
                if best_score == 0 and len(scored) > 1:
                    continue
                stream = streams[best]
                clock = stream.clock_rate
                streams[best].rtcp.append(
                    RtcpReport(
                        frame=frame,
                        time_s=time_s,
                        reporter_ssrc=packet.sender_ssrc,
                        fraction_lost=block.fraction_lost,
                        cumulative_lost=block.cumulative_lost,
                        highest_seq=block.highest_seq,
                        jitter_ms=block.jitter * 1000.0 / clock if clock else math.nan,
                        lsr=block.lsr,
                        dlsr=block.dlsr,
                    )
                )
    return srtcp_seen
