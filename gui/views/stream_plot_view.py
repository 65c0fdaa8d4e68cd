"""Stacked pyqtgraph plots of the selected streams, sharing one time axis.

From top: jitter (ms, with RTCP-reported jitter), delta (ms), loss per second (%,
with RTCP-reported fraction lost), an events lane (lost, sequence error, wrong
timestamp, marker, payload change) and packet rate or bit rate. Each selected
stream has one colour in every plot. Mouse: wheel zooms time, drag pans; Y follows
the visible data. Keys (plot focused): Left/Right pan, +/- zoom, 0 resets.

A stream of a million packets stays smooth: the curves draw a peak envelope fitted to
the visible range and the plot width (plot_curves), recomputed only when the view
leaves what was prepared; the per-second bins and event times come precomputed from
the worker (``set_plot_series``). The plots themselves are built one per event-loop
turn after construction, so opening a capture never blocks the loop for long;
``plots`` builds the rest at once when asked earlier, ``when_built`` waits for them.

Signals
    x_range_changed(float, float): visible time range (s), for views sharing the axis.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeyEvent, QPalette
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from callscope.core.model import Stream
from callscope.gui.theme import series_colour
from callscope.gui.views import plot_data, plot_stack
from callscope.gui.views.plot_curves import EnvelopeCurve, EnvelopeSteps, EventTicks, ViewFitted
from callscope.gui.views.plot_data import StreamPlotSeries
from callscope.gui.views.plot_stack import AXIS_WIDTH, LANES

__all__ = ["AXIS_WIDTH", "LANES", "StreamPlotView", "stream_label"]

MIN_PIXELS = 200  # plot width assumed before the layout gave the plots their size
NEXT_TURN_MS = 1  # a 0 ms single shot would run before the timers and input already waiting


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
        self._prepared: dict[int, StreamPlotSeries] = {}
        self._fitted: list[ViewFitted] = []
        self._plots: dict[str, pg.PlotItem] = {}
        self._cursor_lines: list[pg.InfiniteLine] = []
        self._when_built: list[Callable[[], object]] = []
        self._build()
        QTimer.singleShot(NEXT_TURN_MS, self, self._build_next_plot)

    # -- layout --------------------------------------------------------------------------
    def _build(self) -> None:
        pal = self.palette()
        self._colours = (pal.color(QPalette.ColorRole.Text), pal.color(QPalette.ColorRole.Base))
        fg, bg = self._colours
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
        self.legend = pg.LegendItem(offset=None, labelTextColor=fg, verSpacing=-4)
        self.legend.setColumnCount(2)
        self.graphics.addItem(self.legend, row=0, col=0)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(top)
        layout.addWidget(self.graphics, 1)

    def _specs(self) -> list[tuple[str, str, int]]:
        """(key, left-axis title, height share) of each plot, top to bottom."""
        return [
            ("jitter", self.tr("Jitter (ms)"), 3), ("delta", self.tr("Delta (ms)"), 3),
            ("loss", self.tr("Loss (%)"), 2), ("events", "", 3), ("rate", self.tr("Rate"), 2),
        ]  # fmt: skip

    def _lane_names(self) -> list[str]:
        return [
            self.tr("Lost"), self.tr("Seq. error"), self.tr("Wrong TS"), self.tr("Marker"),
            self.tr("PT change"),
        ]  # fmt: skip

    @property
    def plots(self) -> dict[str, pg.PlotItem]:
        """The plots by key (``jitter``, ``delta``, ``loss``, ``events``, ``rate``)."""
        while len(self._plots) < len(self._specs()):
            self._build_next_plot()
        return self._plots

    def when_built(self, callback: Callable[[], object]) -> None:
        """Call ``callback`` on a later event-loop turn, once every plot exists.

        A capture that loads faster than the plots are built waits for them here, rather
        than having the rest built in one stretch by the first ``show_streams``.
        """
        self._when_built.append(callback)
        if len(self._plots) == len(self._specs()):
            QTimer.singleShot(NEXT_TURN_MS, self, self._run_when_built)

    def _run_when_built(self) -> None:
        callbacks, self._when_built = self._when_built, []
        for callback in callbacks:
            callback()

    def _build_next_plot(self) -> None:
        """Add the next plot of the stack (~10 ms each); the last one wires them up."""
        specs = self._specs()
        if len(self._plots) == len(specs):
            return
        key, title, stretch = specs[len(self._plots)]
        self._plots[key] = plot_stack.add_plot(
            self.graphics, len(self._plots) + 1, title, stretch, self._colours,
            self._plots.get("jitter"),
        )  # fmt: skip
        if len(self._plots) < len(specs):
            QTimer.singleShot(NEXT_TURN_MS, self, self._build_next_plot)
        else:
            self._wire_plots()
            if self._when_built:
                QTimer.singleShot(NEXT_TURN_MS, self, self._run_when_built)

    def _wire_plots(self) -> None:
        plots = self._plots
        for key in ("jitter", "delta", "loss", "events"):
            plots[key].getAxis("bottom").setStyle(showValues=False)
        plots["rate"].setLabel("bottom", self.tr("Time since capture start (s)"))
        plot_stack.style_events_lane(plots["events"], self._lane_names())
        cursor_pen = pg.mkPen(self._colours[0], width=1, style=Qt.PenStyle.DashLine)
        for plot in plots.values():
            line = pg.InfiniteLine(angle=90, movable=False, pen=cursor_pen)
            line.setVisible(False)
            plot.addItem(line, ignoreBounds=True)
            self._cursor_lines.append(line)
        self._mouse_proxy = pg.SignalProxy(
            self.graphics.scene().sigMouseMoved, rateLimit=30, slot=self._on_mouse_moved
        )
        plots["jitter"].sigXRangeChanged.connect(self._on_x_range_changed)
        plots["jitter"].getViewBox().sigResized.connect(lambda _vb: self._refresh_items())

    # -- content -------------------------------------------------------------------------
    @property
    def streams(self) -> list[Stream]:
        """The streams currently plotted, in colour order."""
        return list(self._streams)

    def set_plot_series(self, prepared: dict[int, StreamPlotSeries]) -> None:
        """Use the bins and event times the worker prepared, by stream id of this capture."""
        self._prepared = prepared

    def _series_for(self, stream: Stream) -> StreamPlotSeries:
        prepared = self._prepared.get(stream.id)
        return prepared if prepared is not None else plot_data.prepare(stream.series)

    def show_streams(self, streams: list[Stream]) -> None:
        """Plot ``streams`` (replacing what was shown) and reset the view to all data.

        Auto-ranging is off while items are added, so bounds are computed once at the end.
        """
        plots = self.plots
        self._streams = list(streams)
        self.series_items.clear()
        self._fitted.clear()
        for plot in plots.values():
            plot.disableAutoRange()
            for item in list(plot.listDataItems()):
                plot.removeItem(item)
        self.legend.clear()
        for k, stream in enumerate(self._streams):
            self._plot_stream(k, stream, self._series_for(stream))
        self._plot_rates()
        if not self._streams:
            self.readout.setText(self.tr("Select one or more streams to plot them."))
        else:
            self.readout.setText(self.tr("Move the mouse over the plots to read values."))
        self.reset_view()
        self._refresh_items()

    def _add(self, key: str, item: Any) -> Any:
        self.plots[key].addItem(item)
        if isinstance(item, ViewFitted):
            self._fitted.append(item)
        return item

    def _envelope(self, key: str, x: Any, y: Any, x_sorted: bool, pen: Any) -> EnvelopeCurve:
        """A per-packet curve drawn as its peak envelope.

        Times that step back cannot be decimated by time: then pyqtgraph's own peak
        downsampling and clip-to-view reduce the full series instead. They stay off
        otherwise: they would re-clip on every pan and, by changing the item's bounds,
        make each pan paint twice.
        """
        item = self._add(key, EnvelopeCurve(x, y, x_sorted, pen=pen))
        if not x_sorted:
            # After addItem: pyqtgraph 0.14 fails when clipToView is set on an unparented item.
            item.setDownsampling(auto=True, method="peak")
            item.setClipToView(True)
        return item  # type: ignore[no-any-return]

    def _plot_stream(self, k: int, stream: Stream, prepared: StreamPlotSeries) -> None:
        colour = series_colour(k)
        pen = pg.mkPen(colour, width=1)
        s = stream.series
        name = stream_label(stream)
        ordered = prepared.time_sorted
        jitter = self._envelope("jitter", s.time_s, s.jitter_ms, ordered, pen)
        self.series_items[(stream.id, "jitter")] = jitter
        self.legend.addItem(jitter, name)
        self.series_items[(stream.id, "delta")] = self._envelope(
            "delta", s.time_s, s.delta_ms, ordered, pen
        )
        fill = QColor(colour)
        fill.setAlpha(70)
        loss = prepared.loss
        self.series_items[(stream.id, "loss")] = self._add(
            "loss", EnvelopeSteps(loss.edges, loss.values, pen=pen, fillLevel=0, brush=fill)
        )
        self._plot_events(k, stream, prepared, pen)
        if stream.rtcp:
            times = np.array([r.time_s for r in stream.rtcp])
            jit = np.array([r.jitter_ms for r in stream.rtcp])
            frac = np.array([r.fraction_lost * 100.0 for r in stream.rtcp])
            marker = dict(pen=None, symbol="o", symbolSize=7, symbolPen=pg.mkPen(colour, width=2),
                          symbolBrush=None)  # fmt: skip
            rtcp_jitter = self._add("jitter", pg.PlotDataItem(times, jit, **marker))
            self.series_items[(stream.id, "rtcp_jitter")] = rtcp_jitter
            self.legend.addItem(rtcp_jitter, self.tr("#{0} RTCP-reported").format(stream.id))
            self.series_items[(stream.id, "rtcp_loss")] = self._add(
                "loss", pg.PlotDataItem(times, frac, **marker)
            )

    def _plot_events(self, k: int, stream: Stream, prepared: StreamPlotSeries, pen: Any) -> None:
        n = max(1, len(self._streams))
        offset = (k - (n - 1) / 2) * (0.7 / n) if n > 1 else 0.0
        half = 0.32 / n
        tick_pen = pg.mkPen(pen.color(), width=2)
        for lane, key in enumerate(LANES):
            times = prepared.events[key]
            if len(times) == 0:
                continue
            self.series_items[(stream.id, f"event_{key}")] = self._add(
                "events", EventTicks(times, lane + offset, half, pen=tick_pen)
            )

    def _redraw_rate(self) -> None:
        self._plot_rates()
        self._refresh_items()

    def _plot_rates(self) -> None:
        plot = self.plots["rate"]
        for key in [k for k in self.series_items if k[1] == "rate"]:
            item = self.series_items.pop(key)
            plot.removeItem(item)
            self._fitted.remove(item)
        unit = self.rate_unit.currentData()
        plot.setLabel("left", plot_stack.two_lines(
            self.tr("Rate (kbit/s)") if unit == "kbps" else self.tr("Rate (packets/s)")))
        for k, stream in enumerate(self._streams):
            prepared = self._series_for(stream)
            binned = prepared.bitrate if unit == "kbps" else prepared.packet_rate
            fill = series_colour(k)
            fill.setAlpha(40)
            self.series_items[(stream.id, "rate")] = self._add("rate", EnvelopeSteps(
                binned.edges, binned.values, pen=pg.mkPen(series_colour(k), width=1),
                fillLevel=0, brush=fill,
            ))  # fmt: skip

    def _pixels(self) -> int:
        """Width of the plots' data area in device pixels."""
        width = float(self.plots["jitter"].getViewBox().width())
        ratio = float(self.graphics.devicePixelRatioF())
        return max(round(width * ratio), MIN_PIXELS)

    def _refresh_items(self) -> None:
        """Let every decimated item redraw for the visible range if it needs to, then fit
        each plot's Y range to the data now visible.

        pyqtgraph would do both while preparing the next paint, and the range and
        transform changes it makes there ask for a second paint: done here, a pan paints
        once.
        """
        if not self._fitted:
            return
        lo, hi = self.x_range()
        pixels = self._pixels()
        for item in self._fitted:
            item.refresh(lo, hi, pixels)
        for plot in self._plots.values():
            view = plot.getViewBox()
            if view.autoRangeEnabled()[1]:
                view.updateAutoRange()
            view.updateMatrix()

    def _on_x_range_changed(self) -> None:
        # The other plots follow the jitter plot through pyqtgraph's X link, whose slots
        # may run after this one: bring them along first, so that they are refreshed too.
        for key, plot in self._plots.items():
            if key != "jitter":
                plot.getViewBox().linkedXChanged()
        self._refresh_items()
        lo, hi = self.x_range()
        self.x_range_changed.emit(lo, hi)

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
        plots = self.plots
        spans = [
            (float(s.series.time_s.min()), float(s.series.time_s.max()))
            for s in self._streams
            if len(s.series.time_s)
        ]
        if spans:
            lo, hi = min(a for a, _ in spans), max(b for _, b in spans)
            pad = max((hi - lo) * 0.01, 0.01)
            plots["jitter"].setXRange(lo - pad, hi + pad, padding=0)
        for key, plot in plots.items():
            if key == "events":  # fixed lanes
                plot_stack.reset_lane_range(plot)
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
        self.plots  # noqa: B018 (builds the cursor lines if the event loop has not yet)
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
