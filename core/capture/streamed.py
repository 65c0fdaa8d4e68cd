"""A gzip capture read through memory in windows: memory stays flat at any file size.

The decompressed stream is never held whole. Each window is the file header in force
(pcap's 24 bytes; pcapng's section header and interface blocks) followed by the next
slice of the stream; the format walker stops quietly at the record the window's end
cuts, and the next window starts with that record. Chunks come out ``transient``: the
decoders copy out the payloads the analysis reads later (``PayloadFilter``), the rest
is gone with the window. Content access (audio) reads gzip captures whole instead.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO

import numpy as np

from callscope.core.capture import pcap, pcapng
from callscope.core.capture.formats import format_of, normalise_linktypes
from callscope.core.capture.gunzip import gunzip_pieces
from callscope.core.capture.records import RecordIndex, WalkEnd, Window
from callscope.core.capture.source import open_regular
from callscope.core.progress import CancelToken

WINDOW_BYTES = 32 << 20
"""Decompressed bytes walked at a time (a window grows only for a record longer than it)."""
MIN_WINDOW = 4096  # room for any file header a window must start with


class StreamedCapture:
    """A gzip-compressed capture file, walked window by window (see the module doc)."""

    def __init__(self, path: str | os.PathLike[str], *, window_bytes: int | None = None):
        window_bytes = WINDOW_BYTES if window_bytes is None else window_bytes
        if window_bytes < MIN_WINDOW:
            raise ValueError(f"window_bytes must be >= {MIN_WINDOW}")
        self.path = Path(path)
        self._fh: BinaryIO | None = open_regular(self.path)
        self.size_on_disk = os.fstat(self._fh.fileno()).st_size
        self.window_bytes = window_bytes
        self.warnings: list[str] = []  # the gzip layer's, known once it is read to the end

    @property
    def consumed(self) -> int:
        """Compressed bytes read so far (progress)."""
        return self._fh.tell() if self._fh is not None else self.size_on_disk

    def records(
        self, *, max_records: int = 1 << 16, cancel: CancelToken | None = None
    ) -> Iterator[RecordIndex]:
        """Every frame as transient RecordIndex chunks of at most ``max_records`` rows.

        Frame numbers and ``file_offset`` are those of the decompressed file. The gzip
        layer's warnings (a truncated stream...) come in a chunk without frames once the
        stream's end is reached, before the last window's frames.
        """
        assert self._fh is not None, "records() after close()"
        pieces = gunzip_pieces(self._fh, self.warnings)
        pending = bytearray()
        header = b""  # the file header the next window starts with (the file's own first)
        origin = 0  # file position of pending[0]
        frame = 1
        want = self.window_bytes
        more = True
        told = False  # the gzip layer's warnings were handed out
        walk = None
        while True:
            while more and len(pending) < want:
                piece = next(pieces, None)
                more = piece is not None
                pending += piece or b""
            if not more and self.warnings and not told:
                told = True  # as open_capture's warnings, before the frames
                yield _empty(origin, frame, self.warnings)
            if walk is None:  # raises for an empty or unknown stream
                walk = pcap.iter_pcap if format_of(bytes(pending[:4])) == "pcap" \
                    else pcapng.iter_pcapng
            window = Window(origin=origin - len(header), first_frame=frame, partial=more)
            data = np.frombuffer(header + pending, np.uint8)
            end, frames = yield from _windowed(
                walk(data, max_records=max_records, cancel=cancel, window=window), window.origin)
            frame += frames
            taken = end.pos - len(header)
            if not more or not end.cut:
                return
            if taken <= 0:
                want = 2 * len(pending)  # one record longer than the window: read more
                continue
            del pending[:taken]
            origin += taken
            header = end.header
            want = self.window_bytes

    def close(self) -> None:
        """Close the compressed file."""
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def _windowed(
    walk: Generator[RecordIndex, None, WalkEnd], origin: int
) -> Generator[RecordIndex, None, tuple[WalkEnd, int]]:
    """The walk's chunks as transient chunks of the file; its end and the frames seen."""
    frames = 0
    while True:
        try:
            chunk = next(walk)
        except StopIteration as stop:
            return stop.value, frames
        frames += len(chunk)
        yield replace(chunk, linktype=normalise_linktypes(chunk.linktype), file_offset=origin,
                      transient=True)


def _empty(origin: int, frame: int, warnings: list[str]) -> RecordIndex:
    """A chunk without frames that carries ``warnings``."""
    none = np.zeros(0, np.int64)
    return RecordIndex(data=np.zeros(0, np.uint8), frame=none, time_ns=none, offset=none,
                       caplen=np.zeros(0, np.int32), origlen=none,
                       linktype=np.zeros(0, np.int32), file_offset=origin,
                       warnings=list(warnings), transient=True)
