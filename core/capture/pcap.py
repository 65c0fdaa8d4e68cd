"""Classic pcap (libpcap) files: find every record, hand them out as RecordIndex chunks.

Layout (draft-ietf-opsawg-pcap): a 24-byte file header, then records of a 16-byte
header (ts_sec, ts_frac, caplen, origlen) followed by ``caplen`` bytes. The walk only
reads caplen; runs of equal caplen (typical RTP) are verified with a strided numpy
view instead of a Python step per record; all header fields are gathered vectorized.
"""

from __future__ import annotations

import struct
from array import array
from collections.abc import Callable, Generator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from callscope.core.capture.records import RecordIndex, WalkEnd, Window
from callscope.core.capture.stride_guess import StrideGuess
from callscope.core.errors import CaptureError
from callscope.core.progress import CancelToken

FILE_HEADER = 24
RECORD_HEADER = 16
MAX_CAPLEN = 262144
"""Largest believable caplen (Wireshark's standard maximum); above it the file is broken."""

LINKTYPE_MASK = 0x03FFFFFF
"""The link type proper; the upper bits carry FCS information (draft-ietf-opsawg-pcap §4)."""

MAGICS: dict[bytes, tuple[str, int]] = {
    bytes.fromhex("d4c3b2a1"): ("<", 1000),  # microseconds, little endian
    bytes.fromhex("a1b2c3d4"): (">", 1000),
    bytes.fromhex("4d3cb2a1"): ("<", 1),  # nanoseconds
    bytes.fromhex("a1b23c4d"): (">", 1),
}
"""Magic number → (byte order, ns per timestamp fraction unit)."""

_CANCEL_EVERY = 1 << 16
HEADER_ITEM = np.dtype("V16")


@dataclass(frozen=True)
class PcapHeader:
    """What the file header says, once decoded."""

    order: str  # "<" or ">"
    ns_per_unit: int  # 1000 for microsecond files, 1 for nanosecond files
    linktype: int
    swapped_lengths: bool  # version < 2.3: caplen and origlen are stored the other way round
    maybe_swapped: bool  # version 2.3: either order was written; caplen is the smaller


def parse_header(data: NDArray[np.uint8]) -> PcapHeader:
    """Decode the 24-byte file header; CaptureError if it is missing or unusable."""
    if data.shape[0] < FILE_HEADER:
        raise CaptureError(
            f"truncated file header (pcap needs {FILE_HEADER} bytes, file has {data.shape[0]})"
        )
    head = data[:FILE_HEADER].tobytes()
    if head[:4] not in MAGICS:
        raise CaptureError(f"not a pcap file (magic 0x{head[:4].hex()})")
    order, ns_per_unit = MAGICS[head[:4]]
    major, minor, _zone, _sigfigs, _snaplen, network = struct.unpack(order + "HHiIII", head[4:])
    if major < 2:
        raise CaptureError(f"unsupported pcap version {major}.{minor}")
    return PcapHeader(
        order=order,
        ns_per_unit=ns_per_unit,
        linktype=network & LINKTYPE_MASK,
        swapped_lengths=major == 2 and minor < 3,
        maybe_swapped=major == 2 and minor == 3,
    )


def iter_pcap(
    data: NDArray[np.uint8],
    *,
    max_records: int,
    cancel: CancelToken | None = None,
    window: Window | None = None,
) -> Generator[RecordIndex, None, WalkEnd]:
    """Yield the records of a pcap held in ``data`` in chunks of at most ``max_records``.

    Always yields at least one chunk. A record running past the end of the file or
    with an absurd caplen ends the walk with a warning; the records before it stay.
    With a ``window`` (``data`` is a file header then a slice of a streamed file) a
    record cut by the window's end stops the walk quietly. Returns where it stopped.
    """
    hdr = parse_header(data)
    window = window or Window()
    walker = _Walker(data, hdr, cancel, window)
    first_frame = window.first_frame
    while True:
        segments, n = walker.walk(max_records)
        if n or first_frame == window.first_frame or walker.warnings:
            yield _chunk(data, hdr, segments, n, first_frame, walker.take_warnings())
        first_frame += n
        if walker.done:
            return WalkEnd(walker.pos, data[:FILE_HEADER].tobytes(), walker.cut)


@dataclass(frozen=True)
class _Run:
    """``count`` consecutive records of equal size, the first at ``start``.

    ``headers`` are their 16-byte record headers, copied while the run was checked
    (one pass over those bytes instead of two).
    """

    start: int
    stride: int
    count: int
    headers: NDArray[np.void]


_Segment = _Run | NDArray[np.int64]  # a run, or record positions found one by one


class _Walker:
    """Walks record headers from the file start; remembers where it stopped.

    Records are stepped through one by one until several in a row have the same caplen;
    then a strided view checks the caplens of a whole window at once (see StrideGuess).
    """

    def __init__(self, data: NDArray[np.uint8], hdr: PcapHeader, cancel: CancelToken | None,
                 window: Window):
        self.buf = data.data  # a memoryview of the same bytes
        self.end = int(data.shape[0])
        self.pos = FILE_HEADER
        self.window = window
        self.cut = False  # stopped by the end of a partial window
        self.frame = window.first_frame  # frame number of the record at self.pos
        self.done = False
        self.warnings: list[str] = []
        self.cancel = cancel
        self.hdr = hdr
        self.cap_off = 12 if hdr.swapped_lengths else 8
        self.cap_dtype = np.dtype(hdr.order + "u4")
        self.read_caplen = _reader(hdr)
        self.guess = StrideGuess()

    def take_warnings(self) -> list[str]:
        """The warnings collected so far (then forgotten)."""
        out, self.warnings = self.warnings, []
        return out

    def walk(self, limit: int) -> tuple[list[_Segment], int]:
        """The next ≤ ``limit`` valid records, as segments, and their count."""
        segments: list[_Segment] = []
        n = 0
        while n < limit and not self.done:
            if self.cancel is not None:
                self.cancel.raise_if_cancelled()
            loose, run_caplen = self._step(min(limit - n, _CANCEL_EVERY))
            if loose.shape[0]:
                segments.append(loose)
                n += int(loose.shape[0])
            if run_caplen >= 0 and n < limit:
                run = self._run(run_caplen, limit - n)
                segments.append(run)
                n += run.count
        return segments, n

    def _step(self, quota: int) -> tuple[NDArray[np.int64], int]:
        """Step through ≤ ``quota`` records; stop early at a run of equal caplens.

        Returns their positions and the run's caplen (-1 if no run was found); the
        run's first record is the one at ``self.pos`` afterwards.
        """
        out = array("q")
        append = out.append
        buf, end, read, off = self.buf, self.end, self.read_caplen, self.cap_off
        need = self.guess.need
        pos, last, same, run_caplen = self.pos, -1, 0, -1
        for _ in range(quota):
            try:
                (c,) = read(buf, pos + off)
            except struct.error:  # fewer than 4 bytes left where the caplen should be
                if self.window.partial:
                    self.cut = True
                elif pos != end:
                    self._stop(pos, len(out), f"record header cut short ({end - pos} of 16 bytes)")
                self.done = True
                break
            nxt = pos + RECORD_HEADER + c
            if c > MAX_CAPLEN or (nxt > end and not self.window.partial):
                self._stop(pos, len(out), self._why(pos, c))
                break
            if nxt > end:  # the rest of this record is in the next window
                self.done = self.cut = True
                break
            if c == last:
                same += 1
                if same >= need:
                    run_caplen = c
                    break
            else:
                last, same = c, 0
            append(pos)
            pos = nxt
        self.pos = pos
        self.frame += len(out)
        return np.frombuffer(out, np.int64).copy(), run_caplen

    def _run(self, c: int, limit: int) -> _Run:
        """Take the records from ``self.pos`` that all have caplen ``c`` (at least one)."""
        stride = RECORD_HEADER + c
        want = min(self.guess.window, limit, (self.end - self.pos) // stride)
        headers = np.ndarray((want,), HEADER_ITEM, self.buf, self.pos, (stride,)).copy()
        caplens = self._caplens(headers)
        bad = np.flatnonzero(caplens != c)
        k = int(bad[0]) if bad.shape[0] else want
        self.guess.settle(k, want)
        run = _Run(self.pos, stride, k, headers[:k])
        self.pos += k * stride
        self.frame += k
        return run

    def _caplens(self, headers: NDArray[np.void]) -> NDArray[np.uint32]:
        """The caplen field of copied record headers (the smaller length if ambiguous)."""
        words: NDArray[np.uint32] = headers.view(self.cap_dtype).reshape(-1, 4)
        if self.hdr.maybe_swapped:
            return np.minimum(words[:, 2], words[:, 3])
        return words[:, self.cap_off // 4]

    def _why(self, pos: int, c: int) -> str:
        if pos + RECORD_HEADER > self.end:
            return f"record header cut short ({self.end - pos} of 16 bytes)"
        if c > MAX_CAPLEN:
            return f"record claims {c} captured bytes (limit {MAX_CAPLEN})"
        return f"record of {c} bytes runs past the end of the file"

    def _stop(self, pos: int, n: int, why: str) -> None:
        self.done = True
        at = pos + self.window.origin
        self.warnings.append(f"capture truncated at byte {at} (frame {self.frame + n}): {why}")


def _reader(hdr: PcapHeader) -> Callable[[memoryview, int], tuple[int]]:
    """``read(buf, offset) -> (caplen,)`` for the walk, at offset + ``cap_off``."""
    if not hdr.maybe_swapped:
        return struct.Struct(hdr.order + "I").unpack_from
    pair = struct.Struct(hdr.order + "II").unpack_from

    def smaller_of_both(buf: memoryview, offset: int) -> tuple[int]:
        return (min(pair(buf, offset)),)  # offset is the record's +8: both length fields

    return smaller_of_both


def _chunk(
    data: NDArray[np.uint8],
    hdr: PcapHeader,
    segments: list[_Segment],
    n: int,
    first_frame: int,
    warnings: list[str],
) -> RecordIndex:
    """Gather the 16-byte record headers of ``segments`` into RecordIndex columns."""
    if n:
        rows = np.concatenate([_headers(data, s) for s in segments])
        fields = rows.view(np.dtype(hdr.order + "u4")).reshape(n, 4)
        positions = np.concatenate(
            [s if isinstance(s, np.ndarray) else s.start + s.stride * np.arange(s.count)
             for s in segments]
        )
        a = fields[:, 2].astype(np.int64)
        b = fields[:, 3].astype(np.int64)
        if hdr.maybe_swapped:
            caplen, origlen = np.minimum(a, b), np.maximum(a, b)
        elif hdr.swapped_lengths:
            caplen, origlen = b, a
        else:
            caplen, origlen = a, b
        time_ns = fields[:, 0].astype(np.int64) * 1_000_000_000
        time_ns += fields[:, 1].astype(np.int64) * hdr.ns_per_unit
    else:
        positions = caplen = origlen = time_ns = np.zeros(0, np.int64)
    return RecordIndex(
        data=data,
        frame=np.arange(first_frame, first_frame + n, dtype=np.int64),
        time_ns=time_ns,
        offset=positions + RECORD_HEADER,
        caplen=caplen.astype(np.int32),
        origlen=origlen,
        linktype=np.full(n, hdr.linktype, np.int32),
        warnings=warnings,
    )


def _headers(data: NDArray[np.uint8], segment: _Segment) -> NDArray[np.void]:
    """The record headers of one segment as 16-byte items, shape (k,)."""
    if isinstance(segment, np.ndarray):
        every = np.ndarray((data.shape[0] - RECORD_HEADER + 1,), HEADER_ITEM, data.data, 0, (1,))
        return every[segment]
    return segment.headers
