"""Trim a PyInstaller binary list: unused Qt plugins, and on Linux the host's own libraries.

A dropped binary takes with it every library that only it needed (found by following
the link-time imports), so dropping the GTK platform theme also drops the half GTK stack
it pulled in. Used by packaging/callscope.spec; pure functions, tested without a build.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable, Iterable
from fnmatch import fnmatch

# (destination name, source path, type code): PyInstaller's TOC entry.
TocEntry = tuple[str, str, str]

DROPPED_QT_PLUGINS = (
    # GTK platform theme: pulls cairo/pango/atk from the build machine but not GTK itself;
    # the xdgdesktopportal theme (native file dialogs, dark mode) stays.
    "platformthemes/*qgtk3*",
    # Embedded and kiosk outputs and inputs (no window system): never used on a laptop.
    "platforms/*qeglfs*",
    "platforms/*qlinuxfb*",
    "platforms/*qminimalegl*",
    "platforms/*qvnc*",
    "platforms/*qvkkhrdisplay*",
    "egldeviceintegrations/*",
    "generic/*",
    # QtNetwork plugins: CallScope opens no network connection.
    "networkinformation/*",
    "tls/*",
)
"""Qt plugin paths (relative to the plugins folder, glob) left out of every bundle."""

HOST_LIBRARIES_LINUX = frozenset({
    # PortAudio comes from the system (libportaudio2) so that it speaks to the host's
    # ALSA/PulseAudio/PipeWire; a bundled libasound would miss the host's ALSA plugins.
    "libportaudio.so.2", "libasound.so.2", "libjack.so.0",
    # From the AppImage project's exclude list: present on every desktop and tied to its
    # configuration (fonts) or drivers (GPU), so a copy from the build machine can clash.
    "libfontconfig.so.1", "libfreetype.so.6", "libharfbuzz.so.0", "libfribidi.so.0",
    "libX11.so.6", "libxcb.so.1", "libdrm.so.2", "libEGL.so.1", "libGL.so.1",
    "libglib-2.0.so.0", "libgobject-2.0.so.0", "libgio-2.0.so.0",
    "libstdc++.so.6", "libgcc_s.so.1", "libz.so.1", "libexpat.so.1", "libuuid.so.1",
    "libgpg-error.so.0", "libcom_err.so.2", "libmvec.so.1",
})  # fmt: skip
"""Linux shared libraries (exact sonames, top level of the bundle) taken from the host."""


def _posix(name: str) -> str:
    return name.replace("\\", "/")


def is_dropped_plugin(dest: str) -> bool:
    """True when ``dest`` (a path inside the bundle) is a Qt plugin in DROPPED_QT_PLUGINS."""
    path = _posix(dest)
    marker = "/plugins/"
    if marker not in path:
        return False
    rel = path.split(marker, 1)[1]
    return any(fnmatch(rel, pattern) for pattern in DROPPED_QT_PLUGINS)


def is_host_library(dest: str, platform: str) -> bool:
    """True on Linux for a top-level library the host system must provide."""
    path = _posix(dest)
    return platform.startswith("linux") and "/" not in path and path in HOST_LIBRARIES_LINUX


def _closure(
    start: Iterable[str], imports: Callable[[str], Iterable[str]], within: set[str]
) -> set[str]:
    """Every source in ``within`` reachable from ``start`` (included) through ``imports``."""
    seen: set[str] = set()
    todo = [s for s in start if s in within]
    while todo:
        src = todo.pop()
        if src in seen:
            continue
        seen.add(src)
        todo.extend(d for d in imports(src) if d in within and d not in seen)
    return seen


def trim(
    binaries: list[TocEntry],
    drop: Callable[[str], bool],
    imports: Callable[[str], Iterable[str]],
) -> tuple[list[TocEntry], list[TocEntry]]:
    """Split ``binaries`` into (kept, removed).

    Removed: every entry whose destination ``drop`` selects, plus every library reachable
    from those (``imports(source) -> sources it links to``) that no kept binary needs.
    Entries sharing a source path (PyInstaller's symlinks) go together.
    """
    sources = {os.path.realpath(src) for _, src, _ in binaries}
    dropped = {os.path.realpath(src) for dest, src, _ in binaries if drop(dest)}
    pulled = _closure(dropped, imports, sources) - dropped
    roots = sources - dropped - pulled
    needed = _closure(roots, imports, sources - dropped)
    removed_sources = dropped | (pulled - needed)
    kept = [e for e in binaries if os.path.realpath(e[1]) not in removed_sources]
    removed = [e for e in binaries if os.path.realpath(e[1]) in removed_sources]
    return kept, removed


def drop_links_to(toc: list[TocEntry], removed: list[TocEntry]) -> list[TocEntry]:
    """``toc`` without the SYMLINK entries that point at a ``removed`` destination.

    PyInstaller lists its convenience symlinks (``libQt6Gui.so.6`` at the top level ->
    ``PySide6/Qt/lib/...``) among the data files, with the target relative to the link.
    """
    gone = {posixpath.normpath(_posix(dest)) for dest, _, _ in removed}

    def target(dest: str, src: str) -> str:
        return posixpath.normpath(posixpath.join(posixpath.dirname(_posix(dest)), _posix(src)))

    return [e for e in toc if not (e[2] == "SYMLINK" and target(e[0], e[1]) in gone)]
