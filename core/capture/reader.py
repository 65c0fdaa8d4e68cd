"""read_capture: a capture file in, a Capture (UDP packet table, TCP streams, facts) out."""

from __future__ import annotations

import os

from callscope.core.capture.capture import Capture
from callscope.core.capture.decode import CaptureDecoder
from callscope.core.capture.digest import BackgroundDigest
from callscope.core.capture.formats import iter_records
from callscope.core.capture.source import CaptureFile, open_capture
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
) -> Capture:
    """Read and decode a pcap/pcapng file (gzip allowed) into a :class:`Capture`.

    Reports ``Progress("reading", bytes done, bytes total)`` once per chunk and checks
    ``cancel`` as often. The SHA-256 of the file is computed on a second thread while
    decoding runs (hashlib releases the GIL), or after decoding with ``hash_thread=False``
    (process pools). Raises CaptureError when the file cannot be read or no frame has a
    supported link type; CancelledError when cancelled.
    """
    report = progress or no_progress
    cf = open_capture(path)
    digest = BackgroundDigest(path, thread=hash_thread)
    try:
        return _decode(cf, report, cancel, digest)
    except BaseException:
        digest.cancel()  # the hash stops reading before the mapping is dropped
        cf.close()
        raise


def _decode(
    cf: CaptureFile,
    report: ProgressCallback,
    cancel: CancelToken | None,
    digest: BackgroundDigest,
) -> Capture:
    decoder = CaptureDecoder()
    tables: list[PacketTable] = []
    warnings = list(cf.warnings)
    total = cf.size
    start_ns = end_ns = 0
    report(Progress("reading", 0, total))
    for ri in iter_records(cf, cancel=cancel):
        if cancel is not None:
            cancel.raise_if_cancelled()
        warnings.extend(ri.warnings)
        if len(ri):
            if decoder.frames == 0:
                start_ns = int(ri.time_ns[0])
            end_ns = int(ri.time_ns[-1])
        tables.append(decoder.decode(ri))
        done = ri.file_offset + int(ri.offset[-1] + ri.caplen[-1]) if len(ri) else total
        cf.release(done)
        report(Progress("reading", min(done, total), total))
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
        path=str(cf.path),
        sha256=digest.result(),
        size_bytes=cf.size_on_disk,
        packets=decoder.frames,
        link_types=decoder.link_types(),
        start_ns=start_ns,
        end_ns=end_ns,
    )
    report(Progress("reading", total, total))
    return Capture(info, packets, streams, warnings, _buffer=cf.buffer)
