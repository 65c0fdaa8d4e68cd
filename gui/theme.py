"""Colours: the light/dark application palette and the colours that carry meaning.

Verdict and series colours were picked to stay distinguishable for the common
colour-vision deficiencies (Okabe–Ito palette) on both light and dark backgrounds.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPalette, QPixmap

from callscope.gui.verdict import Verdict

VERDICT_COLOURS = {
    Verdict.GOOD: QColor("#009E73"),
    Verdict.WARN: QColor("#E69F00"),
    Verdict.BAD: QColor("#D55E00"),
}

SERIES_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")
"""One colour per selected stream, in selection order (blue, orange, green...)."""


def verdict_tint(level: Verdict) -> QColor | None:
    """Translucent row background for WARN/BAD rows (None for GOOD: keep it calm)."""
    if level == Verdict.GOOD:
        return None
    tint = QColor(VERDICT_COLOURS[level])
    tint.setAlpha(60)
    return tint


_DOTS: dict[Verdict, QIcon] = {}


def verdict_dot(level: Verdict) -> QIcon:
    """A filled circle in the verdict's colour (stays visible on selected rows)."""
    if level not in _DOTS:
        pixmap = QPixmap(32, 32)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(VERDICT_COLOURS[level])
        painter.drawEllipse(4, 4, 24, 24)
        painter.end()
        _DOTS[level] = QIcon(pixmap)
    return _DOTS[level]


def series_colour(index: int) -> QColor:
    """Colour of the index-th selected stream."""
    return QColor(SERIES_COLOURS[index % len(SERIES_COLOURS)])


def is_dark(palette: QPalette | None = None) -> bool:
    """True when the palette's window colour is dark."""
    pal = palette or QGuiApplication.palette()
    return pal.color(QPalette.ColorRole.Window).lightness() < 128


def dark_palette() -> QPalette:
    """A neutral dark palette for the Fusion style."""
    pal = QPalette()
    base, window, text = QColor("#1e1f22"), QColor("#2b2d30"), QColor("#dfe1e5")
    disabled = QColor("#7a7e85")
    for role, colour in (
        (QPalette.ColorRole.Window, window),
        (QPalette.ColorRole.WindowText, text),
        (QPalette.ColorRole.Base, base),
        (QPalette.ColorRole.AlternateBase, QColor("#26282b")),
        (QPalette.ColorRole.ToolTipBase, window),
        (QPalette.ColorRole.ToolTipText, text),
        (QPalette.ColorRole.Text, text),
        (QPalette.ColorRole.Button, window),
        (QPalette.ColorRole.ButtonText, text),
        (QPalette.ColorRole.BrightText, QColor("#ff6b6b")),
        (QPalette.ColorRole.Highlight, QColor("#2f65ca")),
        (QPalette.ColorRole.HighlightedText, QColor("#ffffff")),
        (QPalette.ColorRole.Link, QColor("#6aa6ff")),
        (QPalette.ColorRole.PlaceholderText, disabled),
    ):
        pal.setColor(role, colour)
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        pal.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return pal


def system_prefers_dark() -> bool:
    """True when the desktop asks for a dark colour scheme (Qt 6.5+ style hints)."""
    hints = QGuiApplication.styleHints()
    return bool(hints.colorScheme() == Qt.ColorScheme.Dark)
