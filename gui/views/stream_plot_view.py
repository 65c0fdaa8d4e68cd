"""Stacked pyqtgraph plots of the selected streams, sharing one time axis.

From top: jitter (ms, with RTCP-reported jitter), delta (ms), loss per second (%,
with RTCP-reported fraction lost), an events lane (lost, sequence error, wrong
timestamp, marker, payload change) and packet rate or bit rate. Each selected
stream has one colour in every plot. Mouse: wheel zooms time, drag pans; Y follows
the visible data. Keys (plot focused): Left/Right pan, +/- zoom, 0 resets.

Signals
    x_range_changed(float, float): visible time range (s), for views sharing the axis.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QPalette
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from callscope.core.model import Stream
from callscope.gui.theme import series_colour
from callscope.gui.views import plot_data

AXIS_WIDTH = 78
LANES = ("lost", "seq_error", "wrong_ts", "marker", "pt_change")


def stream_label(stream: Stream) -> str:
    """Legend text: ``#1 10.0.0.1:40000 → 10.0.0.2:50000``."""
    return f"#{stream.id} {stream.src_label} → {stream.dst_label}"


class StreamPlotView(QWidget):
    """Plots for a list of streams; ``series_items`` maps (stream id, kind) to items."""

    x_range_changed = Signal(float, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._streams: list[Stream] = []
        self.series_items: dict[tuple[int, str], pg.PlotDataItem] = {}
        self._build()

    # -- layout --------------------------------------------------------------------------
    def _build(self) -> None:
        pal = self.palette()
        bg, fg = pal.color(QPalette.ColorRole.Base), pal.color(QPalette.ColorRole.Text)
        self.readout = QLabel(self.tr("Select one or more streams to plot them."))
        self.readout.setTextFormat(Qt.TextFormat.RichText)
        self.readout.setToolTip(self.tr("Values of the packet nearest to the mouse cursor."))
        self.rate_unit = QComboBox()
        self.rate_unit.addItem(self.tr("Packets/s"), "packets")
        self.rate_unit.addItem(self.tr("kbit/s"), "kbps")
        self.rate_unit.setToolTip(self.tr("Show the packet rate or the RTP bit rate per second."))
        self.rate_unit.currentIndexChanged.connect(self._redraw_rate)
        top = QHBoxLayout()
        top.setContentsMargins(4, 2, 4, 0)
        top.addWidget(self.readout, 1)
        top.addWidget(QLabel(self.tr("Rate:")))
        top.addWidget(self.rate_unit)

        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground(bg)
        self.graphics.ci.setSpacing(0)
        self.graphics.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.graphics.installEventFilter(self)
        fg_pen = pg.mkPen(fg)
        specs = (
            ("jitter", self.tr("Jitter (ms)"), 3),
            ("delta", self.tr("Delta (ms)"), 3),
            ("loss", self.tr("Loss (%)"), 2),
            ("events", "", 3),
            ("rate", self.tr("Rate"), 2),
        )
        self.legend = pg.LegendItem(offset=None, labelTextColor=fg, verSpacing=-4)
        self.legend.setColumnCount(2)
        self.graphics.addItem(self.legend, row=0, col=0)
        self.plots: dict[str, pg.PlotItem] = {}
        for row, (key, title, stretch) in enumerate(specs, start=1):
            plot = self.graphics.addPlot(row=row, col=0)
            plot.setLabel("left", title)
            plot.showGrid(x=True, y=True, alpha=0.15)
            plot.setMouseEnabled(x=True, y=False)
            plot.setMenuEnabled(False)
            plot.hideButtons()
            for name in ("left", "bottom"):
                axis = plot.getAxis(name)
                axis.setPen(fg_pen)
                axis.setTextPen(fg_pen)
            plot.getAxis("left").setWidth(AXIS_WIDTH)
            plot.getViewBox().setAutoVisible(y=True)
            if key != "jitter":
                plot.setXLink(self.plots["jitter"])
            self.graphics.ci.layout.setRowStretchFactor(row, stretch)
            self.plots[key] = plot
        for key in ("jitter", "delta", "loss", "events"):
            self.plots[key].getAxis("bottom").setStyle(showValues=False)
        self.plots["rate"].setLabel("bottom", self.tr("Time since capture start (s)"))
        events = self.plots["events"]
        events.getAxis("left").setTicks([[(i, t) for i, t in enumerate(self._lane_names())]])
        events.getAxis("left").setStyle(hideOverlappingLabels=False)
        events.setYRange(-0.7, len(LANES) - 0.3, padding=0)
        events.getViewBox().setAutoVisible(y=False)
        events.enableAutoRange(y=False)
        events.showGrid(x=True, y=False)
        self._cursor_lines: list[pg.InfiniteLine] = []
        cursor_pen = pg.mkPen(fg, width=1, style=Qt.PenStyle.DashLine)
        for plot in self.plots.values():
            line = pg.InfiniteLine(angle=90, movable=False, pen=cursor_pen)
            line.setVisible(False)
            plot.addItem(line, ignoreBounds=True)
            self._cursor_lines.append(line)
        self._mouse_proxy = pg.SignalProxy(
            self.graphics.scene().sigMouseMoved, rateLimit=30, slot=self._on_mouse_moved
        )
        self.plots["jitter"].sigXRangeChanged.connect(self._emit_range)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(top)
        layout.addWidget(self.graphics, 1)

    def _lane_names(self) -> list[str]:
        return [
            self.tr("Lost"), self.tr("Seq. error"), self.tr("Wrong TS"), self.tr("Marker"),
            self.tr("PT change"),
        ]  # fmt: skip

    # -- content -------------------------------------------------------------------------
    @property
    def streams(self) -> list[Stream]:
        """The streams currently plotted, in colour order."""
        return list(self._streams)

    def show_streams(self, streams: list[Stream]) -> None:
        """Plot ``streams`` (replacing what was shown) and reset the view to all data.

        Auto-ranging is off while items are added, so each array is scanned for its
        bounds once, not once per added item (a 1 M-packet stream would stall the loop).
        """
        self._streams = list(streams)
        self.series_items.clear()
        for plot in self.plots.values():
            plot.disableAutoRange()
            for item in list(plot.listDataItems()):
                plot.removeItem(item)
        self.legend.clear()
        for k, stream in enumerate(self._streams):
            self._plot_stream(k, stream)
        self._redraw_rate()
        if not self._streams:
            self.readout.setText(self.tr("Select one or more streams to plot them."))
        else:
            self.readout.setText(self.tr("Move the mouse over the plots to read values."))
        self.reset_view()

    def _curve(self, key: str, x: Any, y: Any, **kwargs: Any) -> pg.PlotDataItem:
        """Add a curve; per-packet ones (no stepMode) get peak downsampling + clipping.

        The item joins its plot empty and receives its data last, so pyqtgraph computes
        the displayed (downsampled, clipped) data once.
        """
        finite = bool(np.isfinite(y).all())
        item = pg.PlotDataItem()
        self.plots[key].addItem(item)
        if "stepMode" not in kwargs:  # clipping breaks stepMode's len(x) == len(y) + 1
            # After addItem: pyqtgraph 0.14 fails when clipToView is set on an unparented item.
            item.setDownsampling(auto=True, method="peak")
            item.setClipToView(True)
        item.setData(x, y, connect="all" if finite else "finite", skipFiniteCheck=finite, **kwargs)
        return item

    def _plot_stream(self, k: int, stream: Stream) -> None:
        colour = series_colour(k)
        pen = pg.mkPen(colour, width=1)
        s = stream.series
        name = stream_label(stream)
        self.series_items[(stream.id, "jitter")] = self._curve(
            "jitter", s.time_s, s.jitter_ms, pen=pen
        )
        self.legend.addItem(self.series_items[(stream.id, "jitter")], name)
        self.series_items[(stream.id, "delta")] = self._curve(
            "delta", s.time_s, s.delta_ms, pen=pen
        )
        loss = plot_data.loss_percent(s)
        fill = QColor(colour)
        fill.setAlpha(70)
        self.series_items[(stream.id, "loss")] = self._curve(
            "loss", loss.edges, loss.values, pen=pen, stepMode="center", fillLevel=0, brush=fill
        )
        self._plot_events(k, stream, pen)
        if stream.rtcp:
            times = np.array([r.time_s for r in stream.rtcp])
            jit = np.array([r.jitter_ms for r in stream.rtcp])
            frac = np.array([r.fraction_lost * 100.0 for r in stream.rtcp])
            marker = dict(pen=None, symbol="o", symbolSize=7, symbolPen=pg.mkPen(colour, width=2),
                          symbolBrush=None)  # fmt: skip
            self.series_items[(stream.id, "rtcp_jitter")] = self._curve(
                "jitter", times, jit, **marker
            )
            self.legend.addItem(
                self.series_items[(stream.id, "rtcp_jitter")],
                self.tr("#{0} RTCP-reported").format(stream.id),
            )
            self.series_items[(stream.id, "rtcp_loss")] = self._curve("loss", times, frac, **marker)

    def _plot_events(self, k: int, stream: Stream, pen: Any) -> None:
        n = max(1, len(self._streams))
        offset = (k - (n - 1) / 2) * (0.7 / n) if n > 1 else 0.0
        half = 0.32 / n
        for lane, key in enumerate(LANES):
            times = plot_data.event_times(stream.series)[key]
            if len(times) == 0:
                continue
            x, y = plot_data.tick_segments(times, lane + offset, half)
            item = pg.PlotDataItem(x, y, connect="pairs", pen=pg.mkPen(pen.color(), width=2))
            self.plots["events"].addItem(item)
            self.series_items[(stream.id, f"event_{key}")] = item

    def _redraw_rate(self) -> None:
        plot = self.plots["rate"]
        for key in [k for k in self.series_items if k[1] == "rate"]:
            plot.removeItem(self.series_items.pop(key))
        unit = self.rate_unit.currentData()
        plot.setLabel("left", self.tr("kbit/s") if unit == "kbps" else self.tr("Packets/s"))
        for k, stream in enumerate(self._streams):
            binned = (
                plot_data.bitrate_kbps(stream.series)
                if unit == "kbps"
                else plot_data.packet_rate(stream.series)
            )
            fill = series_colour(k)
            fill.setAlpha(40)
            self.series_items[(stream.id, "rate")] = self._curve(
                "rate", binned.edges, binned.values, pen=pg.mkPen(series_colour(k), width=1),
                stepMode="center", fillLevel=0, brush=fill,
            )

    # -- navigation ----------------------------------------------------------------------
    def x_range(self) -> tuple[float, float]:
        """Visible time range in seconds."""
        lo, hi = self.plots["jitter"].getViewBox().viewRange()[0]
        return float(lo), float(hi)

    def set_x_range(self, lo: float, hi: float) -> None:
        """Show the time range [lo, hi] seconds in every plot."""
        self.plots["jitter"].setXRange(lo, hi, padding=0)

    def zoom(self, factor: float) -> None:
        """Scale the visible time span by ``factor`` (< 1 zooms in) around its centre."""
        lo, hi = self.x_range()
        centre, half = (lo + hi) / 2, (hi - lo) / 2 * factor
        self.set_x_range(centre - half, centre + half)

    def pan(self, fraction: float) -> None:
        """Move the visible time range by ``fraction`` of its width (negative: earlier)."""
        lo, hi = self.x_range()
        step = (hi - lo) * fraction
        self.set_x_range(lo + step, hi + step)

    def reset_view(self) -> None:
        """Show all the data of every plotted stream (time span of all their packets)."""
        spans = [
            (float(s.series.time_s.min()), float(s.series.time_s.max()))
            for s in self._streams
            if len(s.series.time_s)
        ]
        if spans:
            lo, hi = min(a for a, _ in spans), max(b for _, b in spans)
            pad = max((hi - lo) * 0.01, 0.01)
            self.plots["jitter"].setXRange(lo - pad, hi + pad, padding=0)
        for key, plot in self.plots.items():
            if key == "events":  # fixed lanes
                plot.setYRange(-0.7, len(LANES) - 0.3, padding=0)
            else:  # Y follows the data visible in the time range
                plot.enableAutoRange(x=False, y=True)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.graphics and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            actions = {
                Qt.Key.Key_Left: lambda: self.pan(-0.2),
                Qt.Key.Key_Right: lambda: self.pan(0.2),
                Qt.Key.Key_Plus: lambda: self.zoom(0.5),
                Qt.Key.Key_Equal: lambda: self.zoom(0.5),
                Qt.Key.Key_Minus: lambda: self.zoom(2.0),
                Qt.Key.Key_0: self.reset_view,
            }
            action = actions.get(Qt.Key(event.key()))
            if action is not None:
                action()
                return True
        return super().eventFilter(watched, event)

    def _emit_range(self) -> None:
        lo, hi = self.x_range()
        self.x_range_changed.emit(lo, hi)

    # -- crosshair -----------------------------------------------------------------------
    def _on_mouse_moved(self, args: tuple[QPointF]) -> None:
        pos = args[0]
        for plot in self.plots.values():
            if plot.sceneBoundingRect().contains(pos):
                t = float(plot.getViewBox().mapSceneToView(pos).x())
                self.show_cursor(t)
                return

    def show_cursor(self, t: float) -> None:
        """Draw the crosshair at ``t`` seconds and read out the nearest packet per stream."""
        for line in self._cursor_lines:
            line.setPos(t)
            line.setVisible(bool(self._streams))
        parts = [self.tr("<b>t = {0:.3f} s</b>").format(t)]
        for k, stream in enumerate(self._streams):
            s = stream.series
            i = plot_data.nearest_index(s.time_s, t)
            if i < 0:
                continue
            colour = series_colour(k).name()
            parts.append(
                self.tr(
                    "<span style='color:{0}'>■</span> #{1}: seq {2}, jitter {3:.2f} ms, "
                    "delta {4:.2f} ms"
                ).format(colour, stream.id, int(s.seq[i]) & 0xFFFF, s.jitter_ms[i], s.delta_ms[i])
            )
        self.readout.setText("&nbsp;&nbsp;".join(parts))
