"""read_capture: a capture file in, a Capture (UDP packet table, TCP streams, facts) out."""

from __future__ import annotations

import os
from collections.abc import Iterator

from callscope.core.capture.capture import Capture
from callscope.core.capture.decode import CaptureDecoder
from callscope.core.capture.digest import FileDigest
from callscope.core.capture.formats import iter_records
from callscope.core.capture.layers import PayloadFilter
from callscope.core.capture.records import RecordIndex
from callscope.core.capture.source import CaptureFile, is_gzip, open_capture
from callscope.core.capture.streamed import StreamedCapture
from callscope.core.capture.table import PacketTable
from callscope.core.capture.tables import concat_tables
from callscope.core.errors import CaptureError
from callscope.core.model import CaptureInfo
from callscope.core.progress import CancelToken, Progress, ProgressCallback, no_progress


def read_capture(
    path: str | os.PathLike[str],
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    hash_thread: bool = True,
    keep: PayloadFilter | None = None,
) -> Capture:
    """Read and decode a pcap/pcapng file (gzip allowed) into a :class:`Capture`.

    Reports ``Progress("reading", bytes done, bytes total)`` once per chunk and checks
    ``cancel`` as often. The SHA-256 of the file is computed on a second thread while
    decoding runs (hashlib releases the GIL), or after decoding with ``hash_thread=False``
    (process pools). With ``keep``, a gzip capture streams through memory in windows and
    only the UDP payloads ``keep`` selects stay readable (``Capture.payload``): what an
    analysis reads after decoding; without it gzip is decompressed whole (content access
    reads every payload). Raises CaptureError when the file cannot be read or no frame
    has a supported link type; CancelledError when cancelled.
    """
    report = progress or no_progress
    source = _open_source(path, streamed=keep is not None)
    digest = FileDigest(path, thread=hash_thread)
    try:
        return _decode(source, report, cancel, digest, keep)
    except BaseException:
        digest.cancel()  # the hash stops reading before the mapping is dropped
        source.close()
        raise


class _Mapped:
    """A capture file held whole (mapped, or decompressed in memory): offsets stay valid."""

    def __init__(self, cf: CaptureFile) -> None:
        self.cf = cf
        self.path, self.size_on_disk, self.warnings = cf.path, cf.size_on_disk, cf.warnings
        self.buffer: memoryview | None = cf.buffer
        self.total = cf.size  # progress counts (decompressed) file bytes

    def chunks(self, cancel: CancelToken | None) -> Iterator[tuple[RecordIndex, int]]:
        """(chunk, bytes done); a chunk's mapped pages go once it is decoded."""
        for ri in iter_records(self.cf, cancel=cancel):
            done = ri.file_offset + int(ri.offset[-1] + ri.caplen[-1]) if len(ri) else self.total
            yield ri, min(done, self.total)
            self.cf.release(done)

    def close(self) -> None:
        self.cf.close()


class _Streamed:
    """A gzip capture streamed in windows; progress counts compressed bytes."""

    def __init__(self, stream: StreamedCapture) -> None:
        self.stream = stream
        self.path, self.size_on_disk = stream.path, stream.size_on_disk
        self.warnings: list[str] = []  # the gzip layer's come in a chunk of their own
        self.buffer: memoryview | None = None
        self.total = stream.size_on_disk  # progress counts compressed bytes

    def chunks(self, cancel: CancelToken | None) -> Iterator[tuple[RecordIndex, int]]:
        """(chunk, compressed bytes read so far)."""
        for ri in self.stream.records(cancel=cancel):
            yield ri, min(self.stream.consumed, self.total)
        self.stream.close()  # every payload kept is copied out: the file is done with

    def close(self) -> None:
        self.stream.close()


def _open_source(path: str | os.PathLike[str], *, streamed: bool) -> _Mapped | _Streamed:
    if streamed and is_gzip(path):
        return _Streamed(StreamedCapture(path))
    return _Mapped(open_capture(path))


def _decode(
    source: _Mapped | _Streamed,
    report: ProgressCallback,
    cancel: CancelToken | None,
    digest: FileDigest,
    keep: PayloadFilter | None,
) -> Capture:
    decoder = CaptureDecoder(keep)
    tables: list[PacketTable] = []
    warnings = list(source.warnings)
    start_ns = end_ns = 0
    total = source.total
    report(Progress("reading", 0, total))
    for ri, done in source.chunks(cancel):
        if cancel is not None:
            cancel.raise_if_cancelled()
        warnings.extend(ri.warnings)
        if len(ri):
            if decoder.frames == 0:
                start_ns = int(ri.time_ns[0])
            end_ns = int(ri.time_ns[-1])
        tables.append(decoder.decode(ri))
        report(Progress("reading", done, total))
    streams, decode_warnings = decoder.finish()
    if decoder.frames == 0:
        damaged = [w for w in warnings if w.startswith("capture truncated")]
        if damaged:  # a header then nothing readable: not a capture we can use
            raise CaptureError(damaged[0].replace("capture truncated", "no readable frame:", 1))
    skipped = sum(decoder.unsupported.values())
    if decoder.frames and skipped == decoder.frames:
        kinds = ", ".join(str(t) for t in sorted(decoder.unsupported))
        raise CaptureError(f"unsupported link type {kinds}: no frame can be decoded")
    warnings.extend(decode_warnings)
    packets = concat_tables(tables, decoder.interner.addresses)  # while the hash finishes
    info = CaptureInfo(
        path=str(source.path),
        sha256=digest.result(),
        size_bytes=source.size_on_disk,
        packets=decoder.frames,
        link_types=decoder.link_types(),
        start_ns=start_ns,
        end_ns=end_ns,
    )
    report(Progress("reading", total, total))
    return Capture(info, packets, streams, warnings, _buffer=source.buffer)
