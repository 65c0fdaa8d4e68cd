"""Write the scrubbed capture atomically, and compare its analysis with the original's.

The copy is written to ``OUT.partial`` in the destination folder (never a temporary
folder), flushed, then renamed over ``OUT``; on any failure the partial file is
removed. The input is never overwritten, whatever path spelling points to it.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from callscope.core.errors import CallScopeError
from callscope.core.model import AnalysisResult
from callscope.core.privacy import files
from callscope.core.report.records import call_record, stream_record

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
WRITE_STEP = 1 << 24


def check_paths(source: Path, output: Path, *, overwrite: bool) -> None:
    """Refuse an output that is the input, a folder, a link or (unless allowed) a file."""
    if output.name == "" or output.is_dir():
        raise CallScopeError(f"{output}: is a directory; give a file name for the export")
    if not output.parent.is_dir():
        raise CallScopeError(f"{output.parent}: no such directory")
    try:
        same = output.exists() and os.path.samefile(source, output)
    except OSError:
        same = False
    if same or output.resolve() == source.resolve():
        raise CallScopeError("refusing to overwrite the input capture with its scrubbed copy")
    if output.is_symlink():
        raise CallScopeError(f"{output}: is a symbolic link; refusing to write through it")
    if output.exists() and not overwrite:
        raise CallScopeError(f"{output}: already exists (use --force to replace it)")


def partial_path(output: Path) -> Path:
    """``OUT.partial``, beside ``OUT``."""
    return output.with_name(output.name + ".partial")


def write_pieces(
    path: Path, buffer: NDArray[np.uint8], pieces: Iterable[tuple[int, int] | bytes]
) -> int:
    """Write ``buffer`` ranges and literal byte strings, in order, to a new file; fsync.

    A stale regular file at ``path`` (an interrupted export) is replaced; anything else
    there (a link, a folder) is refused. Returns the number of bytes written.
    """
    if path.is_symlink() or (path.exists() and not stat.S_ISREG(path.lstat().st_mode)):
        raise CallScopeError(f"{path}: exists and is not a regular file; refusing")
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
    written = 0
    try:
        for piece in pieces:
            if isinstance(piece, bytes):
                files.write_all(fd, piece)
                written += len(piece)
                continue
            lo, hi = piece
            for at in range(lo, hi, WRITE_STEP):
                part = buffer[at : min(hi, at + WRITE_STEP)]
                files.write_all(fd, part.tobytes())
                written += int(part.shape[0])
        os.fsync(fd)
    finally:
        os.close(fd)
    return written


def commit(partial: Path, output: Path) -> None:
    """Rename the finished partial file over ``output`` and flush the directory entry."""
    os.replace(partial, output)
    files.fsync_dir(output.parent)


def compare_analyses(before: AnalysisResult, after: AnalysisResult) -> list[str]:
    """Differences in stream metrics (every field) and calls (parties aside), as text."""
    out: list[str] = []
    b_start, a_start = before.capture.start_ns, after.capture.start_ns
    old = [stream_record(s, b_start) for s in before.streams]
    new = [stream_record(s, a_start) for s in after.streams]
    if len(old) != len(new):
        out.append(f"{len(old)} streams before, {len(new)} after")
    for a, b in zip(old, new, strict=False):
        changed = [k for k in a if a[k] != b[k] and not (a[k] != a[k] and b[k] != b[k])]
        if changed:
            out.append(f"stream {a['id']}: {', '.join(changed)} differ")
    calls_old = [call_record(c, b_start) for c in before.calls]
    calls_new = [call_record(c, a_start) for c in after.calls]
    for record in (*calls_old, *calls_new):
        record.pop("from")
        record.pop("to")
    if calls_old != calls_new:
        out.append(f"calls differ ({len(calls_old)} before, {len(calls_new)} after)")
    return out
