"""RTP and RTCP fixed-header fields of every PacketTable row, as numpy columns.

Read from ``PacketTable.head`` (the first ``HEAD_BYTES`` payload bytes) without any
per-row Python work. Rows that are not RTP get meaningless values: classification
(``classify.py``) decides which rows the fields apply to. Layout: RFC 3550 §5.1
(RTP) and §6.4 (RTCP common header).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from callscope.core.capture.table import PacketTable

RTP_FIXED_HEADER = 12
"""Bytes of the RTP fixed header (RFC 3550 §5.1), before CSRCs and extension."""


@dataclass(frozen=True)
class RtpHeader:
    """Header fields of n rows; every array has shape (n,).

    ``byte1`` is the raw second byte (marker + payload type for RTP, packet type
    for RTCP). ``rtcp_words`` is the RTCP length field (32-bit words minus one).
    ``ext_words`` is the header-extension length in 32-bit words when the
    extension bit is set and the length is inside ``head`` (CSRC count 0), else -1.
    """

    version: NDArray[np.uint8]
    padding: NDArray[np.bool_]
    extension: NDArray[np.bool_]
    csrc_count: NDArray[np.uint8]
    marker: NDArray[np.bool_]
    payload_type: NDArray[np.uint8]
    byte1: NDArray[np.uint8]
    seq: NDArray[np.uint16]
    timestamp: NDArray[np.uint32]
    ssrc: NDArray[np.uint32]
    rtcp_words: NDArray[np.uint16]
    ext_words: NDArray[np.int32]

    def __len__(self) -> int:
        return int(self.version.shape[0])


def _words(head: NDArray[np.uint8], at: int, size: int) -> NDArray[np.generic] | None:
    """Big-endian ``size``-byte words at byte ``at`` of every row as a strided view, or
    None when the layout does not allow one (unaligned column, non-contiguous rows)."""
    if at % size or head.shape[1] % size or not head.flags.c_contiguous or head.shape[0] == 0:
        return None
    words: NDArray[np.generic] = head.view(np.dtype(f">u{size}"))[:, at // size]
    return words


def _be16(head: NDArray[np.uint8], at: int) -> NDArray[np.uint16]:
    """Big-endian uint16 at byte ``at`` of every row."""
    words = _words(head, at, 2)
    if words is not None:
        return words.astype(np.uint16)
    hi = head[:, at].astype(np.uint16)
    return (hi << np.uint16(8)) | head[:, at + 1].astype(np.uint16)


def _be32(head: NDArray[np.uint8], at: int) -> NDArray[np.uint32]:
    """Big-endian uint32 at byte ``at`` of every row."""
    words = _words(head, at, 4)
    if words is None:
        words = np.ascontiguousarray(head[:, at : at + 4]).view(">u4").reshape(-1)
    return words.astype(np.uint32)


def parse_headers(table: PacketTable) -> RtpHeader:
    """Fixed-header fields of every row of ``table`` (vectorized, O(n))."""
    return parse_head(table.head)


def parse_head(head: NDArray[np.uint8]) -> RtpHeader:
    """Fixed-header fields from payloads' first HEAD_BYTES bytes, shape (n, HEAD_BYTES)."""
    b0 = head[:, 0]
    b1 = head[:, 1]
    csrc = (b0 & 0x0F).astype(np.uint8)
    extension = (b0 & 0x10) != 0
    ext_words = np.full(head.shape[0], -1, np.int32)
    known = extension & (csrc == 0)
    ext_words[known] = _be16(head[known], 14).astype(np.int32)
    seq = _be16(head, 2)
    return RtpHeader(
        version=(b0 >> 6).astype(np.uint8),
        padding=(b0 & 0x20) != 0,
        extension=extension,
        csrc_count=csrc,
        marker=(b1 & 0x80) != 0,
        payload_type=(b1 & 0x7F).astype(np.uint8),
        byte1=b1.copy(),
        seq=seq,
        timestamp=_be32(head, 4),
        ssrc=_be32(head, 8),
        rtcp_words=seq.copy(),  # the same two bytes, read as RTCP's length field
        ext_words=ext_words,
    )


def header_lengths(header: RtpHeader, payload: Callable[[int], bytes]) -> NDArray[np.int64]:
    """RTP header length in bytes per row: fixed part, CSRCs and extension.

    Rows with an extension after CSRCs (its length lies beyond ``head``) are read
    through ``payload(row)``: a loop over those rare rows only. A length that
    cannot be read (truncated capture) is returned as ``2**31`` so that the
    "header fits in the packet" test fails, as Wireshark's dissector does.
    """
    length = RTP_FIXED_HEADER + 4 * header.csrc_count.astype(np.int64)
    known = header.extension & (header.ext_words >= 0)
    length[known] += 4 + 4 * header.ext_words[known].astype(np.int64)
    for row in np.flatnonzero(_extension_past_head(header)).tolist():
        at = int(length[row])
        data = payload(row)
        if len(data) >= at + 4:
            length[row] = at + 4 + 4 * int.from_bytes(data[at + 2 : at + 4], "big")
        else:
            length[row] = 2**31
    return length


def _extension_past_head(header: RtpHeader) -> NDArray[np.bool_]:
    """Rows whose extension length lies past ``head`` (after CSRCs): read from the payload."""
    past: NDArray[np.bool_] = header.extension & (header.ext_words < 0)
    return past


def _padding_to_read(header: RtpHeader) -> NDArray[np.bool_]:
    """Version-2 rows with the P bit: their padding count is the payload's last byte."""
    wanted: NDArray[np.bool_] = header.padding & (header.version == 2)
    return wanted


def reads_payload(header: RtpHeader) -> NDArray[np.bool_]:
    """Rows whose payload :func:`header_lengths` or :func:`padding_counts` may read."""
    return _extension_past_head(header) | _padding_to_read(header)


def padding_counts(
    table: PacketTable, header: RtpHeader, payload: Callable[[int], bytes]
) -> NDArray[np.int16]:
    """RTP padding count (the payload's last byte) per row, -1 where unknown or unset.

    Only version-2 rows with the P bit and a fully captured payload are read
    (through ``payload(row)``, a loop over those rows only: padding is rare).
    """
    counts = np.full(len(table), -1, np.int16)
    wanted = _padding_to_read(header) & (table.caplen == table.length)
    wanted &= table.length > 0
    for row in np.flatnonzero(wanted).tolist():
        data = payload(row)
        if data:
            counts[row] = data[-1]
    return counts
