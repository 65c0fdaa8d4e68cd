"""Edit the verdict thresholds: warning and bad limits for loss, jitter and delta."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QGridLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from callscope.gui.verdict import Thresholds


class ThresholdsDialog(QDialog):
    """Two spin boxes (warning, bad) per figure; ``thresholds()`` reads them back."""

    def __init__(self, limits: Thresholds, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Verdict Thresholds"))
        grid = QGridLayout()
        grid.addWidget(QLabel(self.tr("<b>Warning above</b>")), 0, 1)
        grid.addWidget(QLabel(self.tr("<b>Bad above</b>")), 0, 2)
        rows = (
            ("lost_percent", self.tr("Lost packets"), self.tr(" %"), 100.0,
             self.tr("Share of packets that never arrived.")),
            ("max_jitter_ms", self.tr("Maximum jitter"), self.tr(" ms"), 10_000.0,
             self.tr("Worst RFC 3550 interarrival jitter of the stream.")),
            ("max_delta_ms", self.tr("Maximum delta"), self.tr(" ms"), 100_000.0,
             self.tr("Longest gap between two consecutive packets.")),
        )  # fmt: skip
        self.spins: dict[str, QDoubleSpinBox] = {}
        for r, (key, label, suffix, maximum, tip) in enumerate(rows, start=1):
            name = QLabel(label)
            name.setToolTip(tip)
            grid.addWidget(name, r, 0)
            for c, level in enumerate(("warn", "bad"), start=1):
                spin = QDoubleSpinBox()
                spin.setDecimals(2)
                spin.setRange(0.0, maximum)
                spin.setSuffix(suffix)
                spin.setValue(getattr(limits, f"{key}_{level}"))
                spin.setToolTip(tip)
                grid.addWidget(spin, r, c)
                self.spins[f"{key}_{level}"] = spin
        self.error = QLabel()
        self.error.setStyleSheet("color: #D55E00")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.RestoreDefaults
        )
        buttons.accepted.connect(self._accept_if_valid)
        buttons.rejected.connect(self.reject)
        defaults = buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults)
        defaults.clicked.connect(lambda: self.set_thresholds(Thresholds()))
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("A stream is judged by its worst figure.")))
        layout.addLayout(grid)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def thresholds(self) -> Thresholds:
        """The limits currently entered."""
        return Thresholds(**{key: spin.value() for key, spin in self.spins.items()})

    def set_thresholds(self, limits: Thresholds) -> None:
        """Put ``limits`` into the spin boxes."""
        for key, spin in self.spins.items():
            spin.setValue(getattr(limits, key))

    def _accept_if_valid(self) -> None:
        if self.thresholds().valid():
            self.accept()
        else:
            self.error.setText(self.tr("Each warning limit must not exceed its bad limit."))
