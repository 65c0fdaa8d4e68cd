"""Mutated and truncated captures: only CaptureError ever escapes, and chunks stay sane."""

from __future__ import annotations

import gzip
import io
import struct
from pathlib import Path

import dpkt
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callscope.core.capture.formats import iter_records
from callscope.core.capture.source import CaptureFile, open_capture
from callscope.core.errors import CaptureError

FUZZ = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

SIZES = [214] * 30 + [60, 1514, 0, 90] + [214] * 20 + [33] * 9  # runs and odd sizes


def _packets() -> list[tuple[float, bytes]]:
    return [(1_600_000_000 + i * 0.02, bytes([i % 256]) * n) for i, n in enumerate(SIZES)]


def _dpkt_pcap(nano: bool) -> bytes:
    fh = io.BytesIO()
    writer = dpkt.pcap.Writer(fh, linktype=dpkt.pcap.DLT_EN10MB, nano=nano)
    for ts, data in _packets():
        writer.writepkt(data, ts=ts)
    return fh.getvalue()


def _dpkt_pcapng() -> bytes:
    fh = io.BytesIO()
    writer = dpkt.pcapng.Writer(fh, linktype=dpkt.pcap.DLT_LINUX_SLL)
    for ts, data in _packets():
        writer.writepkt(data, ts=ts)
    return fh.getvalue()


SAMPLES = {"pcap": _dpkt_pcap(False), "nsec-pcap": _dpkt_pcap(True), "pcapng": _dpkt_pcapng()}
INTERESTING = [0, 1, 3, 12, 16, 28, 32, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFC, 0xFFFFFFFF, 262145]


@st.composite
def mutated(draw: st.DrawFn, base: bytes) -> bytes:
    """``base`` with a few random edits: byte flips, word overwrites, cuts, inserts."""
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["byte", "word", "truncate", "insert", "delete"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "byte" and data:
            data[at] = draw(st.integers(0, 255))
        elif kind == "word" and len(data) >= 4:
            at = min(at, len(data) - 4)
            order = draw(st.sampled_from("<>"))
            struct.pack_into(order + "I", data, at, draw(st.sampled_from(INTERESTING)))
        elif kind == "truncate":
            del data[at:]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=40))
        else:
            del data[at : at + draw(st.integers(1, 64))]
    return bytes(data)


def _check_reads_sanely(data: bytes, max_records: int) -> int:
    """Read ``data``; a CaptureError is fine (0 frames), anything else fails the test."""
    cf = CaptureFile(Path("fuzz"), data, compressed=False, size_on_disk=len(data))
    try:
        chunks = list(iter_records(cf, max_records=max_records))
    except CaptureError as exc:
        assert str(exc) and "\n" not in str(exc)
        return 0
    assert chunks, "at least one chunk, even for an empty capture"
    next_frame = 1
    for c in chunks:
        n = len(c)
        assert n <= max_records
        for col in (c.time_ns, c.offset, c.caplen, c.origlen, c.linktype):
            assert col.shape == (n,)
        assert c.frame.tolist() == list(range(next_frame, next_frame + n))
        next_frame += n
        assert np.all(c.offset >= 0) and np.all(c.caplen >= 0)
        assert np.all(c.offset + c.caplen <= len(data))
        assert all(isinstance(w, str) and "\n" not in w for w in c.warnings)
    return next_frame - 1


@pytest.mark.parametrize("kind", sorted(SAMPLES))
@FUZZ
@given(data=st.data(), max_records=st.sampled_from([1, 7, 1 << 20]))
def test_mutated_captures_raise_only_capture_errors(
    kind: str, data: st.DataObject, max_records: int
) -> None:
    _check_reads_sanely(data.draw(mutated(SAMPLES[kind])), max_records)


def _block(order: str, btype: int, body: bytes) -> bytes:
    body += b"\0" * (-len(body) % 4)
    length = 12 + len(body)
    return struct.pack(order + "II", btype, length) + body + struct.pack(order + "I", length)


@st.composite
def block_soup(draw: st.DrawFn) -> bytes:
    """A section header and an interface, then well-framed blocks of any type and body."""
    order = draw(st.sampled_from("<>"))
    out = _block(order, 0x0A0D0D0A, struct.pack(order + "IHHq", 0x1A2B3C4D, 1, 0, -1))
    out += _block(order, 1, struct.pack(order + "HHI", 1, 0, draw(st.sampled_from([0, 1, 64]))))
    for _ in range(draw(st.integers(0, 12))):
        btype = draw(st.sampled_from([1, 1, 2, 3, 5, 6, 6, 6, 0x0A0D0D0A, 0x80000001]))
        size = draw(st.sampled_from([0, 4, 8, 16, 20, 24, 28, 32, 48]))  # field boundaries
        out += _block(order, btype, draw(st.binary(min_size=size, max_size=size)))
    return out


@FUZZ
@given(data=block_soup(), max_records=st.sampled_from([1, 3, 1 << 20]))
def test_random_pcapng_blocks_raise_only_capture_errors(data: bytes, max_records: int) -> None:
    _check_reads_sanely(data, max_records)


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_truncations_read_or_fail_cleanly_and_never_gain_frames(kind: str) -> None:
    base = SAMPLES[kind]
    cuts = sorted({*range(0, 120), *range(120, len(base) + 1, 5), len(base)})
    counts = [_check_reads_sanely(base[:cut], 1 << 20) for cut in cuts]
    assert counts == sorted(counts)  # a longer prefix never holds fewer frames
    assert counts[-1] == len(SIZES)


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_mutated_gzip_raises_only_capture_errors(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    path = tmp_path_factory.mktemp("gz") / "fuzz.pcap.gz"
    path.write_bytes(data.draw(mutated(gzip.compress(SAMPLES["pcapng"]))))
    try:
        with open_capture(path, max_decompressed=1 << 20) as cf:
            _check_reads_sanely(cf.data.tobytes(), 1 << 20)
    except CaptureError as exc:
        assert str(exc)
