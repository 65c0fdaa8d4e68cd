"""pcapng: sections and byte orders, interfaces and timestamp units, every packet block kind."""

from __future__ import annotations

import re
import struct
from pathlib import Path

import dpkt
import numpy as np
import pytest

from callscope.core.capture.formats import iter_records
from callscope.core.capture.pcapng_blocks import Interface, to_ns
from callscope.core.capture.records import RecordIndex
from callscope.core.capture.source import CaptureFile, open_capture
from callscope.core.errors import CaptureError


def block(order: str, btype: int, body: bytes) -> bytes:
    """One block: type, total length, body padded to 4 bytes, total length again."""
    body += b"\0" * (-len(body) % 4)
    length = 12 + len(body)
    return struct.pack(order + "II", btype, length) + body + struct.pack(order + "I", length)


def shb(order: str = "<", section_length: int = -1) -> bytes:
    return block(order, 0x0A0D0D0A, struct.pack(order + "IHHq", 0x1A2B3C4D, 1, 0, section_length))


def option(order: str, code: int, value: bytes) -> bytes:
    return struct.pack(order + "HH", code, len(value)) + value + b"\0" * (-len(value) % 4)


def idb(
    order: str = "<",
    linktype: int = 1,
    snaplen: int = 0,
    tsresol: int | None = None,
    tsoffset: int | None = None,
) -> bytes:
    opts = b""
    if tsresol is not None:
        opts += option(order, 9, bytes([tsresol]))
    if tsoffset is not None:
        opts += option(order, 14, struct.pack(order + "q", tsoffset))
    if opts:
        opts += option(order, 0, b"")
    return block(order, 1, struct.pack(order + "HHI", linktype, 0, snaplen) + opts)


def epb(order: str, ifid: int, ts: int, data: bytes, origlen: int | None = None) -> bytes:
    head = struct.pack(order + "IIIII", ifid, ts >> 32, ts & 0xFFFFFFFF, len(data),
                       len(data) if origlen is None else origlen)
    return block(order, 6, head + data)


def opb(order: str, ifid: int, ts: int, data: bytes) -> bytes:
    head = struct.pack(order + "HHIIII", ifid, 0, ts >> 32, ts & 0xFFFFFFFF, len(data), len(data))
    return block(order, 2, head + data)


def spb(order: str, origlen: int, data: bytes) -> bytes:
    return block(order, 3, struct.pack(order + "I", origlen) + data)


def in_memory(data: bytes) -> CaptureFile:
    return CaptureFile(Path("mem.pcapng"), data, compressed=False, size_on_disk=len(data))


def read_all(data: bytes, **kwargs: int) -> list[RecordIndex]:
    return list(iter_records(in_memory(data), **kwargs))


def joined(chunks: list[RecordIndex], name: str) -> list[int]:
    return [int(x) for c in chunks for x in getattr(c, name)]


T0 = 1_700_000_000


@pytest.mark.parametrize("order", ["<", ">"])
def test_enhanced_packet_blocks_in_both_byte_orders(order: str) -> None:
    data = (
        shb(order)
        + idb(order, linktype=113)
        + block(order, 0xBAD, b"custom or unknown: skipped")
        + epb(order, 0, T0 * 10**6 + 5, b"\x01" * 61, origlen=1500)
        + block(order, 5, b"\0" * 20)  # interface statistics: skipped
        + epb(order, 0, T0 * 10**6 + 6, b"\x02" * 3)
    )
    [chunk] = read_all(data)
    assert chunk.frame.tolist() == [1, 2]
    assert chunk.time_ns.tolist() == [T0 * 10**9 + 5000, T0 * 10**9 + 6000]  # µs by default
    assert chunk.caplen.tolist() == [61, 3] and chunk.origlen.tolist() == [1500, 3]
    assert chunk.linktype.tolist() == [113, 113]
    assert bytes(chunk.data[chunk.offset[0] : chunk.offset[0] + 61]) == b"\x01" * 61
    assert bytes(chunk.data[chunk.offset[1] : chunk.offset[1] + 3]) == b"\x02" * 3
    assert chunk.warnings == []


def test_sections_change_byte_order_and_forget_interfaces() -> None:
    data = (
        shb("<") + idb("<", 1) + idb("<", 101) + epb("<", 1, 10, b"a") + epb("<", 0, 11, b"bb")
        + shb(">", section_length=1234) + idb(">", 228) + epb(">", 0, 12, b"ccc")
    )
    chunks = read_all(data)
    assert joined(chunks, "linktype") == [101, 1, 228]
    assert joined(chunks, "caplen") == [1, 2, 3]
    assert joined(chunks, "time_ns") == [10_000, 11_000, 12_000]


def test_interface_from_a_previous_section_is_unknown() -> None:
    data = shb() + idb() + idb() + epb("<", 1, 0, b"x") + shb() + idb() + epb("<", 1, 0, b"y")
    [chunk] = read_all(data)
    assert len(chunk) == 1
    assert chunk.warnings == [
        f"capture truncated at byte {len(data) - 36} (frame 2): "
        "packet refers to interface 1, but 1 are described"
    ]


@pytest.mark.parametrize(
    ("tsresol", "ts", "expected_ns"),
    [
        (6, 1_500_000, 1_500_000_000),
        (9, 1_500_000_123, 1_500_000_123),
        (3, 1500, 1_500_000_000),
        (0, 2, 2_000_000_000),
        (12, 1_500_000_000_123, 1_500_000_000),  # picoseconds: truncated to ns
        (0x80 | 10, 3 * 1024 + 512, 3_500_000_000),  # 2^-10 s
        (0x80 | 40, (7 << 40) | (1 << 39), 7_500_000_000),  # 2^-40 s
        (0x80 | 0, 9, 9_000_000_000),
    ],
)
def test_timestamp_resolutions(tsresol: int, ts: int, expected_ns: int) -> None:
    [chunk] = read_all(shb() + idb(tsresol=tsresol) + epb("<", 0, ts, b"x"))
    assert chunk.time_ns.tolist() == [expected_ns]


def test_timestamp_offset_in_seconds_is_added() -> None:
    data = shb() + idb(tsresol=9, tsoffset=T0) + idb(tsoffset=-5)
    data += epb("<", 0, 42, b"x") + epb("<", 1, 10**6, b"y")
    [chunk] = read_all(data)
    assert chunk.time_ns.tolist() == [T0 * 10**9 + 42, -4 * 10**9]


@pytest.mark.parametrize("exponent", [19, 28, 29, 64, 100, 127])
def test_absurd_resolutions_do_not_raise(exponent: int) -> None:
    for base in (2, 10):
        out = to_ns(np.array([0, 1, 2**64 - 1], np.uint64), Interface(1, 0, base, exponent))
        assert out.dtype == np.int64 and out[0] == 0


def test_simple_packet_blocks_use_interface_zero_and_have_no_time() -> None:
    data = shb() + idb(linktype=101, snaplen=5) + spb("<", 3, b"abc") + spb("<", 400, b"0123456789")
    data += shb() + idb(linktype=1) + spb("<", 900, b"01234567")  # snaplen 0: unlimited
    chunks = read_all(data)
    # caplen = min(original length, snaplen, room in the block incl. padding)
    assert joined(chunks, "caplen") == [3, 5, 8]
    assert joined(chunks, "origlen") == [3, 400, 900]
    assert joined(chunks, "time_ns") == [0, 0, 0]
    assert joined(chunks, "linktype") == [101, 101, 1]
    [chunk] = chunks
    assert bytes(chunk.data[chunk.offset[1] : chunk.offset[1] + 5]) == b"01234"
    assert chunk.warnings == ["simple packet blocks carry no timestamp: time 0 used"]


@pytest.mark.parametrize("order", ["<", ">"])
def test_obsolete_packet_blocks(order: str) -> None:
    data = shb(order) + idb(order, 0) + idb(order, 108, tsresol=9)
    data += opb(order, 1, 77, b"\x05" * 9) + epb(order, 0, 1, b"z")
    [chunk] = read_all(data)
    assert chunk.linktype.tolist() == [108, 0]
    assert chunk.time_ns.tolist() == [77, 1000]
    assert chunk.caplen.tolist() == [9, 1]
    assert bytes(chunk.data[chunk.offset[0] : chunk.offset[0] + 9]) == b"\x05" * 9


def test_section_without_packets_is_a_valid_empty_capture() -> None:
    chunks = read_all(shb() + idb())
    assert [len(c) for c in chunks] == [0] and chunks[0].warnings == []


def _packets(n: int, size: int = 100, ifid: int = 0) -> bytes:
    return b"".join(epb("<", ifid, T0 * 10**6 + i, bytes([i % 256]) * size) for i in range(n))


@pytest.mark.parametrize("max_records", [1 << 20, 1, 64, 333])
def test_runs_of_equal_blocks_agree_with_single_steps(max_records: int) -> None:
    rng = np.random.default_rng(7)
    sizes = [int(s) for s in rng.choice([60, 100, 100, 100, 1400], 600)] + [100] * 900
    data = shb() + idb() + idb(linktype=113, tsresol=9)
    expected_offsets: list[int] = []
    for i, size in enumerate(sizes):
        if i == 1000:
            data += idb(linktype=228)  # a new interface mid-way ends the current part
        expected_offsets.append(len(data) + 28)
        data += epb("<", i % 2 if i < 1200 else 2, 10**6 + i, b"\x07" * size)
    chunks = read_all(data, max_records=max_records)
    assert joined(chunks, "frame") == list(range(1, len(sizes) + 1))
    assert joined(chunks, "offset") == expected_offsets
    assert joined(chunks, "caplen") == sizes
    expected_lt = [(1, 113)[i % 2] if i < 1200 else 228 for i in range(len(sizes))]
    assert joined(chunks, "linktype") == expected_lt
    expected_t = [(10**6 + i) * (1000 if i % 2 == 0 or i >= 1200 else 1) for i in range(len(sizes))]
    assert joined(chunks, "time_ns") == expected_t
    assert all(len(c) <= max_records for c in chunks)


def _corrupt(data: bytes, at: int, fmt: str, value: int) -> bytes:
    out = bytearray(data)
    struct.pack_into(fmt, out, at, value)
    return bytes(out)


HEAD = shb() + idb()
P = _packets(1)  # one 132-byte enhanced packet block


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (HEAD + P + P[:-10], "block of 132 bytes runs past the end of the file"),
        (HEAD + P + P[:10], "block header cut short (10 bytes left)"),
        (HEAD + P + _corrupt(P, 128, "<I", 136), "block trailer length 136 != 132"),
        (HEAD + P + _corrupt(P, 4, "<I", 8), "block length 8 is invalid"),
        (HEAD + P + _corrupt(P, 4, "<I", 130), "block length 130 is invalid"),
        (HEAD + P + _corrupt(P, 4, "<I", 0xFFFFFFFC), "runs past the end of the file"),
        (HEAD + P + _corrupt(P, 20, "<I", 0xFFFFFFF0),
         "packet claims 4294967280 captured bytes in a 132-byte block"),
        (HEAD + P + _corrupt(P, 20, "<I", 101), "packet claims 101 captured bytes"),
        (HEAD + P + _corrupt(P, 8, "<I", 1), "packet refers to interface 1, but 1 are described"),
        (HEAD + P + block("<", 6, b"\0" * 8), "packet block length 20 is too short"),
        (HEAD + P + block("<", 3, b""), "simple packet block length 12 is too short"),
        (HEAD + P + _corrupt(shb(), 8, "<I", 0x12345678), "no valid byte-order magic"),
        (HEAD + P + _corrupt(shb(), 12, "<H", 2), "unsupported pcapng version 2.0"),
        (HEAD + P + spb("<", 1, b"x")[:-4] + P, "block trailer length"),
    ],
)
def test_broken_block_after_a_packet_keeps_that_packet(data: bytes, why: str) -> None:
    chunks = read_all(data)
    assert joined(chunks, "frame") == [1]
    [warning] = [w for c in chunks for w in c.warnings]
    assert warning.startswith(f"capture truncated at byte {len(HEAD) + len(P)} (frame 2): ")
    assert why in warning


def test_broken_block_inside_a_run_stops_there() -> None:
    data = HEAD + _packets(300) + _corrupt(P, 20, "<I", 5000) + _packets(10)
    chunks = read_all(data)
    assert len(joined(chunks, "frame")) == 300
    assert "(frame 301): packet claims 5000 captured bytes" in chunks[-1].warnings[0]


def test_simple_packet_block_before_any_interface() -> None:
    [chunk] = read_all(shb() + spb("<", 1, b"x"))
    assert len(chunk) == 0
    assert "simple packet block before any interface description" in chunk.warnings[0]


REST = idb() + P


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (shb()[:20], "section header block cut short"),
        (shb()[:20] + REST, "block trailer length"),
        (_corrupt(shb(), 8, "<I", 0) + REST, "no valid byte-order magic"),
        (_corrupt(shb(), 4, "<I", 29) + REST, "block length 29 is invalid"),
        (_corrupt(shb(), 4, "<I", 1 << 20) + REST, "runs past the end of the file"),
        (_corrupt(shb(), 24, "<I", 32) + REST, "block trailer length 32 != 28"),
        (_corrupt(shb(), 12, "<H", 3) + REST, "unsupported pcapng version 3.0"),
    ],
)
def test_broken_first_block_is_a_capture_error(data: bytes, message: str) -> None:
    with pytest.raises(CaptureError, match=r"^not a valid pcapng file: .*" + re.escape(message)):
        read_all(data)


def test_files_written_by_dpkt(tmp_path: Path) -> None:
    path = tmp_path / "dpkt.pcapng"
    with path.open("wb") as fh:
        writer = dpkt.pcapng.Writer(fh, linktype=dpkt.pcap.DLT_EN10MB)
        for i in range(20):
            writer.writepkt(b"\x22" * (60 + i), ts=1_650_000_000.25 + i)
    with open_capture(path) as cf:
        [chunk] = list(iter_records(cf))
        assert chunk.caplen.tolist() == [60 + i for i in range(20)]
        assert chunk.linktype.tolist() == [1] * 20
        assert abs(int(chunk.time_ns[3]) - 1_650_000_003_250_000_000) <= 1000
        del chunk


@pytest.mark.corpus
def test_pcapng_behind_a_pcap_name_is_read_as_pcapng(corpus: Path) -> None:
    with open_capture(corpus / "nonvoip-http-on-sip-port-5060_ndpi.pcap") as cf:
        [chunk] = list(iter_records(cf))
        assert len(chunk) == 4 and chunk.linktype.tolist() == [1] * 4
        del chunk


@pytest.mark.corpus
def test_two_interfaces_with_different_resolutions(corpus: Path) -> None:
    # capinfos: interface 0 has ns timestamps (214 packets), interface 1 µs (148 packets);
    # first packet 2023-06-25 09:23:22.250009194, last 2023-10-16 15:08:56.608486 (UTC).
    with open_capture(corpus / "webrtc-google-meet-2ifaces-ipv4-ipv6-dtls-srtp_ndpi.pcapng") as cf:
        [chunk] = list(iter_records(cf))
        assert len(chunk) == 362
        assert int(chunk.time_ns.min()) == 1_687_685_002_250_009_194
        assert int(chunk.time_ns.max()) == 1_697_468_936_608_486_000
        del chunk
