"""Bundled resources: SVG icons, the demo capture, translations.

Resolved through ``importlib.resources`` so the same code works from a source
checkout, an installed wheel and a frozen bundle.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from PySide6.QtGui import QIcon


def resource_path(*parts: str) -> Path:
    """Filesystem path of a file in ``callscope.resources`` (it may not exist)."""
    base = resources.files("callscope.resources")
    return Path(str(base.joinpath(*parts)))


def icon(name: str) -> QIcon:
    """The SVG icon ``resources/icons/<name>.svg`` (an empty icon if missing)."""
    path = resource_path("icons", f"{name}.svg")
    return QIcon(str(path)) if path.is_file() else QIcon()


def app_icon() -> QIcon:
    """CallScope's application icon."""
    return icon("callscope")


def demo_capture() -> Path:
    """The bundled demo capture made by ``resources/make_demo.py``."""
    return resource_path("demo.pcap")
