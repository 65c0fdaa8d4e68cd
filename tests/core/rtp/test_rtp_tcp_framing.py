"""RFC 4571 framing of RTP over TCP into extra packet-table rows."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
from rtp_factory import START_NS, Builder, rtcp_rr, rtp

from callscope.core.capture.capture import TcpStream
from callscope.core.capture.reader import read_capture
from callscope.core.capture.table import Transport
from callscope.core.model import Call, MediaDescription
from callscope.core.rtp.sdp_match import sdp_endpoints
from callscope.core.rtp.tcp_framing import looks_framed, split_units, tcp_rows


def framed(*units: bytes) -> bytes:
    return b"".join(struct.pack("!H", len(u)) + u for u in units)


def tcp_stream(data: bytes, *, per_segment: int = 1, gaps: list[int] | None = None,
               tunnelled: bool = False) -> TcpStream:
    """Segments of ``per_segment`` units each (units of equal size assumed)."""
    unit = struct.unpack("!H", data[:2])[0] + 2 if len(data) >= 2 else max(len(data), 1)
    ends = [*range(unit * per_segment, len(data), unit * per_segment), len(data)]
    return TcpStream("10.1.1.1", 40000, "10.1.1.2", 5004, 9 if tunnelled else 0, tunnelled,
                     data, np.array(ends, np.int64), np.arange(10, 10 + len(ends), dtype=np.int64),
                     START_NS + np.arange(len(ends), dtype=np.int64) * 20_000_000,
                     gap_offsets=gaps or [])


def units(count: int, ssrc: int = 0x42, first: int = 0) -> list[bytes]:
    return [rtp(first + i, (first + i) * 160, ssrc) for i in range(count)]


def test_consistent_rtp_units_are_framed_without_signalling() -> None:
    stream = tcp_stream(framed(*units(6)), per_segment=2)
    capture = Builder().capture([stream])
    rows = tcp_rows(capture, [])[0]
    assert len(rows) == 6
    assert rows.frame.tolist() == [10, 10, 11, 11, 12, 12]  # the segment completing each unit
    assert rows.length.tolist() == [172] * 6
    assert set(rows.transport.tolist()) == {Transport.TCP}
    assert rows.head[3, :4].tolist() == [0x80, 8, 0, 3]
    assert rows.reassembled[5] == units(6)[5]
    assert [rows.addresses[i] for i in (rows.src[0], rows.dst[0])] == ["10.1.1.1", "10.1.1.2"]


def test_other_tcp_payloads_are_left_alone() -> None:
    http = b"GET / HTTP/1.1\r\nHost: example\r\n\r\n" * 20
    capture = Builder().capture([tcp_stream(http)])
    assert len(tcp_rows(capture, [])[0]) == 0
    assert not looks_framed(framed(*units(2)))  # too few units to be sure
    assert not looks_framed(framed(*(units(2, 0x1) + units(2, 0x2))))  # SSRC changes


def test_sdp_tcp_profile_frames_even_short_streams_and_rtcp() -> None:
    stream = tcp_stream(framed(*units(2)) + framed(rtcp_rr(0x42, [])), per_segment=1)
    media = MediaDescription("10.1.1.2", 5004, "audio", "TCP/RTP/AVP", (0,), {}, frame=1)
    endpoints = sdp_endpoints([Call("c", "a", "b", "IN CALL", 0, 0, media=[media])])
    rows, _ = tcp_rows(Builder().capture([stream]), endpoints)
    assert rows.length.tolist() == [172, 172, 8]


def test_framing_resumes_after_a_hole() -> None:
    good = framed(*units(5))
    after = framed(*units(4, first=20))
    damaged = good + framed(*units(1, first=5))[:50]  # a unit cut by the hole
    stream = tcp_stream(damaged + b"\x01\x02\x03" + after, gaps=[len(damaged)])
    found = split_units(stream)
    assert len(found.starts) == 5 + 4
    seqs = [int.from_bytes(stream.data[s + 2 : s + 4], "big") for s in found.starts]
    assert seqs == [0, 1, 2, 3, 4, 20, 21, 22, 23]
    assert found.lost_at is None


def test_framing_lost_for_good_is_reported() -> None:
    good = framed(*units(5))
    garbage = bytes(range(256)) * 4  # no length prefix, no known SSRC after the hole
    stream = tcp_stream(good + b"\x03" + garbage, gaps=[len(good) + 1])
    rows, warnings = tcp_rows(Builder().capture([stream]), [])
    assert len(rows) == 5
    assert warnings == [f"RTP over TCP 10.1.1.1:40000 -> 10.1.1.2:5004: framing lost at byte "
                        f"{len(good)} of {len(stream.data)}; the rest was not analysed"]
    cut = tcp_stream(good + framed(*units(1, first=5))[:40])  # capture ends mid-unit
    assert tcp_rows(Builder().capture([cut]), [])[1] == []


def test_tunnelled_tcp_keeps_its_teid() -> None:
    rows, _ = tcp_rows(Builder().capture([tcp_stream(framed(*units(4)), tunnelled=True)]), [])
    assert set(rows.transport.tolist()) == {Transport.GTPU_TCP}
    assert set(rows.teid.tolist()) == {9}


@pytest.mark.corpus
def test_corpus_rfc4571_flow(corpus: Path) -> None:
    capture = read_capture(corpus / "rtp-mixed-tcp-rfc4571-vlan-rtpevent-h263_ndpi.pcapng")
    rows = tcp_rows(capture, [])[0]
    assert len(rows) == 17  # 17 segments of 1214 bytes, one 1212-byte PCMA unit each
    assert set(rows.length.tolist()) == {1212}
    assert rows.frame.tolist() == list(range(19, 52, 2))
