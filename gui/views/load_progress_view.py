"""What a capture tab shows while the worker reads it: progress and a Cancel button.

Signals
    cancel_requested(): the user pressed Cancel.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget


class LoadProgressView(QWidget):
    """A centred progress bar with the stage, bytes read and streams found so far."""

    cancel_requested = Signal()

    def __init__(self, path: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel(self.tr("Analysing {0}…").format(Path(path).name))
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.title.setFont(font)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)  # busy until the first report
        self.bar.setMinimumWidth(420)
        self.detail = QLabel(self.tr("Opening…"))
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setToolTip(self.tr("Stop reading this capture and close its tab."))
        self.cancel_button.clicked.connect(self._on_cancel)
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        for widget in (self.title, self.bar, self.detail, self.cancel_button):
            layout.addWidget(widget, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(3)

    def _stage_text(self, stage: str) -> str:
        names = {
            "reading": self.tr("Reading packets"),
            "decoding": self.tr("Decoding packets"),
            "signalling": self.tr("Reading SIP signalling"),
            "streams": self.tr("Measuring RTP streams"),
            "metrics": self.tr("Computing metrics"),
            "done": self.tr("Finishing"),
        }
        return names.get(stage, stage)

    def set_progress(self, done: int, total: int, stage: str, streams: int) -> None:
        """Show one progress report (``done``/``total`` are bytes while reading)."""
        if total > 0:
            self.bar.setRange(0, 1000)
            self.bar.setValue(int(1000 * min(done, total) / total))
        else:
            self.bar.setRange(0, 0)
        text = self._stage_text(stage)
        if stage == "reading" and total > 0:
            text = self.tr("{0}: {1:.1f} of {2:.1f} MB").format(text, done / 1e6, total / 1e6)
        if streams:
            text = self.tr("{0} · {1} RTP streams found").format(text, streams)
        self.detail.setText(text)

    def _on_cancel(self) -> None:
        self.cancel_button.setEnabled(False)
        self.detail.setText(self.tr("Cancelling…"))
        self.cancel_requested.emit()
