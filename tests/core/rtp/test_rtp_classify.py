"""Per-row classification: RTP candidates versus STUN, DTLS, DNS, QUIC, TURN, ZRTP, RTCP."""

from __future__ import annotations

import struct

from rtp_factory import Builder, rtcp_rr, rtcp_sr, rtp

from callscope.core.capture.table import PacketTable
from callscope.core.rtp.classify import Kind, classify, rtp_dissectable
from callscope.core.rtp.header import header_lengths, padding_counts, parse_headers

STUN_BINDING = (
    struct.pack("!HHI", 0x0001, 8, 0x2112A442) + bytes(12) + struct.pack("!HH", 0x8022, 4) + b"test"
)
CLASSIC_STUN = struct.pack("!HH", 0x0101, 4) + bytes(16) + bytes(4)
DTLS_HELLO = bytes([22, 0xFE, 0xFD]) + bytes(8) + struct.pack("!H", 40) + bytes(40)
ZRTP_HELLO = bytes([0x10, 0, 0, 1]) + b"ZRTP" + bytes(4) + bytes(80)
TURN_DATA = struct.pack("!HH", 0x4001, 172) + rtp(1, 160, 0x1234)
QUIC_INITIAL = bytes([0xC3]) + struct.pack("!I", 1) + bytes(1200)
QUIC_SHORT = bytes([0x45]) + bytes(60)
QUIC_GREASED = bytes([0x83]) + struct.pack("!I", 1) + bytes(1200)  # fixed bit cleared
DNS_LOOKALIKE = bytes([0x80, 0x12, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]) + b"\x03www\x00\x00\x01"


def _kinds(*packets: tuple[int, int, bytes]) -> tuple[list[int], PacketTable]:
    b = Builder()
    for i, (sport, dport, payload) in enumerate(packets):
        b.add("10.0.0.1", sport, "10.0.0.2", dport, payload, i * 0.01)
    table = b.table()
    h = parse_headers(table)
    lengths = header_lengths(h, lambda row: table.reassembled[row])
    pads = padding_counts(table, h, lambda row: table.reassembled[row])
    return classify(table, h, lengths, pads).tolist(), table


def test_each_demultiplexed_protocol_gets_its_class() -> None:
    kinds, _ = _kinds(
        (4000, 5000, rtp(1, 160, 0xABCD)),
        (4000, 5000, STUN_BINDING),
        (4000, 5000, CLASSIC_STUN),
        (4000, 5000, DTLS_HELLO),
        (4000, 5000, ZRTP_HELLO),
        (4000, 5000, TURN_DATA),
        (50000, 443, QUIC_INITIAL),
        (50000, 443, QUIC_SHORT),
        (50000, 443, QUIC_GREASED),
        (50000, 4000, QUIC_GREASED),
        (4001, 5001, rtcp_sr(1, [(2, 0, 0, 0, 0)])),
    )
    assert kinds == [Kind.RTP, Kind.STUN, Kind.STUN, Kind.DTLS, Kind.ZRTP, Kind.TURN_CHANNEL,
                     Kind.QUIC, Kind.OTHER, Kind.QUIC, Kind.RTP, Kind.RTCP]


def test_dns_is_never_rtp_even_when_its_first_byte_says_version_2() -> None:
    kinds, _ = _kinds((53, 40000, DNS_LOOKALIKE), (40000, 5353, DNS_LOOKALIKE))
    assert kinds == [Kind.DNS, Kind.DNS]


def test_rtcp_types_and_the_rtcp_range_are_not_rtp() -> None:
    rr = rtcp_rr(1, [])
    marked_64 = rtp(1, 1, 1, 64, marker=True)  # second byte 192: RFC 5761 says RTCP
    unmarked_72 = rtp(1, 1, 1, 72)  # Wireshark's heuristic refuses PT 72..76
    kinds, table = _kinds((4000, 5000, rr), (4000, 5000, marked_64), (4000, 5000, unmarked_72))
    assert kinds[0] == Kind.RTCP
    assert kinds[1] != Kind.RTP and kinds[2] != Kind.RTP
    h = parse_headers(table)
    dissectable = rtp_dissectable(table, h, header_lengths(h, lambda r: table.reassembled[r]))
    assert dissectable.tolist() == [False, False, True]  # signalled PT 72 is still counted


def test_short_or_truncated_headers_are_not_candidates() -> None:
    kinds, _ = _kinds(
        (4000, 5000, rtp(1, 1, 1)[:11]),
        (4000, 5000, rtp(1, 1, 1, csrcs=(1, 2, 3), payload=b"")[:20]),
        (4000, 5000, rtp(1, 1, 1, version=1)),
    )
    assert kinds == [Kind.OTHER, Kind.OTHER, Kind.OTHER]


def test_bad_padding_count_fails_like_wiresharks_heuristic() -> None:
    good = rtp(1, 1, 1, padding=3)
    zero = rtp(1, 1, 1, payload=bytes(20))
    zero = bytes([zero[0] | 0x20]) + zero[1:]  # P bit set, last byte 0
    huge = rtp(1, 1, 1, payload=bytes(19) + b"\xff")
    huge = bytes([huge[0] | 0x20]) + huge[1:]  # padding count 255 > payload
    kinds, _ = _kinds((4000, 5000, good), (4000, 5000, zero), (4000, 5000, huge))
    assert kinds == [Kind.RTP, Kind.OTHER, Kind.OTHER]
