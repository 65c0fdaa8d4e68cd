"""Give freed heap memory back to the operating system (glibc's ``malloc_trim``).

A capture is decoded in chunks whose columns live on the C heap; when they are joined
into whole columns (each mapped anew) and freed, glibc keeps their pages as free heap,
so a large capture's table would be held twice. Elsewhere (macOS, Windows, musl),
freed memory is returned by the allocator itself or this does nothing.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable
from functools import cache

TRIM_MIN_BYTES = 64 << 20
"""Trimming costs page faults later: worth it only when this much was just freed."""


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim`` when this process runs on glibc, else None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        trim: Callable[[int], int] = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
        return None
    return trim


def release_free_heap(freed_bytes: int) -> bool:
    """Return the C heap's free pages to the operating system after ``freed_bytes``
    were freed, when that is large enough to matter; True if a trim ran."""
    trim = _malloc_trim()
    if trim is None or freed_bytes < TRIM_MIN_BYTES:
        return False
    trim(0)
    return True
