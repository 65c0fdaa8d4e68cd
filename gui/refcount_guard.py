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
from importlib import util
from pathlib import Path

_BOOST = 1 << 40
_applied = False


def protect_singletons() -> bool:
    """Make None/True/False effectively immortal on CPython < 3.12; True if applied."""
    global _applied
    if _applied or sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return False
    affected = _pyside_612_installed()
    if not affected:
        return False
    for obj in (None, True, False):
        # ob_refcnt is the first field of every CPython object (Py_ssize_t).
        ctypes.c_ssize_t.from_address(id(obj)).value += _BOOST
    _applied = True
    return True


def _pyside_612_installed() -> bool:
    """True when the PySide6 found on the path is 6.12.x (or its version cannot be told).

    Looks for the distribution's metadata folder beside the package instead of asking
    importlib.metadata, which scans the whole path (60 ms at every CLI start).
    """
    spec = util.find_spec("PySide6")
    if spec is None or spec.origin is None:
        return False
    site = Path(spec.origin).parent.parent
    # pip writes the normalised name (pyside6_essentials-6.12.0.dist-info); older
    # tools kept the project's spelling (PySide6_Essentials-...)
    found = [p.name for p in site.glob("*.dist-info") if p.name.lower().startswith("pyside6")]
    if not found:
        from importlib import metadata  # an unusual layout: ask the slow way

        try:
            return metadata.version("PySide6-Essentials").startswith("6.12.")
        except metadata.PackageNotFoundError:
            return True  # another distribution of PySide6: stay on the safe side
    return any("-6.12." in name for name in found)
