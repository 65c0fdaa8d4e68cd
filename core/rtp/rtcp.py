"""RTCP compound packets (RFC 3550 §6, RFC 3611 XR, RFC 4585 feedback) and SRTCP detection.

RTCP is sparse (a few packets per stream and 5 s), so a Python loop per packet is
fine. A compound datagram is walked header by header; if the walk does not end
at the datagram's end and at least 8 bytes remain, the tail is SRTCP's
E-flag/index and authentication tag (RFC 3711 §3.4): then everything after the
first 8 bytes is encrypted (unless the E flag is clear) and no report block is
trusted.
SDES item values are not kept (they may hold names, e-mails or phone numbers).
"""

from __future__ import annotations

from dataclasses import dataclass, field

SR, RR, SDES, BYE, APP, RTPFB, PSFB, XR = 200, 201, 202, 203, 204, 205, 206, 207
RTCP_TYPES = range(192, 224)
SRTCP_TAG_LENGTHS = (4, 10)  # HMAC-SHA1-32 and -80 (RFC 3711 §5.2), MKI not supported
SRTCP_MIN_TRAILER = 4 + min(SRTCP_TAG_LENGTHS)  # E flag + index, then the shortest tag
VOIP_METRICS_BLOCK = 7  # RFC 3611 §4.7


@dataclass(frozen=True)
class ReportBlock:
    """One reception report (RFC 3550 §6.4.1); ``jitter`` in timestamp units."""

    source_ssrc: int
    fraction_lost: float  # 0..1
    cumulative_lost: int  # signed 24-bit
    highest_seq: int  # extended highest sequence number received
    jitter: int
    lsr: int
    dlsr: int


@dataclass(frozen=True)
class SenderInfo:
    """The sender information of an SR (RFC 3550 §6.4.1)."""

    ntp_timestamp: int  # 64-bit NTP format
    rtp_timestamp: int
    packet_count: int
    octet_count: int


@dataclass(frozen=True)
class XrBlock:
    """An RFC 3611 report block; ``metrics`` holds the VoIP Metrics fields (BT 7) by name."""

    block_type: int
    source_ssrc: int | None
    metrics: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class RtcpPacket:
    """One packet of a compound datagram."""

    packet_type: int
    sender_ssrc: int
    sender_info: SenderInfo | None = None
    reports: tuple[ReportBlock, ...] = ()
    sdes_ssrcs: tuple[int, ...] = ()  # the chunks' SSRC/CSRCs
    bye_ssrcs: tuple[int, ...] = ()
    xr_blocks: tuple[XrBlock, ...] = ()
    app_name: str = ""


@dataclass(frozen=True)
class RtcpCompound:
    """A parsed datagram; ``srtcp`` when it carries SRTCP's trailer."""

    packets: tuple[RtcpPacket, ...]
    srtcp: bool


def _u32(data: bytes, at: int) -> int:
    return int.from_bytes(data[at : at + 4], "big")


def _report_blocks(data: bytes, at: int, count: int, end: int) -> tuple[ReportBlock, ...]:
    blocks = []
    for i in range(count):
        start = at + 24 * i
        if start + 24 > end:
            break
        lost = int.from_bytes(data[start + 5 : start + 8], "big", signed=True)
        blocks.append(
            ReportBlock(
                source_ssrc=_u32(data, start),
                fraction_lost=data[start + 4] / 256.0,
                cumulative_lost=lost,
                highest_seq=_u32(data, start + 8),
                jitter=_u32(data, start + 12),
                lsr=_u32(data, start + 16),
                dlsr=_u32(data, start + 20),
            )
        )
    return tuple(blocks)


_VOIP_FIELDS = (
    ("loss_rate", 1), ("discard_rate", 1), ("burst_density", 1), ("gap_density", 1),
    ("burst_duration_ms", 2), ("gap_duration_ms", 2), ("round_trip_delay_ms", 2),
    ("end_system_delay_ms", 2), ("signal_level", 1), ("noise_level", 1), ("rerl", 1),
    ("gmin", 1), ("r_factor", 1), ("ext_r_factor", 1), ("mos_lq", 1), ("mos_cq", 1),
    ("rx_config", 1), ("reserved", 1), ("jb_nominal_ms", 2), ("jb_maximum_ms", 2),
    ("jb_abs_max_ms", 2),
)


def _xr_blocks(data: bytes, at: int, end: int) -> tuple[XrBlock, ...]:
    blocks = []
    while at + 4 <= end:
        block_type = data[at]
        length = 4 + 4 * int.from_bytes(data[at + 2 : at + 4], "big")
        if at + length > end:
            break
        body = data[at + 4 : at + length]
        ssrc = _u32(body, 0) if len(body) >= 4 and block_type != 4 else None
        metrics: dict[str, int] = {}
        if block_type == VOIP_METRICS_BLOCK and len(body) >= 32:
            pos = 4
            for name, size in _VOIP_FIELDS:
                metrics[name] = int.from_bytes(body[pos : pos + size], "big")
                pos += size
            metrics.pop("reserved")
        blocks.append(XrBlock(block_type, ssrc, metrics))
        at += length
    return tuple(blocks)


def _sdes_ssrcs(data: bytes, at: int, count: int, end: int) -> tuple[int, ...]:
    ssrcs = []
    for _ in range(count):
        if at + 4 > end:
            break
        ssrcs.append(_u32(data, at))
        at += 4
        while at < end and data[at] != 0:  # items: type, length, value
            at += 2 + (data[at + 1] if at + 1 < end else 0)
        at = (at + 4) & ~3  # the null item, then pad to a 32-bit boundary
    return tuple(ssrcs)


def _packet(data: bytes, at: int, end: int) -> RtcpPacket:
    """Decode the packet occupying data[at:end] (header already validated)."""
    count = data[at] & 0x1F
    packet_type = data[at + 1]
    ssrc = _u32(data, at + 4) if end - at >= 8 else 0
    if packet_type == SR and end - at >= 28:
        info = SenderInfo(
            (_u32(data, at + 8) << 32) | _u32(data, at + 12),
            _u32(data, at + 16), _u32(data, at + 20), _u32(data, at + 24),
        )
        return RtcpPacket(SR, ssrc, info, _report_blocks(data, at + 28, count, end))
    if packet_type == RR:
        return RtcpPacket(RR, ssrc, reports=_report_blocks(data, at + 8, count, end))
    if packet_type == SDES:
        chunks = _sdes_ssrcs(data, at + 4, count, end)
        return RtcpPacket(SDES, chunks[0] if chunks else 0, sdes_ssrcs=chunks)
    if packet_type == BYE:
        byes = tuple(_u32(data, at + 4 + 4 * i) for i in range(count) if at + 8 + 4 * i <= end)
        return RtcpPacket(BYE, byes[0] if byes else 0, bye_ssrcs=byes)
    if packet_type == XR:
        return RtcpPacket(XR, ssrc, xr_blocks=_xr_blocks(data, at + 8, end))
    if packet_type == APP and end - at >= 12:
        name = data[at + 8 : at + 12].decode("ascii", "replace")
        return RtcpPacket(APP, ssrc, app_name=name)
    return RtcpPacket(packet_type, ssrc)


def walk_compound(data: bytes) -> tuple[list[tuple[int, int]], int]:
    """(start, end) of each well-formed packet from the start, and where the walk stopped.

    Public so that the scrubbed export reads exactly the header words the analysis reads.
    """
    spans: list[tuple[int, int]] = []
    at = 0
    while at + 4 <= len(data):
        if data[at] >> 6 != 2 or data[at + 1] not in RTCP_TYPES:
            break
        end = at + 4 * (int.from_bytes(data[at + 2 : at + 4], "big") + 1)
        if end > len(data):
            break
        spans.append((at, end))
        at = end
    return spans, at


def parse_compound(data: bytes) -> RtcpCompound | None:
    """Parse one RTCP (or SRTCP) datagram; None if its first packet is not RTCP.

    Fewer than ``SRTCP_MIN_TRAILER`` bytes after the last packet are ignored (some
    stacks pad datagrams; Wireshark accepts them too).
    """
    spans, stop = walk_compound(data)
    if not spans:
        return None
    trailer = len(data) - stop
    if trailer < SRTCP_MIN_TRAILER:
        return RtcpCompound(tuple(_packet(data, s, e) for s, e in spans), srtcp=False)
    encrypted = True
    if trailer - 4 in SRTCP_TAG_LENGTHS:
        encrypted = bool(data[stop] & 0x80)  # E flag of the SRTCP index word
    if not encrypted:
        return RtcpCompound(tuple(_packet(data, s, e) for s, e in spans), srtcp=True)
    return RtcpCompound((RtcpPacket(data[1], _u32(data, 4)),), srtcp=True)
