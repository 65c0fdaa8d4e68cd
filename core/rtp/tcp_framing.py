"""RTP and RTCP over TCP (RFC 4571): 2-byte length-prefixed units become table rows.

A TCP byte stream is framed when SDP announced one of its endpoints with a TCP
RTP profile (``TCP/RTP/AVP``...), or when its first ``MIN_UNITS`` units look like
RTP: lengths that chain exactly, version 2 headers, one SSRC, sequence numbers
moving forward by small steps. After a hole in the stream (``gap_offsets``) the
framing is searched again: a length prefix followed by an RTP header with an
SSRC already seen and a second consistent unit. A loop per unit is acceptable:
RTP over TCP is rare and each unit is cheap.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from callscope.core.capture.capture import Capture, TcpStream
from callscope.core.capture.table import HEAD_BYTES, PacketTable, Transport
from callscope.core.model import endpoint_label
from callscope.core.rtp.sdp_match import Endpoint, canonical_address

MIN_UNITS = 4
MAX_SEQ_STEP = 100
RESYNC_WINDOW = 1 << 16  # bytes searched after a hole


@dataclass
class _Units:
    """Collected units of one stream: (start offset of the unit body, length)."""

    starts: list[int] = field(default_factory=list)
    lengths: list[int] = field(default_factory=list)
    lost_at: int | None = None  # where framing was lost for good (None: walked to the end)


def _rtp_ssrc(data: bytes, at: int, length: int) -> int | None:
    """SSRC of an RTP unit body at ``at``, None if it is not RTP (RTCP types excluded)."""
    if length < 12 or at + 12 > len(data) or data[at] >> 6 != 2:
        return None
    if 192 <= data[at + 1] <= 223:
        return None
    return int.from_bytes(data[at + 8 : at + 12], "big")


def _is_rtcp(data: bytes, at: int, length: int) -> bool:
    return length >= 8 and data[at] >> 6 == 2 and 192 <= data[at + 1] <= 223


def looks_framed(data: bytes, start: int = 0) -> bool:
    """True if ``MIN_UNITS`` RFC 4571 units from ``start`` carry consistent RTP."""
    at = start
    ssrc: int | None = None
    last_seq: int | None = None
    rtp_units = 0
    for _ in range(MIN_UNITS * 2):
        if at + 2 > len(data):
            break
        length = int.from_bytes(data[at : at + 2], "big")
        body = at + 2
        if length == 0 or body + length > len(data):
            break
        unit_ssrc = _rtp_ssrc(data, body, length)
        if unit_ssrc is None:
            if not _is_rtcp(data, body, length):
                return False
        else:
            seq = int.from_bytes(data[body + 2 : body + 4], "big")
            if ssrc is not None and unit_ssrc != ssrc:
                return False
            if last_seq is not None and not 0 < (seq - last_seq) % 65536 <= MAX_SEQ_STEP:
                return False
            ssrc, last_seq = unit_ssrc, seq
            rtp_units += 1
            if rtp_units >= MIN_UNITS:
                return True
        at = body + length
    return False


def _resync(data: bytes, start: int, ssrcs: set[int]) -> int | None:
    """First offset at or after ``start`` where framing resumes with a known SSRC."""
    end = min(len(data) - 14, start + RESYNC_WINDOW)
    for at in range(start, max(end, start)):
        length = int.from_bytes(data[at : at + 2], "big")
        if _rtp_ssrc(data, at + 2, length) in ssrcs and at + 2 + length <= len(data):
            follow = at + 2 + length
            if follow + 2 <= len(data):
                nxt = int.from_bytes(data[follow : follow + 2], "big")
                if _rtp_ssrc(data, follow + 2, nxt) in ssrcs or _is_rtcp(data, follow + 2, nxt):
                    return at
            else:
                return at
    return None


def split_units(stream: TcpStream) -> _Units:
    """Walk the stream's length prefixes, resynchronising after each hole."""
    data = stream.data
    gaps = sorted(g for g in stream.gap_offsets if 0 < g < len(data))
    units = _Units()
    ssrcs: set[int] = set()
    at = 0
    while at + 2 <= len(data):
        length = int.from_bytes(data[at : at + 2], "big")
        body = at + 2
        following = bisect.bisect_right(gaps, at)
        next_gap = gaps[following] if following < len(gaps) else None
        crosses_gap = next_gap is not None and body + length > next_gap
        if length == 0 or body + length > len(data) or crosses_gap:
            found = _resync(data, next_gap, ssrcs) if next_gap is not None and ssrcs else None
            if found is None:
                if length == 0 or next_gap is not None:  # not just a unit cut by the end
                    units.lost_at = at
                break
            at = found
            continue
        ssrc = _rtp_ssrc(data, body, length)
        if ssrc is not None:
            ssrcs.add(ssrc)
        units.starts.append(body)
        units.lengths.append(length)
        at = body + length
    return units


def _tcp_endpoints(endpoints: Iterable[Endpoint]) -> set[tuple[str | None, int]]:
    """(canonical address, port) of every endpoint announced with a TCP RTP profile."""
    return {(canonical_address(e.address), e.port) for e in endpoints if e.over_tcp}


def _announced(stream: TcpStream, announced: set[tuple[str | None, int]]) -> bool:
    return (canonical_address(stream.src), stream.sport) in announced or (
        canonical_address(stream.dst), stream.dport) in announced


def tcp_rows(capture: Capture, endpoints: list[Endpoint]) -> tuple[PacketTable, list[str]]:
    """Rows for the RTP/RTCP units of every framed TCP stream (may be empty), and warnings.

    Addresses are indices into ``capture.packets.addresses`` extended with any
    new ones (the returned table's ``addresses`` is that extended list); unit
    bytes are kept in ``reassembled`` keyed by the row index in the returned table.
    A warning names each stream whose framing was lost and could not be found again.
    """
    warnings: list[str] = []
    addresses = list(capture.packets.addresses)
    index = {a: i for i, a in enumerate(addresses)}
    parts: list[dict[str, np.ndarray]] = []
    reassembled: dict[int, bytes] = {}
    total = 0
    announced = _tcp_endpoints(endpoints)
    for stream in capture.tcp_streams:
        if not stream.data or len(stream.seg_end) == 0:
            continue
        if not ((announced and _announced(stream, announced)) or looks_framed(stream.data)):
            continue
        units = split_units(stream)
        if units.lost_at is not None:
            warnings.append(
                f"RTP over TCP {endpoint_label(stream.src, stream.sport)} -> "
                f"{endpoint_label(stream.dst, stream.dport)}: framing lost at byte "
                f"{units.lost_at} of {len(stream.data)}; the rest was not analysed"
            )
        if not units.starts:
            continue
        starts = np.array(units.starts, np.int64)
        lengths = np.array(units.lengths, np.int64)
        seg = np.searchsorted(stream.seg_end, starts + lengths, side="left")
        seg = np.minimum(seg, len(stream.seg_end) - 1)
        n = len(starts)
        head = np.zeros((n, HEAD_BYTES), np.uint8)
        for i, (s, length) in enumerate(zip(units.starts, units.lengths, strict=True)):
            unit = stream.data[s : s + length]
            head[i, : min(HEAD_BYTES, length)] = np.frombuffer(unit[:HEAD_BYTES], np.uint8)
            reassembled[total + i] = unit
        src = index.setdefault(stream.src, len(index))
        dst = index.setdefault(stream.dst, len(index))
        transport = Transport.GTPU_TCP if stream.tunnelled else Transport.TCP
        parts.append({
            "frame": stream.seg_frame[seg], "time_ns": stream.seg_time_ns[seg],
            "src": np.full(n, src, np.int32), "dst": np.full(n, dst, np.int32),
            "sport": np.full(n, stream.sport, np.uint16),
            "dport": np.full(n, stream.dport, np.uint16),
            "transport": np.full(n, transport, np.uint8),
            "teid": np.full(n, stream.teid, np.uint32),
            "length": lengths.astype(np.int32), "caplen": lengths.astype(np.int32),
            "ip_version": np.full(n, 6 if ":" in stream.src else 4, np.uint8),
            "head": head, "payload_offset": np.full(n, -1, np.int64),
        })
        total += n
    addresses = [a for a, _ in sorted(index.items(), key=lambda item: item[1])]
    if not parts:
        table = PacketTable.empty()
        table.addresses = addresses
        return table, warnings
    columns = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    return PacketTable(**columns, addresses=addresses, reassembled=reassembled), warnings
