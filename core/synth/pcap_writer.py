"""Write UDP frames as a pcap (µs) or pcapng (SHB + IDB + EPB) capture, vectorized.

Records of equal length are built as one (k, R) array each and placed into the
output buffer with a strided view; a batch is written with a single ``write``.
Formats: libpcap (wiki.wireshark.org/Development/LibpcapFileFormat) and
pcapng (draft-ietf-opsawg-pcapng §4.1-4.3), both little-endian, link type Ethernet.
"""

from __future__ import annotations

import struct
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, Literal

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

from callscope.core.synth.frames import Link, UdpFrames, encode_headers

CaptureFormat = Literal["pcap", "pcapng"]
LINKTYPE_ETHERNET = 1
SNAPLEN = 65535
PCAP_RECORD_HEADER = 16
EPB_OVERHEAD = 32  # block type, length, interface, ts high/low, caplen, origlen, length


def file_header(fmt: CaptureFormat, ts_resolution: int = 6) -> bytes:
    """The bytes before the first record: pcap global header, or pcapng SHB + IDB.

    ``ts_resolution`` (pcapng only) is the decimal exponent of the time unit: 6 = µs
    (the default, no option written) or 9 = ns (``if_tsresol`` option).
    """
    if fmt == "pcap":
        return struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, SNAPLEN, LINKTYPE_ETHERNET)
    shb = struct.pack("<IIIHHq", 0x0A0D0D0A, 28, 0x1A2B3C4D, 1, 0, -1) + struct.pack("<I", 28)
    options = b""
    if ts_resolution != 6:
        options = struct.pack("<HHB3x", 9, 1, ts_resolution) + struct.pack("<HH", 0, 0)
    idb_len = 20 + len(options)
    idb = struct.pack("<IIHHI", 1, idb_len, LINKTYPE_ETHERNET, 0, SNAPLEN) + options
    return shb + idb + struct.pack("<I", idb_len)


def _record_headers(fmt: CaptureFormat, ticks: NDArray[np.int64], frame_len: int,
                    block_len: int) -> NDArray[np.uint8]:
    """Per-record headers (k, 16) for pcap or (k, 28) for an EPB, little-endian."""
    k = len(ticks)
    if fmt == "pcap":
        words = np.empty((k, 4), dtype="<u4")
        words[:, 0] = ticks // 1_000_000
        words[:, 1] = ticks % 1_000_000
        words[:, 2:] = frame_len
    else:
        words = np.empty((k, 7), dtype="<u4")
        words[:, 0] = 6
        words[:, 1] = block_len
        words[:, 2] = 0
        words[:, 3] = ticks >> 32
        words[:, 4] = ticks & 0xFFFFFFFF
        words[:, 5:] = frame_len
    return words.view(np.uint8).reshape(k, -1)


def encode_records(frames: UdpFrames, link: Link, fmt: CaptureFormat, first_ip_id: int = 0,
                   ts_resolution: int = 6) -> NDArray[np.uint8]:
    """The records of ``frames`` (in their order) as one flat uint8 buffer."""
    n = len(frames)
    if n == 0:
        return np.zeros(0, dtype=np.uint8)
    headers = encode_headers(frames, link, first_ip_id)
    hlen = headers.shape[1]
    plen = frames.payload.length
    frame_len = hlen + plen
    if fmt == "pcap":
        pre, rec_len = PCAP_RECORD_HEADER, PCAP_RECORD_HEADER + frame_len
    else:
        pre, rec_len = EPB_OVERHEAD - 4, EPB_OVERHEAD + (frame_len + 3) // 4 * 4
    ticks = frames.time_ns // (10 ** (9 - ts_resolution)) if fmt == "pcapng" else \
        frames.time_ns // 1000
    widths = np.unique(plen)
    out: NDArray[np.uint8] | None = None
    if len(widths) > 1:
        starts = np.zeros(n, dtype=np.int64)
        starts[1:] = np.cumsum(rec_len)[:-1]
        out = np.empty(int(starts[-1] + rec_len[-1]), dtype=np.uint8)
    for width in widths:
        idx = np.flatnonzero(plen == width) if out is not None else np.arange(n)
        flen, rlen = hlen + int(width), int(rec_len[idx[0]])
        rec = np.empty((len(idx), rlen), dtype=np.uint8)
        rec[:, :pre] = _record_headers(fmt, ticks[idx], flen, rlen)
        rec[:, pre : pre + hlen] = headers[idx]
        rec[:, pre + hlen : pre + flen] = frames.payload.gather(idx, int(width))
        if fmt == "pcapng":
            rec[:, pre + flen : rlen - 4] = 0
            rec[:, rlen - 4 :] = np.array([rlen], dtype="<u4").view(np.uint8)
        if out is None:
            return rec.reshape(-1)
        sliding_window_view(out, rlen, writeable=True)[starts[idx]] = rec
    assert out is not None
    return out


class CaptureWriter:
    """Appends batches of UDP frames to a capture file; batches must be in time order.

    Use as a context manager; ``packets`` counts records written so far.
    """

    def __init__(self, path: str | Path, fmt: CaptureFormat = "pcap", link: Link | None = None,
                 ts_resolution: int = 6) -> None:
        if fmt not in ("pcap", "pcapng"):
            raise ValueError(f"unknown capture format {fmt!r}: use pcap or pcapng")
        if ts_resolution not in (6, 9) or (fmt == "pcap" and ts_resolution != 6):
            raise ValueError("timestamp resolution must be 6 (µs), or 9 (ns) with pcapng")
        self.fmt: CaptureFormat = fmt
        self.link = link or Link()
        self.ts_resolution = ts_resolution
        self.packets = 0
        self._file: BinaryIO = open(path, "wb")  # noqa: SIM115 (closed in close())
        self._file.write(file_header(fmt, ts_resolution))

    def write(self, frames: UdpFrames) -> None:
        """Frame and append one batch with a single file write."""
        buf = encode_records(frames, self.link, self.fmt, self.packets, self.ts_resolution)
        self._file.write(buf.data)
        self.packets += len(frames)

    def close(self) -> None:
        """Flush and close the file."""
        self._file.close()

    def __enter__(self) -> CaptureWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def write_capture(path: str | Path, frames: UdpFrames, fmt: CaptureFormat = "pcap",
                  link: Link | None = None) -> None:
    """Write ``frames`` (already in time order) as a whole capture file."""
    with CaptureWriter(path, fmt, link) as writer:
        writer.write(frames)
