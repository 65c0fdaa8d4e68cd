"""Link layers: every supported link type leads to the IP header; others are counted."""

from __future__ import annotations

import numpy as np
import pytest
from capture_frames import (
    ether,
    ipv4,
    ipv6,
    null,
    pppoe,
    record_index,
    sll,
    sll2,
    udp,
)

from callscope.core.capture.decode import CaptureDecoder
from callscope.core.capture.link import link_name, locate_network

V4 = ipv4("192.0.2.1", "198.51.100.7", 17, udp(5004, 6000, b"\x80\x08" + b"a" * 30))
V6 = ipv6("2001:db8::1", "2001:db8::2", 17, udp(5004, 6000, b"\x80\x08" + b"b" * 30))


def decode_one(frame: bytes, linktype: int) -> tuple[int, str, str, int]:
    """(rows, src, dst, ip_version of row 0) after decoding a single frame."""
    table = CaptureDecoder().decode(record_index([frame], linktype))
    assert len(table) == 1
    return (
        len(table),
        table.addresses[int(table.src[0])],
        table.addresses[int(table.dst[0])],
        int(table.ip_version[0]),
    )


@pytest.mark.parametrize(
    ("frame", "linktype", "version"),
    [
        (ether(V4, 0x0800), 1, 4),
        (ether(V6, 0x86DD), 1, 6),
        (ether(V4, 0x0800, (0x8100,)), 1, 4),
        (ether(V6, 0x86DD, (0x88A8, 0x8100)), 1, 6),
        (ether(V4, 0x0800, (0x9100, 0x8100)), 1, 4),
        (ether(pppoe(V4, 4), 0x8864), 1, 4),
        (ether(pppoe(V6, 6), 0x8864, (0x8100,)), 1, 6),
        (sll(V4, 0x0800), 113, 4),
        (sll(V6, 0x86DD), 113, 6),
        (sll(V4, 0x8100)[:-len(V4)] + b"\x00\x64\x08\x00" + V4, 113, 4),
        (sll2(V4, 0x0800), 276, 4),
        (sll2(V6, 0x86DD), 276, 6),
        (V4, 101, 4),
        (V6, 101, 6),
        (V4, 228, 4),
        (V6, 229, 6),
        (V4, 12, 4),
        (V6, 14, 6),
        (null(V4, 2, "<"), 0, 4),
        (null(V4, 2, ">"), 0, 4),
        (null(V6, 24, "<"), 0, 6),
        (null(V6, 28, ">"), 0, 6),
        (null(V6, 30, "<"), 108, 6),
        (null(V4, 2, ">"), 108, 4),
        (b"\xff\x03\x00\x21" + V4, 9, 4),
        (b"\x00\x57" + V6, 9, 6),
        (b"\x21" + V4, 9, 4),
        (b"\xff\x03\x00\x57" + V6, 50, 6),
        (pppoe(V4, 4), 51, 4),
    ],
)
def test_each_link_type_reaches_the_udp_row(frame: bytes, linktype: int, version: int) -> None:
    _, src, dst, got_version = decode_one(frame, linktype)
    assert got_version == version
    if version == 4:
        assert (src, dst) == ("192.0.2.1", "198.51.100.7")
    else:
        assert (src, dst) == ("2001:db8::1", "2001:db8::2")


def test_ip_offsets_for_tags_and_pppoe() -> None:
    frames = [
        ether(V4, 0x0800),
        ether(V4, 0x0800, (0x8100,)),
        ether(V4, 0x0800, (0x88A8, 0x8100)),
        ether(pppoe(V4, 4), 0x8864, (0x8100,)),
    ]
    ri = record_index(frames)
    net = locate_network(ri).net
    assert (net.off - ri.offset).tolist() == [14, 18, 22, 26]
    assert net.version.tolist() == [4, 4, 4, 4]


def test_non_ip_frames_are_dropped_without_counting_them_malformed() -> None:
    arp = ether(b"\x00\x01\x08\x00\x06\x04" + b"\x00" * 22, 0x0806)
    llc = b"\x01\x80\xc2\x00\x00\x00" + b"\x04" * 6 + b"\x00\x26" + b"\x42" * 38
    lcp = ether(b"\x11\x00\x12\x34\x00\x06\xc0\x21\x01\x01\x00\x04", 0x8864)
    result = locate_network(record_index([arp, llc, lcp, ether(V4, 0x0800)]))
    assert result.net.idx.tolist() == [3]
    assert result.malformed == 0


def test_frames_shorter_than_their_link_header_are_malformed() -> None:
    frames = [ether(V4, 0x0800)[:12], ether(V4, 0x0800, (0x8100,))[:16], null(V4, 2)[:3]]
    ri = record_index(frames, [1, 1, 0])
    result = locate_network(ri)
    assert len(result.net) == 0
    assert result.malformed == 3


def test_caplen_shorter_than_the_frame_bounds_every_read() -> None:
    frame = ether(V4, 0x0800, (0x8100,))
    ri = record_index([frame], caplens=[15])  # the tag is cut: junk follows in the buffer
    result = locate_network(ri)
    assert len(result.net) == 0
    assert result.malformed == 1


def test_unsupported_link_types_are_counted_per_type() -> None:
    frames = [b"\x00" * 40, ether(V4, 0x0800), b"\x00" * 40, b"\x00" * 40]
    result = locate_network(record_index(frames, [147, 1, 147, 105]))
    assert result.unsupported == {147: 2, 105: 1}
    assert result.net.idx.tolist() == [1]


def test_mixed_link_types_keep_frame_order() -> None:
    frames = [sll(V4, 0x0800), ether(V6, 0x86DD), V4, sll2(V6, 0x86DD)]
    result = locate_network(record_index(frames, [113, 1, 101, 276]))
    assert result.net.idx.tolist() == [0, 1, 2, 3]
    assert np.all(np.diff(result.net.idx) > 0)


def test_link_names() -> None:
    assert link_name(1) == "ethernet"
    assert link_name(113) == "linux-sll"
    assert link_name(276) == "linux-sll2"
    assert link_name(101) == "raw-ip"
    assert link_name(0) == "null"
    assert link_name(9) == "ppp"
    assert link_name(147) == "linktype-147"
