"""Careful file I/O for privacy state: no symlinks, regular files only, fsync'd.

Every function raises ``OSError`` on failure; callers turn it into the error that
refuses the action (e.g. ``AuditWriteError``). Symlinks are refused on the last path
component (``O_NOFOLLOW`` where the OS has it, plus an ``lstat``/``fstat`` identity
check everywhere), so a log path swapped for a link is not written through.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from pathlib import Path

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_BINARY = getattr(os, "O_BINARY", 0)


def _check_regular(path: Path, fd: int) -> None:
    """Fail unless ``fd`` is a regular file and still the object at ``path``."""
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        raise OSError(errno.EINVAL, "not a regular file", str(path))
    lst = os.lstat(path)
    if stat.S_ISLNK(lst.st_mode) or (lst.st_dev, lst.st_ino) != (st.st_dev, st.st_ino):
        raise OSError(errno.ELOOP, "path was replaced while opening", str(path))


def open_regular(path: Path, flags: int, mode: int = 0o600) -> int:
    """``os.open`` that refuses symlinks and anything but a regular file; returns the fd."""
    if path.is_symlink():
        raise OSError(errno.ELOOP, "refusing to follow a symbolic link", str(path))
    fd = os.open(path, flags | _NOFOLLOW | _CLOEXEC | _BINARY, mode)
    try:
        _check_regular(path, fd)
    except BaseException:
        os.close(fd)
        raise
    return fd


def write_all(fd: int, data: bytes) -> None:
    """Write every byte of ``data`` (``os.write`` may write less than asked)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        if written <= 0:
            raise OSError(errno.EIO, "write returned 0")
        view = view[written:]


def fsync_dir(path: Path) -> None:
    """Flush a directory entry (new or renamed file) to disk; no-op on Windows."""
    if os.name == "nt":
        return
    fd = os.open(path, os.O_RDONLY | _CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_regular(path: Path, max_bytes: int) -> bytes:
    """Whole content of a regular file no larger than ``max_bytes`` (else ``OSError``)."""
    fd = open_regular(path, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        if size > max_bytes:
            raise OSError(errno.EFBIG, f"file larger than {max_bytes} bytes", str(path))
        chunks = []
        remaining = size
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Replace ``path`` by ``data`` atomically: temp file, fsync, rename, fsync dir."""
    if path.is_symlink():
        raise OSError(errno.ELOOP, "refusing to replace a symbolic link", str(path))
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC | _BINARY, mode)
    try:
        write_all(fd, data)
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        tmp.unlink(missing_ok=True)
        raise
    os.close(fd)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)
