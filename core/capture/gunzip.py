"""Decompress a gzip file piece by piece: every member, truncation and trailing data noted."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import BinaryIO

from callscope.core.errors import CaptureError

CHUNK = 1 << 20
"""Read/decompress step in bytes (1 MiB)."""

GZIP_MAGIC = b"\x1f\x8b"


def read_chunk(fh: BinaryIO) -> bytes:
    """Up to 1 MiB from ``fh``; an OSError (e.g. EIO) becomes CaptureError."""
    try:
        return fh.read(CHUNK)
    except OSError as exc:
        raise CaptureError(f"read error: {exc.strerror or exc}") from None


def format_size(n: int) -> str:
    """A byte count for messages: ``8 GiB``, ``1.5 MiB``, ``300 bytes``."""
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n >= 1 << shift:
            return f"{n / (1 << shift):g} {unit}"
    return f"{n} bytes"


def gunzip_pieces(
    fh: BinaryIO, warnings: list[str], *, limit: int | None = None
) -> Iterator[bytes]:
    """The decompressed bytes of every gzip member of ``fh``, ≤ 1 MiB per piece.

    Appends to ``warnings`` what a reader should hear (truncated stream, trailing
    garbage). A corrupt stream (bad header, bad deflate data, CRC mismatch), or more
    than ``limit`` decompressed bytes, raises CaptureError.
    """
    total = 0
    dec = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    pending = b""  # compressed input not yet consumed
    at_eof = False
    while True:
        if not pending and not at_eof:
            pending = read_chunk(fh)
            at_eof = not pending
        room = CHUNK if limit is None else min(CHUNK, limit - total + 1)
        try:  # b"" input still drains output zlib holds back because of max_length
            piece = dec.decompress(pending, room)
        except zlib.error as exc:
            raise CaptureError(f"corrupt gzip data ({exc})") from None
        total += len(piece)
        if limit is not None and total > limit:
            raise CaptureError(f"compressed capture expands beyond {format_size(limit)}; refusing")
        if piece:
            yield piece
        pending = dec.unconsumed_tail
        if dec.eof:
            pending = dec.unused_data + pending
            if not pending and not at_eof:
                pending = read_chunk(fh)
                at_eof = not pending
            if not pending:
                return
            if not pending.startswith(GZIP_MAGIC):
                warnings.append("trailing data after the gzip stream ignored")
                return
            dec = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # the next gzip member
        elif at_eof and not pending and not piece:
            if not total:
                raise CaptureError("truncated gzip file: nothing could be decompressed")
            warnings.append(
                f"gzip stream truncated after {total} decompressed bytes; "
                "reading what was recovered"
            )
            return
