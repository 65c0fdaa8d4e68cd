"""RTP/RTCP fixed-header fields, read as columns from PacketTable.head."""

from __future__ import annotations

import numpy as np
from rtp_factory import Builder, rtcp_rr, rtp

from callscope.core.rtp.header import header_lengths, padding_counts, parse_headers


def _table(*payloads: bytes, caplen: int | None = None):  # type: ignore[no-untyped-def]
    b = Builder()
    for i, p in enumerate(payloads):
        b.add("10.0.0.1", 4000, "10.0.0.2", 5000, p, i * 0.02, caplen=caplen)
    return b.table()


def test_fixed_fields_are_read_big_endian() -> None:
    table = _table(rtp(0xBEEF, 0xDEADBEEF, 0x01020304, 96, marker=True),
                   rtp(1, 2, 0xFFFFFFFF, 0))
    h = parse_headers(table)
    assert h.version.tolist() == [2, 2]
    assert h.marker.tolist() == [True, False]
    assert h.payload_type.tolist() == [96, 0]
    assert h.seq.tolist() == [0xBEEF, 1]
    assert h.timestamp.tolist() == [0xDEADBEEF, 2]
    assert h.ssrc.tolist() == [0x01020304, 0xFFFFFFFF]
    assert h.seq.dtype == np.uint16 and h.ssrc.dtype == np.uint32


def test_rtcp_fields_share_the_columns() -> None:
    table = _table(rtcp_rr(0xCAFE, [(1, 0, 0, 0, 0)]))
    h = parse_headers(table)
    assert h.byte1.tolist() == [201]
    assert h.rtcp_words.tolist() == [7]  # (8 + 24) / 4 - 1
    assert h.timestamp.tolist() == [0xCAFE]  # bytes 4..7: the reporter's SSRC
    assert h.ssrc.tolist() == [1]  # bytes 8..11: the first report block's SSRC


def test_header_length_counts_csrcs_and_extension() -> None:
    plain = rtp(1, 1, 1)
    csrc = rtp(1, 1, 1, csrcs=(7, 8))
    ext = rtp(1, 1, 1, extension=bytes(8))
    both = rtp(1, 1, 1, csrcs=(7,), extension=bytes(12))  # extension length beyond head
    table = _table(plain, csrc, ext, both)
    h = parse_headers(table)
    assert h.ext_words.tolist() == [-1, -1, 2, -1]
    lengths = header_lengths(h, lambda row: table.reassembled[row])
    assert lengths.tolist() == [12, 20, 12 + 4 + 8, 12 + 4 + 4 + 12]


def test_unreadable_extension_length_fails_the_fit() -> None:
    both = rtp(1, 1, 1, csrcs=(7,), extension=bytes(12), payload=b"")
    table = _table(both, caplen=16)
    lengths = header_lengths(parse_headers(table), lambda row: table.reassembled[row])
    assert lengths[0] > int(table.length[0])


def test_padding_count_is_the_last_byte_when_captured() -> None:
    padded = rtp(1, 1, 1, padding=4)
    table = _table(padded, rtp(2, 2, 1))
    counts = padding_counts(table, parse_headers(table), lambda row: table.reassembled[row])
    assert counts.tolist() == [4, -1]
    truncated = _table(padded, caplen=40)
    counts = padding_counts(truncated, parse_headers(truncated),
                            lambda row: truncated.reassembled[row])
    assert counts.tolist() == [-1]
