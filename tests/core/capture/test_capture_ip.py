"""IPv4/IPv6 headers, extension headers and fragment reassembly."""

from __future__ import annotations

import struct

import pytest
from capture_frames import (
    ah_header,
    ether,
    ext_header,
    frag6_header,
    ipv4,
    ipv6,
    record_index,
    udp,
)

from callscope.core.capture.capture import Capture
from callscope.core.capture.decode import CaptureDecoder
from callscope.core.capture.fragments import MAX_PENDING, FragmentReassembler
from callscope.core.capture.layers import Fragment
from callscope.core.capture.table import PacketTable
from callscope.core.model import CaptureInfo

SIP = b"INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP host\r\n" + b"X: y\r\n" * 300


def decode(frames: list[bytes]) -> tuple[PacketTable, list[str]]:
    decoder = CaptureDecoder()
    table = decoder.decode(record_index(frames))
    _, warnings = decoder.finish()
    return table, warnings


def payload(table: PacketTable, row: int) -> bytes:
    capture = Capture(CaptureInfo("", "", 0, 0, (), 0, 0), table, [], [], None)
    return capture.payload(row)


def v4_fragments(datagram: bytes, size: int, ident: int = 7) -> list[bytes]:
    """IPv4 fragments of a transport datagram, ``size`` payload bytes each (multiple of 8)."""
    out = []
    for off in range(0, len(datagram), size):
        more = off + size < len(datagram)
        word = (0x2000 if more else 0) | (off // 8)
        piece = datagram[off : off + size]
        out.append(ether(ipv4("10.1.1.1", "10.2.2.2", 17, piece, ident=ident, frag=word), 0x0800))
    return out


def v6_fragments(datagram: bytes, size: int, ident: int = 9, ext: bytes = b"") -> list[bytes]:
    out = []
    for off in range(0, len(datagram), size):
        more = off + size < len(datagram)
        hdr = ext + frag6_header(17, off, more, ident)
        nh = 0 if ext else 44
        piece = datagram[off : off + size]
        out.append(ether(ipv6("2001:db8::a", "2001:db8::b", nh, piece, ext=hdr), 0x86DD))
    return out


def test_ipv4_options_are_skipped() -> None:
    frame = ether(ipv4("10.0.0.1", "10.0.0.2", 17, udp(1, 2, b"abc"), options=b"\x94\x04\0\0"
                       + b"\x01" * 12), 0x0800)
    table, _ = decode([frame])
    assert (int(table.sport[0]), int(table.dport[0]), int(table.length[0])) == (1, 2, 3)
    assert bytes(table.head[0, :3]) == b"abc"


@pytest.mark.parametrize(
    ("nh", "ext"),
    [
        (0, ext_header(17)),
        (0, ext_header(43, 16) + ext_header(60) + ext_header(17, 24)),
        (51, ah_header(17)),
        (0, ext_header(51) + ah_header(60) + ext_header(17)),
    ],
)
def test_ipv6_extension_headers_are_walked(nh: int, ext: bytes) -> None:
    frame = ether(ipv6("2001:db8::1", "2001:db8::2", nh, udp(5060, 5060, b"OPTIONS"), ext=ext),
                  0x86DD)
    table, warnings = decode([frame])
    assert len(table) == 1
    assert bytes(table.head[0, :7]) == b"OPTIONS"
    assert warnings == []


def test_esp_is_not_decodable_and_not_malformed() -> None:
    esp = struct.pack("!II", 0x1000, 1) + b"\x55" * 40
    frames = [ether(ipv6("2001:db8::1", "2001:db8::2", 50, esp), 0x86DD),
              ether(ipv4("10.0.0.1", "10.0.0.2", 50, esp), 0x0800)]
    table, warnings = decode(frames)
    assert len(table) == 0
    assert warnings == []


@pytest.mark.parametrize(
    "frame",
    [
        ether(b"\x45" + b"\x00" * 10, 0x0800),  # header cut short
        ether(b"\x44" + b"\x00" * 30, 0x0800),  # IHL 4
        ether(b"\x65" + b"\x00" * 30, 0x0800),  # version 6 inside an IPv4 EtherType
        ether(ipv4("10.0.0.1", "10.0.0.2", 17, b"x" * 20, total=12), 0x0800),
        ether(ipv6("::1", "::2", 17, b"")[:30], 0x86DD),
        ether(ipv6("::1", "::2", 0, udp(1, 2, b"x"), ext=bytes([17, 40]) + b"\x00" * 6),
              0x86DD),  # extension header longer than the packet
        ether(ipv4("10.0.0.1", "10.0.0.2", 17, udp(1, 2, b"x"))[:24], 0x0800),  # UDP cut
        ether(ipv4("10.0.0.1", "10.0.0.2", 17, udp(1, 2, b"x", length=4)), 0x0800),
    ],
)
def test_malformed_packets_are_skipped_with_a_summary(frame: bytes) -> None:
    table, warnings = decode([frame, ether(ipv4("1.1.1.1", "2.2.2.2", 17, udp(3, 4, b"ok")),
                                           0x0800)])
    assert table.sport.tolist() == [3]
    assert warnings == ["1 malformed or truncated packets skipped"]


def test_ipv4_total_length_bounds_the_udp_payload() -> None:
    frame = ether(ipv4("10.0.0.1", "10.0.0.2", 17, udp(1, 2, b"abcdef")) + b"\x00" * 20, 0x0800)
    table, _ = decode([frame])
    assert (int(table.length[0]), int(table.caplen[0])) == (6, 6)


def test_udp_length_larger_than_the_ip_payload_is_bounded() -> None:
    frame = ether(ipv4("10.0.0.1", "10.0.0.2", 17, udp(1, 2, b"abcdef", length=400)), 0x0800)
    table, _ = decode([frame])
    assert int(table.length[0]) == 6


def test_ipv4_zero_total_length_means_captured_length() -> None:
    frame = ether(ipv4("10.0.0.1", "10.0.0.2", 17, udp(1, 2, b"abcdef"), total=0), 0x0800)
    table, _ = decode([frame])
    assert int(table.length[0]) == 6


@pytest.mark.parametrize("order", ["forward", "reverse", "shuffled", "duplicated"])
def test_ipv4_fragments_are_reassembled(order: str) -> None:
    datagram = udp(5060, 5060, SIP)
    frags = v4_fragments(datagram, 600)
    if order == "reverse":
        frags = frags[::-1]
    elif order == "shuffled":
        frags = [frags[2], frags[0], frags[3], frags[1], *frags[4:]]
    elif order == "duplicated":
        frags = [frags[0], frags[1], frags[1], *frags[2:]]
    table, warnings = decode([ether(ipv4("9.9.9.9", "8.8.8.8", 17, udp(1, 2, b"x")), 0x0800),
                              *frags])
    assert len(table) == 2
    assert table.frame.tolist() == [1, len(frags) + 1]  # the completing frame, as Wireshark
    assert int(table.payload_offset[1]) == -1
    assert payload(table, 1) == SIP
    assert int(table.length[1]) == len(SIP) == int(table.caplen[1])
    assert bytes(table.head[1]) == SIP[:16]
    assert table.addresses[int(table.src[1])] == "10.1.1.1"
    assert warnings == []


def test_ipv6_fragments_are_reassembled_out_of_order() -> None:
    datagram = udp(5060, 5062, SIP)
    frags = v6_fragments(datagram, 1232)
    table, warnings = decode(frags[::-1])
    assert len(table) == 1
    assert payload(table, 0) == SIP
    assert (int(table.sport[0]), int(table.dport[0]), int(table.ip_version[0])) == (5060, 5062, 6)
    assert table.frame.tolist() == [len(frags)]
    assert warnings == []


def test_ipv6_fragments_after_a_hop_by_hop_header() -> None:
    frags = v6_fragments(udp(5060, 5060, SIP), 1000, ext=ext_header(44))
    table, _ = decode(frags)
    assert payload(table, 0) == SIP


def test_ipv6_atomic_fragment_is_a_plain_packet() -> None:
    frame = ether(ipv6("2001:db8::1", "2001:db8::2", 44, udp(7, 8, b"atomic"),
                       ext=frag6_header(17, 0, False, 5)), 0x86DD)
    table, _ = decode([frame])
    assert int(table.payload_offset[0]) >= 0
    assert bytes(table.head[0, :6]) == b"atomic"


def test_fragments_reassemble_across_chunks() -> None:
    frags = v4_fragments(udp(5060, 5060, SIP), 800)
    decoder = CaptureDecoder()
    first = decoder.decode(record_index(frags[:2]))
    second = decoder.decode(record_index(frags[2:], first_frame=3))
    assert len(first) == 0
    assert second.frame.tolist() == [len(frags)]
    assert second.reassembled[0] == SIP


def test_incomplete_and_truncated_fragments_give_one_warning() -> None:
    frags = v4_fragments(udp(5060, 5060, SIP), 800)
    others = v4_fragments(udp(5060, 5060, SIP), 800, ident=8)
    ri = record_index([*frags[:-1], *others], caplens=[len(f) for f in frags[:-1]] + [
        len(f) - (10 if i == 1 else 0) for i, f in enumerate(others)])
    decoder = CaptureDecoder()
    table = decoder.decode(ri)
    _, warnings = decoder.finish()
    assert len(table) == 0
    assert warnings == ["2 fragmented IP datagrams could not be reassembled"]


def test_reassembler_bounds_pending_datagrams() -> None:
    r = FragmentReassembler()
    frags = [
        Fragment((4, b"\x01" * 4, b"\x02" * 4, i, 17, 0, False), i, 0, True, b"x" * 8, True)
        for i in range(MAX_PENDING + 10)
    ]
    assert r.add(frags) == []
    assert r.incomplete() == MAX_PENDING
    assert r.dropped == 10


def test_overlapping_fragments_keep_the_first_copy() -> None:
    r = FragmentReassembler()
    key = (4, b"\x01" * 4, b"\x02" * 4, 1, 17, 0, False)
    done = r.add([
        Fragment(key, 0, 0, True, b"A" * 16, True),
        Fragment(key, 1, 8, True, b"B" * 16, True),
        Fragment(key, 2, 24, False, b"C" * 4, True),
    ])
    assert [d.payload for d in done] == [b"A" * 16 + b"B" * 8 + b"C" * 4]
    assert done[0].idx == 2
