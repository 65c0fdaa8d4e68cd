"""Classic pcap: every magic/byte order, old versions, runs vs. the step walk, broken tails."""

from __future__ import annotations

import gzip
import re
import struct
import time
from pathlib import Path

import dpkt
import numpy as np
import pytest

from callscope.core.capture.formats import iter_records
from callscope.core.capture.records import RecordIndex
from callscope.core.capture.source import CaptureFile, open_capture
from callscope.core.capture.stride_guess import MAX_NEED, RUN_START, StrideGuess
from callscope.core.errors import CancelledError, CaptureError
from callscope.core.progress import CancelToken

Record = tuple[int, int, bytes, int]  # ts_sec, ts_frac, captured bytes, original length


def pcap_bytes(
    records: list[Record],
    *,
    order: str = "<",
    nano: bool = False,
    linktype: int = 1,
    version: tuple[int, int] = (2, 4),
    swap_lengths: bool = False,
) -> bytes:
    """A pcap file; ``swap_lengths`` writes origlen before caplen (pre-2.3 layout)."""
    magic = 0xA1B23C4D if nano else 0xA1B2C3D4
    out = [struct.pack(order + "IHHiIII", magic, *version, 0, 0, 65535, linktype)]
    for sec, frac, data, origlen in records:
        lengths = (origlen, len(data)) if swap_lengths else (len(data), origlen)
        out.append(struct.pack(order + "IIII", sec, frac, *lengths) + data)
    return b"".join(out)


def in_memory(data: bytes) -> CaptureFile:
    """A CaptureFile over bytes, as open_capture makes for a decompressed file."""
    return CaptureFile(Path("mem.pcap"), data, compressed=False, size_on_disk=len(data))


def read_all(data: bytes, **kwargs: int) -> list[RecordIndex]:
    return list(iter_records(in_memory(data), **kwargs))


def joined(chunks: list[RecordIndex], name: str) -> np.ndarray:
    return np.concatenate([getattr(c, name) for c in chunks])


def reference_walk(data: bytes) -> list[tuple[int, int]]:
    """(offset, caplen) of every whole record: the obvious, slow way."""
    out, pos = [], 24
    while pos + 16 <= len(data):
        (caplen,) = struct.unpack_from("<I", data, pos + 8)
        if pos + 16 + caplen > len(data):
            break
        out.append((pos + 16, caplen))
        pos += 16 + caplen
    return out


RECORDS: list[Record] = [
    (1_700_000_000, 1, b"\x01" * 60, 60),
    (1_700_000_001, 999_999, b"\x02" * 14, 1514),
    (4_000_000_000, 500, b"", 0),
]


@pytest.mark.parametrize("order", ["<", ">"])
@pytest.mark.parametrize("nano", [False, True])
def test_every_magic_and_byte_order(order: str, nano: bool) -> None:
    data = pcap_bytes(RECORDS, order=order, nano=nano, linktype=113)
    [chunk] = read_all(data)
    unit = 1 if nano else 1000
    assert chunk.frame.tolist() == [1, 2, 3]
    assert chunk.time_ns.tolist() == [s * 10**9 + f * unit for s, f, _, _ in RECORDS]
    assert chunk.caplen.tolist() == [60, 14, 0]
    assert chunk.origlen.tolist() == [60, 1514, 0]
    assert chunk.offset.tolist() == [40, 40 + 60 + 16, 40 + 60 + 16 + 14 + 16]
    assert chunk.linktype.tolist() == [113] * 3
    assert chunk.time_ns.dtype == np.int64 and chunk.caplen.dtype == np.int32
    assert chunk.data.tobytes() == data and chunk.file_offset == 0
    assert chunk.warnings == []
    assert bytes(chunk.data[chunk.offset[1] : chunk.offset[1] + 14]) == b"\x02" * 14


def test_fcs_bits_of_the_link_type_are_masked() -> None:
    [chunk] = read_all(pcap_bytes(RECORDS, linktype=0x1 | 0x04000000 | 0x20000000))
    assert chunk.linktype.tolist() == [1, 1, 1]


@pytest.mark.parametrize(("stored", "expected"), [(12, 101), (14, 101), (101, 101), (228, 228)])
def test_os_specific_raw_dlt_becomes_linktype_raw(stored: int, expected: int) -> None:
    [chunk] = read_all(pcap_bytes(RECORDS, linktype=stored))
    assert chunk.linktype.tolist() == [expected] * 3


def test_versions_before_2_3_store_the_lengths_swapped() -> None:
    data = pcap_bytes(RECORDS, version=(2, 2), swap_lengths=True)
    [chunk] = read_all(data)
    assert chunk.caplen.tolist() == [60, 14, 0]
    assert chunk.origlen.tolist() == [60, 1514, 0]


def test_version_2_3_takes_the_smaller_length_as_caplen() -> None:
    records = RECORDS[:2] * 10  # long enough to walk as a run too
    plain = pcap_bytes(records[:10], version=(2, 3))
    swapped = pcap_bytes(records[10:], version=(2, 3), swap_lengths=True)[24:]
    [chunk] = read_all(plain + swapped)
    assert chunk.caplen.tolist() == [60, 14] * 10
    assert chunk.origlen.tolist() == [60, 1514] * 10


def test_version_1_is_refused() -> None:
    with pytest.raises(CaptureError, match=r"unsupported pcap version 1\.0"):
        read_all(pcap_bytes(RECORDS, version=(1, 0)))


def test_header_only_is_a_valid_empty_capture() -> None:
    chunks = read_all(pcap_bytes([]))
    assert [len(c) for c in chunks] == [0]
    assert chunks[0].warnings == []


def test_chunks_are_bounded_and_frames_continue() -> None:
    records = [(i, 0, bytes([i]) * (i % 7), i % 7) for i in range(10)]
    chunks = read_all(pcap_bytes(records), max_records=3)
    assert [len(c) for c in chunks] == [3, 3, 3, 1]
    assert joined(chunks, "frame").tolist() == list(range(1, 11))
    assert joined(chunks, "time_ns").tolist() == [i * 10**9 for i in range(10)]
    assert all(c.data is chunks[0].data for c in chunks)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("max_records", [1 << 20, 97])
def test_runs_and_single_steps_agree_with_a_reference_walk(seed: int, max_records: int) -> None:
    rng = np.random.default_rng(seed)
    caplens: list[int] = []
    while len(caplens) < 3000:  # runs of every length, some long enough to be guessed
        caplens += [int(rng.integers(0, 300))] * int(rng.choice([1, 2, 5, 40, 300, 1000]))
    records = [(i, i % 1000, bytes([i % 251]) * c, c + 4) for i, c in enumerate(caplens)]
    data = pcap_bytes(records)
    chunks = read_all(data, max_records=max_records)
    expected = reference_walk(data)
    assert list(zip(joined(chunks, "offset").tolist(), joined(chunks, "caplen").tolist(),
                    strict=True)) == expected
    assert joined(chunks, "frame").tolist() == list(range(1, len(expected) + 1))
    assert joined(chunks, "origlen").tolist() == [c + 4 for c in caplens]
    assert joined(chunks, "time_ns").tolist() == [i * 10**9 + (i % 1000) * 1000
                                                  for i in range(len(caplens))]


def _run_of(n: int, caplen: int = 100) -> list[Record]:
    return [(i, 0, b"\xab" * caplen, caplen) for i in range(n)]


@pytest.mark.parametrize("n", [3, 500])  # stepped, and inside a verified run
def test_record_cut_short_keeps_the_frames_before(n: int) -> None:
    data = pcap_bytes(_run_of(n))[:-30]
    chunks = read_all(data)
    assert len(joined(chunks, "frame")) == n - 1
    last = 24 + (n - 1) * 116
    assert chunks[-1].warnings == [
        f"capture truncated at byte {last} (frame {n}): "
        "record of 100 bytes runs past the end of the file"
    ]


def test_record_header_cut_short() -> None:
    data = pcap_bytes(_run_of(2)) + b"\0" * 7
    [chunk] = read_all(data)
    assert len(chunk) == 2
    assert chunk.warnings == [
        f"capture truncated at byte {len(data) - 7} (frame 3): "
        "record header cut short (7 of 16 bytes)"
    ]


@pytest.mark.parametrize("n", [0, 3, 500])
def test_absurd_caplen_stops_before_allocating(n: int) -> None:
    data = bytearray(pcap_bytes([*_run_of(n), (9, 0, b"\0" * 100, 100), *_run_of(20)]))
    struct.pack_into("<I", data, 24 + n * 116 + 8, 0xFFFFFFF0)  # caplen near 4 GiB
    [chunk] = read_all(bytes(data))
    assert len(chunk) == n
    assert chunk.warnings == [
        f"capture truncated at byte {24 + n * 116} (frame {n + 1}): "
        "record claims 4294967280 captured bytes (limit 262144)"
    ]


def test_warning_after_a_full_chunk_comes_in_an_empty_chunk() -> None:
    chunks = read_all(pcap_bytes(_run_of(4))[:-1], max_records=3)
    assert [len(c) for c in chunks] == [3, 0]
    assert chunks[0].warnings == [] and "frame 4" in chunks[1].warnings[0]


@pytest.mark.parametrize("nano", [False, True])
def test_files_written_by_dpkt(tmp_path: Path, nano: bool) -> None:
    path = tmp_path / "dpkt.pcap"
    with path.open("wb") as fh:
        writer = dpkt.pcap.Writer(fh, linktype=dpkt.pcap.DLT_LINUX_SLL, nano=nano)
        for i in range(50):
            writer.writepkt(b"\x11" * (40 + i % 3), ts=1_600_000_000 + i * 0.02)
    with open_capture(path) as cf:
        [chunk] = list(iter_records(cf))
        assert len(chunk) == 50
        assert chunk.linktype.tolist() == [113] * 50
        assert chunk.caplen.tolist() == [40 + i % 3 for i in range(50)]
        step = np.diff(chunk.time_ns)
        assert np.all(np.abs(step - 20_000_000) <= 1000)
        del chunk


def test_gzipped_pcap_with_a_pcapng_name(tmp_path: Path) -> None:
    path = tmp_path / "misnamed.pcapng"
    path.write_bytes(gzip.compress(pcap_bytes(RECORDS)))
    with open_capture(path) as cf:
        [chunk] = list(iter_records(cf))
        assert chunk.caplen.tolist() == [60, 14, 0]
        del chunk


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty file"),
        (b"\xd4\xc3", "truncated file header"),
        (b"\xd4\xc3\xb2\xa1" + b"\0" * 10, "truncated file header"),
        (b"GET / HTTP/1.1\r\n", "not a capture file (unknown magic 0x47455420)"),
        (b"abc", "not a capture file (unknown magic 0x616263)"),
        (bytes.fromhex("28b52ffd") + b"\0" * 40, "unsupported capture format: zstd"),
        (bytes.fromhex("a1b2cd34") + b"\0" * 40, "modified (Kuznetzov) pcap"),
    ],
)
def test_bad_input_is_one_clear_capture_error(data: bytes, message: str) -> None:
    with pytest.raises(CaptureError, match=re.escape(message)):
        read_all(data)


def test_bad_max_records_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="max_records"):
        read_all(pcap_bytes(RECORDS), max_records=0)


def test_cancel_stops_the_walk() -> None:
    token = CancelToken()
    token.cancel()
    with pytest.raises(CancelledError):
        list(iter_records(in_memory(pcap_bytes(RECORDS)), cancel=token))


def test_cancel_between_chunks() -> None:
    token = CancelToken()
    chunks = iter_records(in_memory(pcap_bytes(_run_of(10))), max_records=4, cancel=token)
    assert len(next(chunks)) == 4
    token.cancel()
    with pytest.raises(CancelledError):
        next(chunks)


def test_stride_guess_waits_longer_after_short_runs() -> None:
    guess = StrideGuess()
    guess.settle(taken=10, checked=64)  # a bet lost early: wait for longer streaks
    assert (guess.need, guess.window) == (2 * RUN_START, 64)
    for _ in range(20):
        guess.settle(taken=3, checked=64)
    assert guess.need == MAX_NEED
    guess.settle(taken=64, checked=64)  # a bet won in full: bet sooner, and further
    assert (guess.need, guess.window) == (MAX_NEED // 2, 128)
    guess.settle(taken=20, checked=20)  # cut short by the chunk limit: nobody's fault
    assert guess.window == 128


def capinfos_packets(text: str) -> int:
    """Exact packet count from capinfos output (per-interface counts, summed)."""
    per_interface = re.findall(r"Number of packets = (\d+)", text)
    assert per_interface
    return sum(int(n) for n in per_interface)


@pytest.mark.corpus
def test_frame_counts_match_capinfos_for_the_whole_corpus(corpus: Path) -> None:
    refs = sorted((corpus / "reference").glob("*.capinfos.txt"))
    assert len(refs) >= 40
    for ref in refs:
        name = ref.name.removesuffix(".capinfos.txt")
        with open_capture(corpus / name) as cf:
            chunks = list(iter_records(cf))
            assert sum(len(c) for c in chunks) == capinfos_packets(ref.read_text()), name
            frames = joined(chunks, "frame")
            assert frames.tolist() == list(range(1, len(frames) + 1)), name
            assert np.all(joined(chunks, "offset") + joined(chunks, "caplen") <= cf.size), name
            warnings = [w for c in chunks for w in c.warnings]
            assert (warnings != []) == name.startswith("broken-truncated"), (name, warnings)
            del chunks


@pytest.mark.corpus
def test_the_truncated_fuzz_file_reads_like_wireshark(corpus: Path) -> None:
    # Version 2.0 header: lengths stored swapped, so caplen 197 / origlen 524501 (capinfos'
    # "inferred snaplen 197"); then 2 stray bytes where the next header should be.
    with open_capture(corpus / "broken-truncated-mid-packet_fuzz-2021-10-13.pcap") as cf:
        [chunk] = list(iter_records(cf))
        assert len(chunk) == 1
        assert (int(chunk.caplen[0]), int(chunk.origlen[0])) == (197, 524501)
        assert chunk.linktype.tolist() == [0]  # NULL/Loopback once the FCS bits are masked
        assert chunk.warnings == [
            "capture truncated at byte 237 (frame 2): record header cut short (2 of 16 bytes)"
        ]
        del chunk


def _write_fixed_pcap(path: Path, n: int, caplen: int) -> None:
    stride = 16 + caplen
    buf = np.zeros(24 + n * stride, np.uint8)
    buf[:24] = np.frombuffer(pcap_bytes([]), np.uint8)
    heads = np.zeros((n, 4), "<u4")
    heads[:, 0] = 1_700_000_000 + np.arange(n) // 50
    heads[:, 1] = np.arange(n) % 50 * 20_000
    heads[:, 2:] = caplen
    buf[24:].reshape(n, stride)[:, :16] = heads.view(np.uint8)
    buf.tofile(path)


@pytest.mark.slow
def test_one_million_fixed_size_records(tmp_path: Path) -> None:
    path = tmp_path / "million.pcap"
    _write_fixed_pcap(path, 1_000_000, 214)
    with open_capture(path) as cf:
        start = time.perf_counter()
        chunks = list(iter_records(cf))
        elapsed = time.perf_counter() - start
        print(f"\niter_records over 1M fixed 214-byte records: {elapsed * 1000:.0f} ms")
        assert sum(len(c) for c in chunks) == 1_000_000
        assert int(chunks[-1].time_ns[-1]) == (1_700_000_000 + 19_999) * 10**9 + 49 * 20_000_000
        assert int(chunks[-1].offset[-1]) == cf.size - 214
        del chunks
