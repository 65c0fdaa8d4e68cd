"""Render resources/icons/callscope.svg to the executable icon: .ico (Windows), .icns (macOS).

Qt's own image writers do it (imageformats qico/qicns in PySide6-Essentials), so no Pillow
and no generated file in git. Run by packaging/callscope.spec in a separate process;
``python packaging/app_icon.py SVG OUT`` works too.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

SIZE = 256
"""Pixels per side: the largest size Windows shows (Explorer's extra-large view)."""


def render_icon(svg: str, out: str, size: int = SIZE) -> str:
    """Write ``svg`` as a ``size``×``size`` icon whose format follows ``out``'s suffix."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QImageWriter, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([])
    renderer = QSvgRenderer(svg)
    if not renderer.isValid():
        raise ValueError(f"not a valid SVG: {svg}")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    writer = QImageWriter(out, Path(out).suffix.lstrip(".").encode())
    if not writer.write(image):
        raise OSError(f"cannot write {out}: {writer.errorString()}")
    return out


if __name__ == "__main__":
    print(render_icon(sys.argv[1], sys.argv[2]))
