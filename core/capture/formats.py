"""Recognise a capture's format by its magic number (never its name) and walk its records."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import numpy as np
from numpy.typing import NDArray

from callscope.core.capture import pcap, pcapng
from callscope.core.capture.records import RecordIndex
from callscope.core.capture.source import CaptureFile
from callscope.core.errors import CaptureError
from callscope.core.progress import CancelToken

PCAPNG_MAGIC = bytes.fromhex("0a0d0d0a")

LINKTYPE_RAW = 101
DLT_TO_LINKTYPE = {12: LINKTYPE_RAW, 14: LINKTYPE_RAW}
"""Values some writers stored as the OS's DLT_RAW instead of LINKTYPE_RAW (pcap-linktype(7))."""

UNSUPPORTED: dict[bytes, str] = {
    bytes.fromhex("a1b2cd34"): "modified (Kuznetzov) pcap",
    bytes.fromhex("34cdb2a1"): "modified (Kuznetzov) pcap",
    b"snoo": "snoop",
    bytes.fromhex("28b52ffd"): "zstd-compressed",
    bytes.fromhex("fd377a58"): "xz-compressed",
    b"BZh": "bzip2-compressed",
    bytes.fromhex("04224d18"): "lz4-compressed",
    b"PK\x03\x04": "zip archive",
}


def capture_format(cf: CaptureFile) -> str:
    """``"pcap"`` or ``"pcapng"`` from the first bytes; CaptureError for anything else."""
    return format_of(cf.data[:4].tobytes())


def format_of(magic: bytes) -> str:
    """``"pcap"`` or ``"pcapng"`` from a file's first 4 bytes; CaptureError otherwise."""
    if not magic:
        raise CaptureError("empty file")
    if magic == PCAPNG_MAGIC:
        return "pcapng"
    if magic in pcap.MAGICS:
        return "pcap"
    known = (PCAPNG_MAGIC, *pcap.MAGICS)
    if len(magic) < 4 and any(m.startswith(magic) for m in known):
        raise CaptureError(f"truncated file header ({len(magic)} bytes)")
    for prefix, name in UNSUPPORTED.items():
        if magic.startswith(prefix):
            raise CaptureError(f"unsupported capture format: {name}")
    raise CaptureError(f"not a capture file (unknown magic 0x{magic.hex()})")


def iter_records(
    cf: CaptureFile, *, max_records: int = 1 << 16, cancel: CancelToken | None = None
) -> Iterator[RecordIndex]:
    """Every frame of ``cf`` as RecordIndex chunks of at most ``max_records`` rows.

    Offsets index ``cf.data`` (file_offset 0); frame numbers are 1-based and continue
    across chunks. At least one chunk is yielded (possibly empty, carrying warnings).
    Problems met while opening (e.g. a truncated gzip stream) stay in ``cf.warnings``.
    Raises CaptureError when the file is not a readable capture at all.
    """
    if max_records < 1:
        raise ValueError("max_records must be >= 1")
    fmt = capture_format(cf)
    walk = pcap.iter_pcap if fmt == "pcap" else pcapng.iter_pcapng
    for chunk in walk(cf.data, max_records=max_records, cancel=cancel):
        yield replace(chunk, linktype=normalise_linktypes(chunk.linktype))


def normalise_linktypes(linktype: NDArray[np.int32]) -> NDArray[np.int32]:
    """Map DLT values that differ between OSes to their LINKTYPE_* number."""
    out = linktype
    for dlt, lt in DLT_TO_LINKTYPE.items():
        hit = out == dlt
        if hit.any():
            out = np.where(hit, np.int32(lt), out).astype(np.int32)
    return out
