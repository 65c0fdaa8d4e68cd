"""Open a capture file as one read-only byte buffer: mmap for plain files, memory for gzip.

The format readers only ever see ``CaptureFile.data`` (shape (size,), uint8); offsets
into it are absolute positions in the (decompressed) file. Plain files are never copied.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import mmap
import os
import stat
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

import numpy as np
from numpy.typing import NDArray

from callscope.core.capture.gunzip import GZIP_MAGIC, format_size, gunzip_pieces, read_chunk
from callscope.core.errors import CaptureError
from callscope.core.progress import CancelToken


class CaptureFile:
    """A capture file's bytes; use as a context manager or call :meth:`close`.

    ``data`` and ``buffer`` are read-only views of the same bytes: the whole file, or
    the whole decompressed stream for gzip. ``warnings`` holds problems met while
    opening (e.g. a truncated gzip stream) for the first record chunk to report.
    """

    def __init__(
        self,
        path: Path,
        content: mmap.mmap | bytes | bytearray,
        *,
        compressed: bool,
        size_on_disk: int,
        warnings: list[str] | None = None,
    ) -> None:
        self.path = path
        self.compressed = compressed
        self.size_on_disk = size_on_disk
        self.warnings: list[str] = list(warnings or [])
        self._content: mmap.mmap | bytes | bytearray | None = content
        self.buffer: memoryview = memoryview(content).toreadonly()
        array: NDArray[np.uint8] = np.frombuffer(content, dtype=np.uint8)
        array.flags.writeable = False
        self.data: NDArray[np.uint8] = array
        self._released = 0  # bytes before this offset were dropped by release()

    def release(self, end: int) -> None:
        """Drop the mapped pages before byte ``end`` from this process's memory.

        The bytes stay readable (the kernel maps them again from the page cache on
        the next access), so a long capture read front to back never has more than
        a chunk of the file resident. A no-op for gzip content and where the platform
        has no ``madvise`` (Windows).
        """
        content = self._content
        if not isinstance(content, mmap.mmap) or not hasattr(mmap, "MADV_DONTNEED"):
            return
        end = min(end, self.size) // mmap.PAGESIZE * mmap.PAGESIZE
        if end > self._released:
            with contextlib.suppress(OSError, ValueError):
                content.madvise(mmap.MADV_DONTNEED, self._released, end - self._released)
            self._released = end

    @property
    def size(self) -> int:
        """Number of (decompressed) bytes in ``data``."""
        return int(self.data.shape[0])

    def close(self) -> None:
        """Drop this object's views; the mmap is unmapped once no other view uses it."""
        content = self._content
        if content is None:
            return
        self._content = None
        self.data = np.zeros(0, np.uint8)
        buffer, self.buffer = self.buffer, memoryview(b"")
        # Views others still hold (RecordIndex.data, payload slices) keep the bytes
        # alive; the mapping is then released when the last of them goes.
        with contextlib.suppress(BufferError):
            buffer.release()
            if isinstance(content, mmap.mmap):
                content.close()

    def __enter__(self) -> CaptureFile:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def open_capture(
    path: str | os.PathLike[str], *, max_decompressed: int = 8 << 30
) -> CaptureFile:
    """Open ``path`` (format is found later, by magic); gzip is decompressed in memory.

    Raises CaptureError for missing, unreadable or non-regular paths, corrupt gzip, or
    gzip content larger than ``max_decompressed`` bytes.
    """
    p = Path(path)
    with open_regular(p) as fh:
        size = os.fstat(fh.fileno()).st_size
        head = fh.read(2)
        fh.seek(0)
        if head == GZIP_MAGIC:
            warnings: list[str] = []
            content = bytearray()
            for piece in gunzip_pieces(fh, warnings, limit=max_decompressed):
                content += piece
            return CaptureFile(p, content, compressed=True, size_on_disk=size, warnings=warnings)
        try:
            mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):  # empty file, /proc files, exotic filesystems
            return CaptureFile(
                p, _read_bounded(fh, max_decompressed), compressed=False, size_on_disk=size
            )
        return CaptureFile(p, mapped, compressed=False, size_on_disk=size)


def is_gzip(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` starts with the gzip magic (CaptureError if it cannot be read)."""
    with open_regular(Path(path)) as fh:
        return fh.read(2) == GZIP_MAGIC


HASH_CHUNK = 8 << 20
"""Bytes hashed per step (the cancel token is checked between steps)."""


def file_sha256(path: str | os.PathLike[str], *, cancel: CancelToken | None = None) -> str:
    """SHA-256 (hex) of the file as stored on disk.

    Hashed from a read-only mapping (no copy into user memory, whose traffic slowed the
    decoder on the other core), each step's pages dropped after use so that the
    mapping does not grow the resident set.
    """
    digest = hashlib.sha256()
    with open_regular(Path(path)) as fh:
        size = os.fstat(fh.fileno()).st_size
        if size == 0:
            return digest.hexdigest()
        try:
            mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError) as exc:
            raise CaptureError(f"read error: {exc}") from None
        with mapped, memoryview(mapped) as view:
            for start in range(0, size, HASH_CHUNK):
                if cancel is not None:
                    cancel.raise_if_cancelled()
                stop = min(size, start + HASH_CHUNK)
                digest.update(view[start:stop])
                if hasattr(mapped, "madvise"):  # not on Windows
                    mapped.madvise(mmap.MADV_DONTNEED, start, stop - start)
    return digest.hexdigest()


def open_regular(p: Path) -> BinaryIO:
    """Open a regular file for binary reading, turning OS errors into CaptureError.

    FIFOs, sockets and devices are refused: opening or reading them may block forever.
    """
    try:
        st = os.stat(p)
        if stat.S_ISDIR(st.st_mode):
            raise CaptureError(f"{p}: is a directory, not a capture file")
        if not stat.S_ISREG(st.st_mode):
            raise CaptureError(f"{p}: not a regular file")
        return open(p, "rb")  # the caller closes it
    except OSError as exc:
        raise CaptureError(_describe_os_error(p, exc)) from None


def _describe_os_error(p: Path, exc: OSError) -> str:
    if exc.errno == errno.ENOENT:
        return f"{p}: no such file"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"{p}: permission denied"
    if exc.errno == errno.EISDIR:
        return f"{p}: is a directory, not a capture file"
    return f"{p}: cannot read ({exc.strerror or exc})"


def _read_bounded(fh: BinaryIO, limit: int) -> bytes:
    """Read a file that cannot be mapped, refusing more than ``limit`` bytes."""
    out = bytearray()
    while piece := read_chunk(fh):
        out += piece
        if len(out) > limit:
            raise CaptureError(f"capture is larger than {format_size(limit)}; refusing")
    return bytes(out)
