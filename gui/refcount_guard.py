"""Work around a PySide6 6.12 reference-count bug that aborts CPython 3.11.

Measured with PySide6 6.12.0 on CPython 3.11.7: every signal emission drops one
reference to ``True`` and every Python override returning ``None`` to C++ (e.g. a
model's ``data()``) drops one to ``None``. Since Python 3.12 these singletons are
immortal and nothing happens; on 3.11 their count reaches zero after a few minutes
of use and the interpreter aborts ("none_dealloc" / "bool_dealloc"). Raising their
counts by 2**40 makes them immortal in practice, as 3.12 does. pyproject.toml excludes
6.12.0; this guard only protects an environment that has it anyway.
"""

from __future__ import annotations

import ctypes
import sys
from importlib import metadata

_BOOST = 1 << 40
_applied = False


def protect_singletons() -> bool:
    """Make None/True/False effectively immortal on CPython < 3.12; True if applied."""
    global _applied
    if _applied or sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return False
    try:
        affected = metadata.version("PySide6-Essentials").startswith("6.12.")
    except metadata.PackageNotFoundError:
        affected = True  # another distribution of PySide6: stay on the safe side
    if not affected:
        return False
    for obj in (None, True, False):
        # ob_refcnt is the first field of every CPython object (Py_ssize_t).
        ctypes.c_ssize_t.from_address(id(obj)).value += _BOOST
    _applied = True
    return True
