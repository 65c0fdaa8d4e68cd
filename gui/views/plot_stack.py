"""The stacked plots of the stream view: one pyqtgraph PlotItem per row, one look.

Every plot has the same left-axis width (so their time axes line up, also with content
views below), a faint grid drawn under the data (plot_axis), wheel zoom and drag pan
on time only, and follows the jitter plot's time range.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QColor

from callscope.gui.views.plot_axis import OpaqueGridAxis

AXIS_WIDTH = 78
GRID_ALPHA = 0.15
LANES = ("lost", "seq_error", "wrong_ts", "marker", "pt_change")


def add_plot(
    graphics: pg.GraphicsLayoutWidget,
    row: int,
    title: str,
    stretch: int,
    colours: tuple[QColor, QColor],
    link_to: pg.PlotItem | None,
) -> pg.PlotItem:
    """Add one plot at ``row`` titled ``title``; ``colours`` are (text, background)."""
    fg, bg = colours
    axes = {name: OpaqueGridAxis(name, bg) for name in ("left", "bottom")}
    plot = graphics.addPlot(row=row, col=0, axisItems=axes)
    plot.setLabel("left", two_lines(title))
    plot.showGrid(x=True, y=True, alpha=GRID_ALPHA)
    plot.setMouseEnabled(x=True, y=False)
    plot.setMenuEnabled(False)
    plot.hideButtons()
    fg_pen = pg.mkPen(fg)
    for axis in axes.values():
        axis.setPen(fg_pen)
        axis.setTextPen(fg_pen)
        axis.place_below()
    plot.getAxis("left").setWidth(AXIS_WIDTH)
    plot.getViewBox().setAutoVisible(y=True)
    if link_to is not None:
        plot.setXLink(link_to)
    graphics.ci.layout.setRowStretchFactor(row, stretch)
    return plot


def two_lines(title: str) -> str:
    """``"Jitter (ms)"`` → name over unit (HTML), so the rotated label fits a short plot."""
    return title.replace(" (", "<br>(", 1)


def style_events_lane(plot: pg.PlotItem, lane_names: list[str]) -> None:
    """Fixed lanes (one per entry of LANES, bottom up) with their names on the left axis."""
    axis = plot.getAxis("left")
    axis.setTicks([list(enumerate(lane_names))])
    axis.setStyle(hideOverlappingLabels=False)
    plot.setYRange(-0.7, len(LANES) - 0.3, padding=0)
    plot.getViewBox().setAutoVisible(y=False)
    plot.enableAutoRange(y=False)
    plot.showGrid(x=True, y=False)


def reset_lane_range(plot: pg.PlotItem) -> None:
    """Show every lane of the events plot."""
    plot.setYRange(-0.7, len(LANES) - 0.3, padding=0)
