"""Spectrogram strip meant to sit under the jitter/loss plots, on the same time axis.

Two images, never both: the coarse level view (>= 250 ms x <= 8 bands, not content, no
grant) drawn as labelled band rows, with the visible note "Coarse view — full
spectrogram needs consent"; or, once a grant allows ``spectrogram``, the full STFT in
Hz. Either is placed by capture time (x = seconds since capture start), coloured in
dBFS with a colour bar below it, with lost packets drawn as dashed vertical lines.

Link it to the stream plots with ``view.plot_item.setXLink(stream_plot_view.plots["jitter"])``;
the left axis has the stream plots' width so the time axes line up pixel for pixel.

Signals
    full_requested(): the user asked for the full spectrogram (consent step next).
    settings_changed(): STFT size, overlap or window changed.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from numpy.typing import NDArray
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from callscope.core.content.access import Spectrogram
from callscope.gui.views.plot_stack import two_lines
from callscope.gui.views.stream_plot_view import AXIS_WIDTH

LEVELS_DB = (-100.0, 0.0)
COLOUR_MAP = "inferno"
LOSS_PEN = pg.mkPen("#56B4E9", width=1, style=Qt.PenStyle.DashLine)  # Okabe–Ito sky blue
SIZES = (256, 512, 1024, 2048)
OVERLAPS = (0.0, 0.5, 0.75, 0.875)
WINDOWS = ("hann", "hamming", "rect")


def band_edges(centres: NDArray[np.float64]) -> NDArray[np.float64]:
    """Band edges (Hz) from the coarse view's centres, its first band starting at 0 Hz."""
    edges = np.zeros(len(centres) + 1)
    for i, c in enumerate(centres):
        edges[i + 1] = 2 * c - edges[i]
    return edges


def _hz(value: float) -> str:
    return f"{value / 1000:g} k" if value >= 1000 else f"{value:.0f}"


class SpectrogramView(QWidget):
    """Coarse or full spectrogram of one stream; ``plot_item`` is the X-link target."""

    full_requested = Signal()
    settings_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mode = "empty"  # "coarse" | "full" | "empty"
        self._image_span = (0.0, 1.0)  # (y0, y1) of the image, for the loss lines
        self._loss_times = np.zeros(0)
        self._build()

    # -- layout --------------------------------------------------------------------------
    def _build(self) -> None:
        pal = self.palette()
        fg = pal.color(QPalette.ColorRole.Text)
        self.label = QLabel(self.tr("Select a stream to see its spectrogram."))
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.full_button = QPushButton(self.tr("Full spectrogram…"))
        self.full_button.setToolTip(self.tr(
            "A full-resolution spectrogram is content (speech can be rebuilt from it): "
            "it needs the parties' consent and is logged."))  # fmt: skip
        self.full_button.clicked.connect(self.full_requested)
        self.size_combo = self._combo([(str(s), s) for s in SIZES], 512)
        self.overlap_combo = self._combo([(f"{o:.1%}".replace(".0%", "%"), o) for o in OVERLAPS],
                                         0.75)  # fmt: skip
        self.window_combo = self._combo([(w, w) for w in WINDOWS], "hann")
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 0)
        bar.addWidget(self.label, 1)
        for text, combo in (
            (self.tr("FFT size:"), self.size_combo), (self.tr("Overlap:"), self.overlap_combo),
            (self.tr("Window:"), self.window_combo),
        ):  # fmt: skip
            bar.addWidget(QLabel(text))
            bar.addWidget(combo)
        bar.addWidget(self.full_button)

        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground(pal.color(QPalette.ColorRole.Base))
        self.graphics.ci.setSpacing(0)
        self.plot_item: pg.PlotItem = self.graphics.addPlot(row=0, col=0)
        self.plot_item.setMouseEnabled(x=True, y=False)
        self.plot_item.setMenuEnabled(False)
        self.plot_item.hideButtons()
        for name in ("left", "bottom"):
            axis = self.plot_item.getAxis(name)
            axis.setPen(pg.mkPen(fg))
            axis.setTextPen(pg.mkPen(fg))
        self.plot_item.getAxis("left").setWidth(AXIS_WIDTH)
        self.plot_item.setLabel("bottom", self.tr("Time since capture start (s)"))
        self.image = pg.ImageItem(axisOrder="col-major")
        self.plot_item.addItem(self.image)
        self.loss_lines = pg.PlotDataItem(pen=LOSS_PEN, connect="pairs")
        self.plot_item.addItem(self.loss_lines, ignoreBounds=True)
        self.colour_bar = pg.ColorBarItem(
            values=LEVELS_DB, colorMap=COLOUR_MAP, label=self.tr("dBFS"),
            orientation="horizontal", interactive=True, width=12, rounding=1,
        )  # fmt: skip
        self.colour_bar.setImageItem(self.image)
        self.graphics.addItem(self.colour_bar, row=1, col=0)
        self.graphics.ci.layout.setRowStretchFactor(0, 10)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addWidget(self.graphics, 1)
        self._set_controls(full=False)

    def _combo(self, items: list[tuple[str, object]], current: object) -> QComboBox:
        combo = QComboBox()
        for text, value in items:
            combo.addItem(text, value)
        combo.setCurrentIndex(combo.findData(current))
        combo.currentIndexChanged.connect(self.settings_changed)
        return combo

    def _set_controls(self, *, full: bool) -> None:
        for combo in (self.size_combo, self.overlap_combo, self.window_combo):
            combo.setEnabled(full)
        self.full_button.setVisible(not full)

    # -- settings ------------------------------------------------------------------------
    def stft_settings(self) -> tuple[int, float, str]:
        """(FFT size, overlap fraction, window name) chosen by the user."""
        return (int(self.size_combo.currentData()), float(self.overlap_combo.currentData()),
                str(self.window_combo.currentData()))  # fmt: skip

    # -- content -------------------------------------------------------------------------
    def show_coarse(self, spec: Spectrogram, start_s: float, note: str = "") -> None:
        """Band levels as labelled rows (no grant needed)."""
        self.mode = "coarse"
        bands = spec.db.shape[1]
        edges = band_edges(spec.freqs_hz)
        self._place(spec, start_s, 0.0, float(bands))
        ticks = [(i + 0.5, f"{_hz(edges[i])}–{_hz(edges[i + 1])}") for i in range(bands)]
        axis = self.plot_item.getAxis("left")
        axis.setTicks([ticks[::2], ticks[1::2]])  # every other band named first: a short
        axis.setStyle(hideOverlappingLabels=True)  # plot shows what fits without overlap
        self.plot_item.setLabel("left", two_lines(self.tr("Band (Hz)")))
        text = self.tr("Coarse view — full spectrogram needs consent")
        self.label.setText(f"{text}. {note}" if note else text)
        self._set_controls(full=False)

    def show_full(self, spec: Spectrogram, start_s: float, note: str = "") -> None:
        """Full STFT in Hz (shown only under a grant allowing ``spectrogram``)."""
        self.mode = "full"
        df = float(spec.freqs_hz[1] - spec.freqs_hz[0]) if len(spec.freqs_hz) > 1 else 1.0
        top = float(spec.freqs_hz[-1]) + df / 2 if len(spec.freqs_hz) else 1.0
        self._place(spec, start_s, -df / 2, top)
        self.plot_item.getAxis("left").setTicks(None)
        self.plot_item.setLabel("left", two_lines(self.tr("Frequency (Hz)")))
        size, overlap, window = self.stft_settings()
        text = self.tr("Full spectrogram (consented) — FFT {0}, {1:.0%} overlap, {2}").format(
            size, overlap, window)  # fmt: skip
        self.label.setText(f"{text}. {note}" if note else text)
        self._set_controls(full=True)

    def show_message(self, text: str) -> None:
        """No image: say why (decoding impossible, no stream selected...)."""
        self.mode = "empty"
        self.image.clear()
        self.label.setText(text)
        self._set_controls(full=False)

    def _place(self, spec: Spectrogram, start_s: float, y0: float, y1: float) -> None:
        times = spec.times_s
        step = float(times[1] - times[0]) if len(times) > 1 else 0.25
        x0 = start_s + (float(times[0]) if len(times) else 0.0) - step / 2
        width = step * max(len(times), 1)
        self.image.setImage(spec.db, autoLevels=False)
        self.image.setRect(QRectF(x0, y0, width, y1 - y0))
        self.colour_bar.setLevels(self.colour_bar.levels())
        self._image_span = (y0, y1)
        self.plot_item.setYRange(y0, y1, padding=0)
        if not self._x_linked():
            self.plot_item.setXRange(x0, x0 + width, padding=0.01)
        self._draw_loss()

    def _x_linked(self) -> bool:
        return self.plot_item.getViewBox().linkedView(pg.ViewBox.XAxis) is not None

    def set_loss_times(self, times_s: NDArray[np.float64]) -> None:
        """Capture times (s) of lost packets, drawn as dashed vertical lines."""
        self._loss_times = np.asarray(times_s, dtype=np.float64)
        self._draw_loss()

    def _draw_loss(self) -> None:
        t = self._loss_times
        y0, y1 = self._image_span
        self.loss_lines.setData(np.repeat(t, 2), np.tile([y0, y1], len(t)))
