"""The record index: where each captured frame lies in the file, one row per frame.

This is the contract between the file-format readers (pcap, pcapng) and the
protocol decoders: readers only find frames; decoders only look at bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class RecordIndex:
    """Frames of one chunk of a capture, as columns (all arrays have shape (n,)).

    ``offset`` points into ``data`` (the chunk's bytes), at the first byte of the
    frame as captured (the link-layer header). ``time_ns`` is absolute time in
    nanoseconds since the Unix epoch. ``frame`` is Wireshark's 1-based frame number.
    """

    data: NDArray[np.uint8]  # the bytes the offsets point into (a view, not a copy)
    frame: NDArray[np.int64]
    time_ns: NDArray[np.int64]
    offset: NDArray[np.int64]
    caplen: NDArray[np.int32]
    origlen: NDArray[np.int64]
    linktype: NDArray[np.int32]  # LINKTYPE_* number per frame (pcapng: per interface)
    file_offset: int = 0  # absolute position of data[0] in the (decompressed) file
    warnings: list[str] = field(default_factory=list)
    transient: bool = False  # data is a window of a streamed file, gone after decoding

    def __len__(self) -> int:
        return int(self.frame.shape[0])


@dataclass(frozen=True)
class WalkEnd:
    """Where a walk over one window stopped (``pos``, in the window's buffer), and the
    file header in force there (pcap: the 24-byte header; pcapng: the section header
    and interface description blocks) for the next window to start with."""

    pos: int
    header: bytes
    cut: bool  # stopped at the window's end (more follows), not at a broken record


@dataclass(frozen=True)
class Window:
    """Where a format walker's buffer lies in a file streamed through memory (gzip).

    ``origin`` is the absolute file position of the buffer's byte 0 (for messages;
    negative when a copied file header precedes the slice), ``first_frame`` the
    number of its first record. ``partial``: more of the file follows, so a record cut
    by the buffer's end is no truncation; the walk stops there and the caller starts
    the next window with that record.
    """

    origin: int = 0
    first_frame: int = 1
    partial: bool = False
