"""Write the stream view's plots (PNG, SVG) and the plotted series (CSV) to files.

PNG goes through pyqtgraph's ImageExporter, SVG through QSvgGenerator; the CSV holds packet
header fields only (never payload bytes), one line per packet of each stream.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from pyqtgraph.exporters import ImageExporter
from PySide6.QtCore import QObject, QRectF
from PySide6.QtGui import QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QFileDialog

from callscope.core.model import Stream
from callscope.gui.views.stream_plot_view import StreamPlotView
from callscope.gui.workers import BackgroundJob, run_in_background

if TYPE_CHECKING:
    from callscope.gui.main_window import MainWindow as MainWindowLike

SERIES_COLUMNS = (
    "stream", "ssrc", "frame", "time_s", "seq", "rtp_timestamp", "payload_type", "marker",
    "length", "delta_ms", "jitter_ms", "skew_ms", "sequence_error", "lost_before",
    "wrong_timestamp",
)  # fmt: skip


def export_png(view: StreamPlotView, path: str | Path, width: int) -> tuple[int, int]:
    """Render every plot of ``view`` into a PNG ``width`` pixels wide; returns (w, h).

    The height follows the plots' on-screen aspect ratio.
    """
    exporter = ImageExporter(view.graphics.scene())
    exporter.parameters()["width"] = int(width)  # pyqtgraph derives the height from it
    height = int(exporter.parameters()["height"])
    exporter.export(str(path))
    return int(width), height


def export_svg(view: StreamPlotView, path: str | Path) -> None:
    """Write every plot of ``view`` as an SVG drawing.

    Rendered with QSvgGenerator: pyqtgraph 0.14's SVGExporter fails to parse the path
    data Qt 6.12 writes ("not enough values to unpack").
    """
    scene = view.graphics.scene()
    rect = scene.sceneRect()
    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(rect.size().toSize())
    generator.setViewBox(QRectF(0, 0, rect.width(), rect.height()))
    generator.setTitle("CallScope stream plots")
    painter = QPainter(generator)
    try:
        scene.render(painter, QRectF(0, 0, rect.width(), rect.height()), rect)
    finally:
        painter.end()


def write_series_csv(streams: list[Stream], path: str | Path) -> int:
    """Write the per-packet series of ``streams`` as CSV; returns the data rows written.

    Runs in a worker thread for large captures: it reads immutable arrays only.
    """
    rows = 0
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(SERIES_COLUMNS)
        for stream in streams:
            s = stream.series
            n = len(s.time_s)
            columns = [
                np.full(n, stream.id), np.full(n, stream.ssrc_hex, dtype=object), s.frame,
                np.char.mod("%.6f", s.time_s), s.seq, s.rtp_timestamp, s.payload_type,
                s.marker.astype(np.int8), s.length, np.char.mod("%.3f", s.delta_ms),
                np.char.mod("%.3f", s.jitter_ms), np.char.mod("%.3f", s.skew_ms),
                s.sequence_error.astype(np.int8), s.lost_before,
                s.wrong_timestamp.astype(np.int8),
            ]  # fmt: skip
            writer.writerows(zip(*(c.tolist() for c in columns), strict=True))
            rows += n
    return rows


class PlotExports(QObject):
    """File → Export: asks for a file name, then writes the current tab's plots or series."""

    def __init__(self, window: MainWindowLike) -> None:
        super().__init__(window)
        self._window = window
        self.jobs: list[BackgroundJob] = []

    def _view(self) -> StreamPlotView | None:
        view = self._window.current_view()
        return view.plot_view if view is not None and view.result is not None else None

    def _ask(self, title: str, filters: str, suffix: str) -> str:
        path, _ = QFileDialog.getSaveFileName(self._window, title, "", filters)
        if path and not path.lower().endswith(suffix):
            path += suffix
        return path

    def export_png(self) -> None:
        """Ask for a PNG name and save the plots at twice the on-screen width."""
        view = self._view()
        if view is None:
            return
        path = self._ask(self.tr("Export Plots as PNG"), self.tr("PNG images (*.png)"), ".png")
        if path:
            export_png(view, path, max(800, 2 * view.graphics.width()))
            self._window.statusBar().showMessage(self.tr("Saved {0}").format(path), 5000)

    def export_svg(self) -> None:
        """Ask for an SVG name and save the plots."""
        view = self._view()
        if view is None:
            return
        path = self._ask(self.tr("Export Plots as SVG"), self.tr("SVG drawings (*.svg)"), ".svg")
        if path:
            export_svg(view, path)
            self._window.statusBar().showMessage(self.tr("Saved {0}").format(path), 5000)

    def export_csv(self) -> None:
        """Ask for a CSV name and write the plotted series in the background."""
        view = self._view()
        if view is None or not view.streams:
            return
        path = self._ask(self.tr("Export Series as CSV"), self.tr("CSV files (*.csv)"), ".csv")
        if not path:
            return
        streams = view.streams
        job = run_in_background(lambda: write_series_csv(streams, path), self)
        bar = self._window.statusBar()
        job.finished.connect(
            lambda rows: bar.showMessage(self.tr("Saved {0} packets to {1}").format(rows, path))
        )
        job.failed.connect(lambda msg: self._window.show_error(self.tr("Export failed"), msg))
        job.done.connect(lambda: self.jobs.remove(job))
        self.jobs.append(job)
        bar.showMessage(self.tr("Writing {0}…").format(path))
        job.start()
