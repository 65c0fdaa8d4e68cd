"""CaptureDecoder: rows, columns and state across chunks; robustness on garbage."""

from __future__ import annotations

import numpy as np
from capture_frames import JUNK, ether, gtpu, ipv4, ipv6, record_index, udp
from hypothesis import given, settings
from hypothesis import strategies as st

from callscope.core.capture.capture import Capture
from callscope.core.capture.decode import CaptureDecoder
from callscope.core.capture.table import HEAD_BYTES, Transport
from callscope.core.model import CaptureInfo

RTP = bytes(range(0x80, 0x80 + 40))


def v4(sport: int, payload: bytes, src: str = "10.0.0.1") -> bytes:
    return ether(ipv4(src, "10.0.0.2", 17, udp(sport, 9000, payload)), 0x0800)


def test_columns_of_plain_rows() -> None:
    ri = record_index([v4(1000, RTP), v4(1001, b"ab")])
    table = CaptureDecoder().decode(ri)
    assert table.frame.tolist() == [1, 2]
    assert table.time_ns.tolist() == ri.time_ns.tolist()
    assert table.sport.dtype == np.uint16 and table.src.dtype == np.int32
    assert table.length.tolist() == [40, 2]
    assert table.caplen.tolist() == [40, 2]
    assert table.transport.tolist() == [Transport.UDP, Transport.UDP]
    assert table.teid.tolist() == [0, 0]
    assert table.head.shape == (2, HEAD_BYTES)
    assert bytes(table.head[0]) == RTP[:16]
    assert bytes(table.head[1]) == b"ab" + b"\x00" * 14  # zero padded, junk never leaks
    first_payload = int(ri.offset[0]) + 14 + 20 + 8
    assert table.payload_offset.tolist()[0] == first_payload


def test_payload_offsets_point_at_the_payload_bytes() -> None:
    ri = record_index([v4(1000, RTP), v4(1001, b"hello")])
    table = CaptureDecoder().decode(ri)
    capture = Capture(CaptureInfo("", "", 0, 2, (), 0, 0), table, [], [], ri.data.tobytes())
    assert capture.payload(0) == RTP
    assert capture.payload(1) == b"hello"


def test_snaplen_cut_payload_keeps_its_wire_length() -> None:
    frame = v4(1000, RTP)
    table = CaptureDecoder().decode(record_index([frame], caplens=[len(frame) - 30]))
    assert (int(table.length[0]), int(table.caplen[0])) == (40, 10)
    assert bytes(table.head[0]) == RTP[:10] + b"\x00" * 6


def test_file_offset_is_added_to_payload_offsets() -> None:
    ri = record_index([v4(1000, RTP)])
    shifted = type(ri)(ri.data, ri.frame, ri.time_ns, ri.offset, ri.caplen, ri.origlen,
                       ri.linktype, file_offset=1000)
    table = CaptureDecoder().decode(shifted)
    assert int(table.payload_offset[0]) == 1000 + int(ri.offset[0]) + 42


def test_addresses_are_interned_once_across_chunks() -> None:
    decoder = CaptureDecoder()
    a = decoder.decode(record_index([v4(1, b"x", "10.0.0.5"), v4(2, b"y", "10.0.0.6")]))
    b = decoder.decode(record_index([v4(3, b"z", "10.0.0.6"), v4(4, b"w", "10.0.0.5")],
                                    first_frame=3))
    assert a.src.tolist() == b.src.tolist()[::-1]
    assert a.addresses is b.addresses
    assert sorted(a.addresses) == ["10.0.0.2", "10.0.0.5", "10.0.0.6"]


def test_rows_are_in_frame_order_whatever_stage_made_them() -> None:
    inner = ipv6("fd00::1", "fd00::2", 17, udp(7, 8, b"inner"))
    frames = [
        ether(ipv4("10.9.9.9", "10.9.9.8", 17, udp(2152, 2152, gtpu(5, inner))), 0x0800),
        ether(ipv6("2001:db8::1", "2001:db8::2", 17, udp(1, 2, b"six")), 0x86DD),
        v4(3, b"four"),
    ]
    table = CaptureDecoder().decode(record_index(frames))
    assert table.frame.tolist() == [1, 2, 3]
    assert table.transport.tolist() == [Transport.GTPU_UDP, Transport.UDP, Transport.UDP]
    assert table.ip_version.tolist() == [6, 6, 4]


def test_link_types_and_unsupported_warning() -> None:
    decoder = CaptureDecoder()
    decoder.decode(record_index([v4(1, b"x"), b"\x00" * 30, b"\x00" * 30], [1, 147, 147]))
    decoder.decode(record_index([b"\x00" * 30], [147], first_frame=4))
    assert decoder.link_types() == ("linktype-147", "ethernet")
    _, warnings = decoder.finish()
    assert warnings == ["link type 147 not supported: 3 frames skipped"]
    assert decoder.frames == 4


def test_empty_chunk() -> None:
    table = CaptureDecoder().decode(record_index([]))
    assert len(table) == 0
    assert table.head.shape == (0, HEAD_BYTES)


def test_frames_at_the_very_end_of_the_buffer() -> None:
    ri = record_index([v4(1, b"a"), v4(2, b"b")])
    end = int(ri.offset[1]) + int(ri.caplen[1])
    tight = type(ri)(ri.data[:end], ri.frame, ri.time_ns, ri.offset, ri.caplen, ri.origlen,
                     ri.linktype)
    table = CaptureDecoder().decode(tight)
    assert bytes(table.head[1, :2]) == b"b\x00"
    assert ri.data[end : end + 16].tobytes() == JUNK


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.binary(min_size=0, max_size=120), min_size=1, max_size=12),
    st.sampled_from([0, 1, 9, 101, 113, 276]),
    st.integers(0, 2**32 - 1),
)
def test_garbage_never_raises(frames: list[bytes], linktype: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    base = [v4(1, RTP), ether(ipv4("1.1.1.1", "2.2.2.2", 17, udp(2152, 2152, gtpu(1, ipv6(
        "::1", "::2", 44, udp(1, 2, b"x"), ext=bytes([17, 0, 0, 9, 0, 0, 0, 1]))))), 0x0800)]
    mutated = []
    for f in base:
        b = bytearray(f)
        for _ in range(3):
            b[int(rng.integers(0, len(b)))] = int(rng.integers(0, 256))
        mutated.append(bytes(b[: int(rng.integers(1, len(b) + 1))]))
    decoder = CaptureDecoder()
    table = decoder.decode(record_index(frames + mutated, linktype))
    decoder.finish()
    assert np.all(table.caplen <= np.maximum(table.length, 0))
    assert np.all(table.caplen >= 0)
