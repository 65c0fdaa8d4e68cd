"""The playback cursor, loop range and click-to-seek across every plot sharing time.

One vertical line and one (hidden until looping) shaded range per plot, all kept at
the same capture time; a left click in any of the plots asks to seek there.

Signals
    seek_requested(float): capture time (s) clicked.
    loop_changed(float, float): the loop range (s) was dragged.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor

CURSOR_PEN = pg.mkPen("#D55E00", width=2)  # Okabe–Ito vermilion: the playback head
LOOP_BRUSH = QColor(230, 159, 0, 50)  # Okabe–Ito orange, translucent


class PlotCursors(QObject):
    """Cursor lines and loop regions on ``plots`` (add more with :meth:`attach`)."""

    seek_requested = Signal(float)
    loop_changed = Signal(float, float)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.plots: list[pg.PlotItem] = []
        self.lines: list[pg.InfiniteLine] = []
        self.regions: list[pg.LinearRegionItem] = []
        self._scenes: list[Any] = []
        self._syncing = False

    def attach(self, plots: Iterable[pg.PlotItem]) -> None:
        """Draw the cursor (and the loop range when shown) on these plots too."""
        for plot in plots:
            if plot in self.plots:
                continue
            line = pg.InfiniteLine(angle=90, movable=False, pen=CURSOR_PEN)
            line.setZValue(20)
            line.setVisible(bool(self.lines) and self.lines[0].isVisible())
            if self.lines:
                line.setPos(self.lines[0].value())
            region = pg.LinearRegionItem(
                self.regions[0].getRegion() if self.regions else (0.0, 1.0),
                brush=LOOP_BRUSH, movable=True,
            )  # fmt: skip
            region.setZValue(10)
            region.setVisible(bool(self.regions) and self.regions[0].isVisible())
            region.sigRegionChanged.connect(self._on_region)
            plot.addItem(line, ignoreBounds=True)
            plot.addItem(region, ignoreBounds=True)
            self.plots.append(plot)
            self.lines.append(line)
            self.regions.append(region)
            scene = plot.scene()
            if scene is not None and all(scene is not s for s in self._scenes):
                scene.sigMouseClicked.connect(self._on_click)
                self._scenes.append(scene)

    def set_position(self, t: float | None) -> None:
        """Move the cursor to capture time ``t`` (None hides it)."""
        for line in self.lines:
            if t is None:
                line.setVisible(False)
            else:
                line.setPos(t)
                line.setVisible(True)

    def position(self) -> float | None:
        """Where the cursor is (None when hidden)."""
        if not self.lines or not self.lines[0].isVisible():
            return None
        return float(self.lines[0].value())

    def show_loop(self, visible: bool, span: tuple[float, float] | None = None) -> None:
        """Show (at ``span`` if given) or hide the loop range."""
        for region in self.regions:
            if span is not None:
                self._syncing = True
                region.setRegion(span)
                self._syncing = False
            region.setVisible(visible)

    def loop_range(self) -> tuple[float, float] | None:
        """The loop range (s) when shown."""
        if not self.regions or not self.regions[0].isVisible():
            return None
        lo, hi = self.regions[0].getRegion()
        return float(lo), float(hi)

    def _on_region(self, region: pg.LinearRegionItem) -> None:
        if self._syncing:
            return
        lo, hi = region.getRegion()
        self._syncing = True
        for other in self.regions:
            if other is not region:
                other.setRegion((lo, hi))
        self._syncing = False
        self.loop_changed.emit(float(lo), float(hi))

    def _on_click(self, event: Any) -> None:
        if event.button() != Qt.MouseButton.LeftButton or event.double():
            return
        scene, pos = self.sender(), event.scenePos()
        for plot in self.plots:
            vb = plot.getViewBox()
            if plot.scene() is scene and vb.sceneBoundingRect().contains(pos):
                self.seek_requested.emit(float(vb.mapSceneToView(pos).x()))
                return
