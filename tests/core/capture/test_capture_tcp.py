"""TCP reassembly: order, retransmissions, overlaps, holes, wrap-around, limits."""

from __future__ import annotations

import numpy as np
from capture_frames import ether, ipv4, ipv6, record_index, tcp

from callscope.core.capture.capture import TcpStream
from callscope.core.capture.decode import CaptureDecoder
from callscope.core.capture.tcp import TcpCollector

A, B = "10.0.0.1", "10.0.0.2"


def seg(seq: int, data: bytes, *, flags: int = 0x18, src: str = A, dst: str = B,
        sport: int = 40000, dport: int = 5060) -> bytes:
    return ether(ipv4(src, dst, 6, tcp(sport, dport, seq, data, flags)), 0x0800)


def streams_of(frames: list[bytes], decoder: CaptureDecoder | None = None) -> list[TcpStream]:
    decoder = decoder or CaptureDecoder()
    decoder.decode(record_index(frames))
    streams, _ = decoder.finish()
    return streams


def test_in_order_segments_join_and_record_their_ends() -> None:
    (st,) = streams_of([seg(100, b"abc"), seg(103, b"defg"), seg(107, b"h")])
    assert st.data == b"abcdefgh"
    assert st.seg_end.tolist() == [3, 7, 8]
    assert st.seg_frame.tolist() == [1, 2, 3]
    assert st.gap_offsets == []
    assert (st.src, st.sport, st.dst, st.dport, st.teid, st.tunnelled) == (A, 40000, B, 5060, 0,
                                                                           False)
    assert st.arrival_of(5) == (2, int(st.seg_time_ns[1]))


def test_out_of_order_bytes_arrive_with_the_segment_that_completes_them() -> None:
    (st,) = streams_of([seg(100, b"abc"), seg(107, b"hij"), seg(103, b"defg")])
    assert st.data == b"abcdefghij"
    assert st.seg_end.tolist() == [3, 7, 10]
    assert st.seg_frame.tolist() == [1, 3, 3]  # "hij" is usable only once frame 3 is in


def test_retransmissions_and_overlaps_keep_the_first_copy() -> None:
    frames = [seg(0, b"abcd"), seg(0, b"abcd"), seg(2, b"XXef"), seg(4, b"YYgh"), seg(8, b"i")]
    (st,) = streams_of(frames)
    assert st.data == b"abcdefghi"
    assert st.gap_offsets == []


def test_a_hole_is_recorded_and_data_after_it_kept() -> None:
    (st,) = streams_of([seg(1, b"abc"), seg(10, b"xyz"), seg(13, b"!")])
    assert st.data == b"abcxyz!"
    assert st.gap_offsets == [3]
    assert st.seg_frame.tolist() == [1, 2, 3]


def test_sequence_numbers_wrap_around() -> None:
    top = 2**32 - 4
    (st,) = streams_of([seg(top, b"abcd"), seg(4, b"ijkl"), seg(0, b"efgh")])
    assert st.data == b"abcdefghijkl"
    assert st.gap_offsets == []


def test_syn_sets_the_start_and_a_missing_start_is_a_hole() -> None:
    frames = [seg(999, b"", flags=0x02), seg(1005, b"late")]
    (st,) = streams_of(frames)
    assert st.data == b"late"
    assert st.gap_offsets == [0]


def test_directions_and_connections_are_separate_streams() -> None:
    frames = [
        seg(1, b"ping"),
        seg(1, b"pong", src=B, dst=A, sport=5060, dport=40000),
        seg(1, b"other", sport=40001),
        ether(ipv6("2001:db8::1", "2001:db8::2", 6, tcp(1, 2, 7, b"six")), 0x86DD),
    ]
    streams = streams_of(frames)
    assert [s.data for s in streams] == [b"ping", b"pong", b"other", b"six"]
    assert streams[3].src == "2001:db8::1"


def test_segments_without_payload_make_no_stream() -> None:
    assert streams_of([seg(5, b"", flags=0x10), seg(5, b"", flags=0x11)]) == []


def test_a_stream_stops_growing_past_its_limit_with_a_warning() -> None:
    decoder = CaptureDecoder()
    decoder.tcp = TcpCollector(max_stream_bytes=10)
    decoder.decode(record_index([seg(0, b"12345"), seg(5, b"67890"), seg(10, b"abc")]))
    streams, warnings = decoder.finish()
    assert streams[0].data == b"1234567890"
    assert len(warnings) == 1 and "the rest is ignored" in warnings[0]


def test_snaplen_truncated_segment_leaves_a_hole() -> None:
    frames = [seg(0, b"abcdef"), seg(6, b"ghij")]
    ri = record_index(frames, caplens=[len(frames[0]) - 2, len(frames[1])])
    decoder = CaptureDecoder()
    decoder.decode(ri)
    (st,), _ = decoder.finish()
    assert st.data == b"abcdghij"
    assert st.gap_offsets == [4]


def test_streams_span_chunks() -> None:
    decoder = CaptureDecoder()
    decoder.decode(record_index([seg(0, b"abc")]))
    decoder.decode(record_index([seg(3, b"def")], first_frame=2))
    (st,), _ = decoder.finish()
    assert st.data == b"abcdef"
    assert np.array_equal(st.seg_frame, [1, 2])
