"""GTP-U: inner UDP becomes GTPU_UDP rows with the TEID, inner TCP a tunnelled stream."""

from __future__ import annotations

import pytest
from capture_frames import (
    ether,
    gtpu,
    ipv4,
    ipv6,
    pdu_session_ext,
    record_index,
    tcp,
    udp,
)

from callscope.core.capture.decode import CaptureDecoder
from callscope.core.capture.table import PacketTable, Transport

RTP = b"\x80\x74\x00\x01" + b"\x00" * 8 + b"\xf4\x44" + b"\x21" * 20
INNER6 = ipv6("fd00::10", "fd00::20", 17, udp(50000, 50002, RTP))
INNER4 = ipv4("172.16.0.1", "172.16.0.2", 17, udp(4000, 4002, RTP))


def outer(gtp: bytes, sport: int = 2152, dport: int = 2152) -> bytes:
    return ether(ipv4("10.0.0.1", "10.0.0.2", 17, udp(sport, dport, gtp)), 0x0800)


def decode(frames: list[bytes]) -> tuple[PacketTable, CaptureDecoder]:
    decoder = CaptureDecoder()
    return decoder.decode(record_index(frames)), decoder


@pytest.mark.parametrize(
    "gtp",
    [
        gtpu(0xABCD, INNER6),
        gtpu(0xABCD, INNER6, seq=77),
        gtpu(0xABCD, INNER6, exts=(pdu_session_ext(),)),
        gtpu(0xABCD, INNER6, seq=5, exts=(pdu_session_ext(0x40), bytes([2, 1, 2, 3, 4, 5, 6, 0]))),
    ],
)
def test_inner_udp_becomes_a_gtpu_udp_row(gtp: bytes) -> None:
    table, _ = decode([outer(gtp)])
    assert len(table) == 1
    assert int(table.transport[0]) == Transport.GTPU_UDP
    assert int(table.teid[0]) == 0xABCD
    assert int(table.ip_version[0]) == 6
    assert (int(table.sport[0]), int(table.dport[0])) == (50000, 50002)
    assert table.addresses[int(table.src[0])] == "fd00::10"
    assert bytes(table.head[0]) == RTP[:16]
    assert int(table.length[0]) == len(RTP)


def test_gtpu_on_one_port_only_and_over_ipv6_outer() -> None:
    frames = [
        outer(gtpu(1, INNER4), sport=40000),
        ether(ipv6("2001:db8::1", "2001:db8::2", 17, udp(2152, 2152, gtpu(2, INNER4))), 0x86DD),
    ]
    table, _ = decode(frames)
    assert table.teid.tolist() == [1, 2]
    assert table.ip_version.tolist() == [4, 4]
    assert table.transport.tolist() == [Transport.GTPU_UDP] * 2


def test_outer_and_non_gpdu_messages_are_not_rows() -> None:
    echo = gtpu(0, b"\x0e\x00", msg_type=1)
    end_marker = gtpu(7, b"", msg_type=254)
    plain = ether(ipv4("10.0.0.3", "10.0.0.4", 17, udp(5004, 5004, RTP)), 0x0800)
    table, decoder = decode([outer(echo), outer(end_marker), plain])
    assert table.frame.tolist() == [3]
    assert int(table.transport[0]) == Transport.UDP
    assert decoder.malformed == 0


def test_non_gtp_traffic_on_port_2152_stays_udp() -> None:
    table, _ = decode([outer(b"\x80\x00" + b"\x00" * 20)])  # version 4 flags: not GTPv1
    assert table.transport.tolist() == [Transport.UDP]


def test_truncated_extension_chain_is_malformed() -> None:
    bad = gtpu(3, INNER6, exts=(bytes([9, 0, 0, 0]),))  # claims 36 bytes
    table, decoder = decode([outer(bad[:30])])
    assert len(table) == 0
    assert decoder.malformed == 1


def test_inner_tcp_becomes_a_tunnelled_stream() -> None:
    frames = [
        outer(gtpu(0x55, ipv4("172.16.0.1", "172.16.0.9", 6, tcp(5060, 5060, 1000, b"INVITE ")))),
        outer(gtpu(0x55, ipv4("172.16.0.1", "172.16.0.9", 6, tcp(5060, 5060, 1007, b"sip:x")))),
    ]
    decoder = CaptureDecoder()
    table = decoder.decode(record_index(frames))
    streams, _ = decoder.finish()
    assert len(table) == 0
    assert len(streams) == 1
    st = streams[0]
    assert (st.tunnelled, st.teid, st.data) == (True, 0x55, b"INVITE sip:x")
    assert (st.src, st.dst) == ("172.16.0.1", "172.16.0.9")


def test_fragmented_inner_ipv6_is_reassembled_with_the_teid() -> None:
    body = udp(5060, 5060, b"REGISTER sip:ims SIP/2.0\r\n" + b"P: q\r\n" * 200)
    frames = []
    for off in range(0, len(body), 600):
        more = off + 600 < len(body)
        frag = bytes([17, 0]) + (off | int(more)).to_bytes(2, "big") + (42).to_bytes(4, "big")
        inner = ipv6("fd00::1", "fd00::2", 44, body[off : off + 600], ext=frag)
        frames.append(outer(gtpu(0x99, inner)))
    table, _ = decode(frames)
    assert len(table) == 1
    assert (int(table.teid[0]), int(table.transport[0])) == (0x99, Transport.GTPU_UDP)
    assert table.reassembled[0] == body[8:]


def test_gtpu_inside_a_fragmented_outer_datagram() -> None:
    big = ipv4("172.16.0.1", "172.16.0.2", 17, udp(4000, 4002, RTP * 60))
    outer_udp = udp(2152, 2152, gtpu(0x77, big))
    frames = []
    for off in range(0, len(outer_udp), 1480):
        more = off + 1480 < len(outer_udp)
        word = (0x2000 if more else 0) | (off // 8)
        frames.append(ether(ipv4("10.0.0.1", "10.0.0.2", 17, outer_udp[off : off + 1480],
                                 ident=3, frag=word), 0x0800))
    table, _ = decode(frames)
    assert table.frame.tolist() == [len(frames)]
    assert (int(table.teid[0]), int(table.transport[0])) == (0x77, Transport.GTPU_UDP)
    assert int(table.payload_offset[0]) == -1
    assert table.reassembled[0] == RTP * 60
