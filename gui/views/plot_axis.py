"""A pyqtgraph axis whose grid lines are opaque and drawn beneath the data.

pyqtgraph draws grid lines as translucent tick lines above the plotted data. Qt's raster
engine blends translucent cosmetic lines about ten times slower than it draws opaque ones:
with five stacked plots the grid alone took 60-100 ms per repaint, so panning stuttered.
This axis mixes each translucent tick colour with the plot background once (same colour on
screen over the background) and is meant to sit below the ViewBox (see ``place_below``), so
the data is painted over the grid instead of being tinted by it.
"""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPen

BELOW_VIEWBOX_Z = -200  # pyqtgraph's ViewBox sits at z = -100, its axes at 0.5


def over_background(colour: QColor, background: QColor) -> QColor:
    """The opaque colour ``colour`` (with its alpha) shows when drawn over ``background``."""
    a = colour.alphaF()

    def mix(c: int, b: int) -> int:
        return round(c * a + b * (1.0 - a))

    return QColor(
        mix(colour.red(), background.red()),
        mix(colour.green(), background.green()),
        mix(colour.blue(), background.blue()),
    )


class OpaqueGridAxis(pg.AxisItem):
    """An AxisItem drawing its ticks and grid with opaque pens over ``background``."""

    def __init__(self, orientation: str, background: QColor, **kwargs: Any) -> None:
        super().__init__(orientation, **kwargs)
        self._background = QColor(background)
        self._opaque: dict[int, QPen] = {}

    def _opaque_pen(self, pen: QPen) -> QPen:
        if pen.brush().style() != Qt.BrushStyle.SolidPattern or pen.color().alpha() == 255:
            return pen
        key = pen.color().rgba()
        cached = self._opaque.get(key)
        if cached is None or cached.widthF() != pen.widthF():
            cached = QPen(pen)
            cached.setColor(over_background(pen.color(), self._background))
            self._opaque[key] = cached
        return cached

    def generateDrawSpecs(self, p: Any) -> Any:
        specs = super().generateDrawSpecs(p)
        if specs is None:
            return None
        axis_spec, tick_specs, text_specs = specs
        opaque: dict[int, QPen] = {}  # pyqtgraph shares one pen per tick level
        for pen, _p1, _p2 in tick_specs:
            if id(pen) not in opaque:
                opaque[id(pen)] = self._opaque_pen(pen)
        ticks = [(opaque[id(pen)], p1, p2) for pen, p1, p2 in tick_specs]
        return axis_spec, ticks, text_specs

    def place_below(self) -> None:
        """Stack under the ViewBox so grid lines pass beneath the data (call after addPlot)."""
        self.setZValue(BELOW_VIEWBOX_Z)
