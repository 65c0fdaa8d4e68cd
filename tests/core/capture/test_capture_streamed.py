"""StreamedCapture: a gzip capture walked in windows yields what the whole file yields."""

from __future__ import annotations

import gzip
import struct
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from callscope.core.capture.formats import iter_records
from callscope.core.capture.records import RecordIndex
from callscope.core.capture.source import open_capture
from callscope.core.capture.streamed import StreamedCapture
from callscope.core.errors import CaptureError

DEMO = Path(__file__).resolve().parents[3] / "resources" / "demo.pcap"


def _frames(chunks: list[RecordIndex]) -> list[tuple[int, int, int, int, int, bytes]]:
    """Every frame as (number, time, caplen, origlen, link type, its captured bytes)."""
    out = []
    for ri in chunks:
        for i in range(len(ri)):
            at, n = int(ri.offset[i]), int(ri.caplen[i])
            out.append((int(ri.frame[i]), int(ri.time_ns[i]), n, int(ri.origlen[i]),
                        int(ri.linktype[i]), ri.data[at : at + n].tobytes()))
    return out


def _both(plain: bytes, tmp_path: Path, window: int = 4096
          ) -> tuple[list[RecordIndex], list[RecordIndex]]:
    path, packed = tmp_path / "x.pcap", tmp_path / "x.pcap.gz"
    path.write_bytes(plain)
    packed.write_bytes(gzip.compress(plain))
    with open_capture(path) as cf:  # copies of the bytes, which outlive the file
        whole = [replace(ri, data=ri.data.copy()) for ri in iter_records(cf, max_records=100)]
    stream = StreamedCapture(packed, window_bytes=window)
    streamed = list(stream.records(max_records=100))
    stream.close()
    return whole, streamed


def _warnings(chunks: list[RecordIndex]) -> list[str]:
    return [w for ri in chunks for w in ri.warnings]


def test_frames_and_their_bytes_are_those_of_the_whole_file(tmp_path: Path) -> None:
    whole, streamed = _both(DEMO.read_bytes(), tmp_path)
    assert len(streamed) > 20  # the demo (~500 kB) crossed many 4 KiB windows
    assert _frames(streamed) == _frames(whole)
    assert all(ri.transient for ri in streamed)


def test_pcapng_with_two_sections_streams_like_the_whole_file(data_dir: Path,
                                                              tmp_path: Path) -> None:
    one = (data_dir / "broken-rtp-crasher-1pkt_tcpdump-rtp-seg-fault-1.pcapng").read_bytes()
    two = sorted(data_dir.glob("*.pcapng"))
    plain = b"".join(p.read_bytes() for p in two) + one  # sections follow each other
    whole, streamed = _both(plain, tmp_path)
    assert _frames(streamed) == _frames(whole) and len(_frames(whole)) > 1
    assert _warnings(streamed) == _warnings(whole)


def test_a_record_longer_than_the_window_is_read(tmp_path: Path) -> None:
    header = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    big = bytes(range(256)) * 40  # 10 kB frame, longer than the 4 KiB window
    records = b"".join(struct.pack("<IIII", t, 0, len(p), len(p)) + p
                       for t, p in ((1, b"a" * 60), (2, big), (3, b"b" * 60)))
    whole, streamed = _both(header + records, tmp_path)
    assert [f[2] for f in _frames(streamed)] == [60, len(big), 60]
    assert _frames(streamed) == _frames(whole)


def test_a_broken_record_and_a_cut_stream_are_told_as_for_the_whole_file(
    tmp_path: Path,
) -> None:
    plain = DEMO.read_bytes()
    broken = bytearray(plain)
    with open_capture(DEMO) as cf:
        offsets = np.concatenate([ri.offset for ri in iter_records(cf)]) - 16
    at = int(offsets[offsets > 20_000][0])
    broken[at + 8 : at + 12] = struct.pack("<I", 10**9)  # absurd caplen mid-file
    whole, streamed = _both(bytes(broken), tmp_path)
    assert _frames(streamed) == _frames(whole)
    assert _warnings(streamed) == _warnings(whole) and f"byte {at}" in _warnings(whole)[0]

    packed = tmp_path / "cut.pcap.gz"
    packed.write_bytes(gzip.compress(plain)[: 200_000])  # the gzip stream stops early
    stream = StreamedCapture(packed, window_bytes=4096)
    told = _warnings(list(stream.records()))
    stream.close()
    with open_capture(packed) as cf:
        expected = cf.warnings + _warnings(list(iter_records(cf)))
    assert told == expected and "gzip stream truncated" in told[0]


def test_empty_and_foreign_streams_are_refused(tmp_path: Path) -> None:
    for name, content in (("empty.gz", b""), ("text.gz", b"hello, not a capture")):
        packed = tmp_path / name
        packed.write_bytes(gzip.compress(content))
        stream = StreamedCapture(packed)
        with pytest.raises(CaptureError):
            list(stream.records())
        stream.close()
    with pytest.raises(ValueError):
        StreamedCapture(packed, window_bytes=100)
