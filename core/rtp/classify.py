"""What each UDP payload is, decided per row from its first bytes and ports, vectorized.

The first-byte ranges follow RFC 7983 (demultiplexing STUN, ZRTP, DTLS, TURN
ChannelData and RTP/RTCP on one port); each class is then confirmed by a field
that random RTP-looking data rarely has (STUN magic cookie, DTLS version, RTCP
length...). ``Kind.RTP`` means "may be RTP" (the per-packet tests of Wireshark's RTP
heuristic, plus: not on a DNS port): only grouping and validation
(``heuristic.py``) turn candidates into streams.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np
from numpy.typing import NDArray

from callscope.core.capture.table import PacketTable
from callscope.core.rtp.header import RTP_FIXED_HEADER, RtpHeader

DNS_PORTS = (53, 5353, 5355)  # DNS, mDNS, LLMNR
QUIC_PORTS = (443,)
STUN_MAGIC_COOKIE = 0x2112A442  # RFC 5389 §6
ZRTP_MAGIC = 0x5A525450  # "ZRTP", RFC 6189 §5
CLASSIC_STUN_TYPES = (0x0001, 0x0101, 0x0111, 0x0002, 0x0102, 0x0112)  # RFC 3489 §11.1
DTLS_VERSIONS = (0xFEFF, 0xFEFD, 0xFEFC)  # DTLS 1.0, 1.2, 1.3 record versions
QUIC_VERSIONS = (0x00000000, 0x00000001, 0x6B3343CF)  # negotiation, v1 (RFC 9000), v2


class Kind(IntEnum):
    """Row classes stored as uint8 by :func:`classify`."""

    OTHER = 0
    RTP = 1  # a candidate: version 2, header fits, not RTCP, not on a DNS port
    RTCP = 2
    STUN = 3
    DTLS = 4
    DNS = 5
    QUIC = 6
    TURN_CHANNEL = 7
    ZRTP = 8


def _on_ports(table: PacketTable, ports: tuple[int, ...]) -> NDArray[np.bool_]:
    """True where the source or the destination port is one of ``ports``."""
    found: NDArray[np.bool_] = np.isin(table.sport, ports) | np.isin(table.dport, ports)
    return found


def rtcp_packet_type(header: RtpHeader) -> NDArray[np.bool_]:
    """Second byte 192..223: an RTCP packet type (RFC 5761 §4), version 2."""
    found: NDArray[np.bool_] = (header.version == 2) & (header.byte1 >= 192) & (header.byte1 <= 223)
    return found


def rtp_dissectable(
    table: PacketTable, header: RtpHeader, header_len: NDArray[np.int64]
) -> NDArray[np.bool_]:
    """Rows Wireshark's RTP dissector would count when handed them (``dissect_rtp``).

    Version 2; not an RTCP type (marker with PT 64..95 goes to RTCP, RFC 5761);
    fixed header, CSRCs and extension header captured; the whole header within
    the packet's length.
    """
    # int32 is ample (lengths < 2**18) and halves the n-row temporaries
    readable = header.csrc_count.astype(np.int32)
    readable *= 4
    readable += RTP_FIXED_HEADER
    readable[header.extension] += 4
    accepted: NDArray[np.bool_] = (header.version == 2) & (table.caplen >= readable)
    del readable
    accepted &= ~rtcp_packet_type(header)
    accepted &= table.length >= header_len
    return accepted


def padding_valid(
    table: PacketTable, header: RtpHeader, header_len: NDArray[np.int64],
    padding: NDArray[np.int16],
) -> NDArray[np.bool_]:
    """False where the P bit is set and the padding count is 0 or exceeds the payload.

    The check of Wireshark's RTP heuristic (``dissect_rtp_heur``); rows whose last
    byte was not captured pass. Note SRTP encrypts the count and appends its tag,
    so padded SRTP packets fail it (Wireshark's heuristic drops them too).
    """
    room = table.length.astype(np.int64) - header_len
    bad: NDArray[np.bool_] = header.padding & (padding >= 0) & ((padding == 0) | (padding > room))
    return ~bad


def classify(
    table: PacketTable, header: RtpHeader, header_len: NDArray[np.int64],
    padding: NDArray[np.int16],
    dissectable: NDArray[np.bool_] | None = None,
) -> NDArray[np.uint8]:
    """A :class:`Kind` per row, shape (n,) uint8; ``padding`` from ``padding_counts``.

    ``dissectable``: ``rtp_dissectable``'s answer when the caller already has it.
    """
    head = table.head
    # narrow dtypes: every sum below stays far inside int32 (lengths < 2**18)
    b0 = np.ascontiguousarray(head[:, 0])
    length = table.length
    word1 = header.timestamp  # bytes 4..7 of every row
    field16 = header.seq.astype(np.int32)  # bytes 2..3 (STUN/TURN/RTCP length fields)
    kinds = np.full(len(table), Kind.OTHER, np.uint8)

    stun_type = (b0.astype(np.int32) << 8) | head[:, 1]
    stun = (b0 < 4) & (length >= 20) & (field16 % 4 == 0) & (field16 + 20 <= length)
    stun &= (word1 == STUN_MAGIC_COOKIE) | (
        np.isin(stun_type, CLASSIC_STUN_TYPES) & (field16 + 20 == length)
    )
    zrtp = ((b0 & 0xF0) == 0x10) & (word1 == ZRTP_MAGIC)
    dtls_version = (head[:, 1].astype(np.int32) << 8) | head[:, 2]
    dtls = (b0 >= 20) & (b0 <= 25) & np.isin(dtls_version, DTLS_VERSIONS) & (length >= 13)
    turn = (b0 >= 0x40) & (b0 <= 0x4F) & (field16 + 4 <= length) & (field16 + 4 + 3 >= length)
    quic_version = (  # bytes 1..4, unsigned
        (head[:, 1].astype(np.uint32) << 24) | (header.seq.astype(np.uint32) << 8) | head[:, 4]
    )
    known_version = np.isin(quic_version, QUIC_VERSIONS) | ((quic_version >> 8) == 0xFF0000)
    # Long headers only: short headers carry no version (first byte 0x40..0x7F, never RTP
    # version 2). A greased fixed bit (RFC 9287) makes the first byte 0x80..0xBF: trusted
    # on port 443 only, as RTP with PT 0, seq 0 and a timestamp 0x01xxxxxx looks the same.
    quic = ((b0 & 0xC0) == 0xC0) & known_version
    quic |= ((b0 & 0xC0) == 0x80) & known_version & _on_ports(table, QUIC_PORTS)
    rtcp = rtcp_packet_type(header) & ((header.rtcp_words.astype(np.int32) + 1) * 4 <= length)
    dns = _on_ports(table, DNS_PORTS)
    if dissectable is None:
        dissectable = rtp_dissectable(table, header, header_len)
    rtp = (
        dissectable
        & ~((header.payload_type >= 72) & (header.payload_type <= 76))
        & padding_valid(table, header, header_len, padding)
        & ~dns
    )

    kinds[rtp] = Kind.RTP
    kinds[rtcp & ~dns] = Kind.RTCP
    kinds[stun] = Kind.STUN
    kinds[zrtp] = Kind.ZRTP
    kinds[dtls] = Kind.DTLS
    kinds[turn] = Kind.TURN_CHANNEL
    kinds[quic] = Kind.QUIC
    kinds[dns] = Kind.DNS
    return kinds
