"""The playback bar: transport, time, volume, output device, channels, loop, export.

A passive widget: it emits what the user asked for and shows what the
:class:`~callscope.gui.content.playback_controller.PlaybackController` tells it (time,
playing state, messages such as "audio output unavailable"). It never touches audio.

Signals
    play_requested(), pause_requested(), stop_requested(), export_requested()
    volume_changed(float): linear gain 0..2 (slider 0..200 %).
    device_changed(): another output device was chosen (see ``device()``).
    channels_changed(): one stream / both directions as left/right (see ``channels()``).
    loop_toggled(bool): loop the selected time range.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from callscope.gui.privacy.scope_text import REFUSED_COLOUR

ONE, BOTH = "one", "both"


class PlayerBar(QWidget):
    """One row of playback controls (see module docstring)."""

    play_requested = Signal()
    pause_requested = Signal()
    stop_requested = Signal()
    export_requested = Signal()
    volume_changed = Signal(float)
    device_changed = Signal()
    channels_changed = Signal()
    loop_toggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        style = self.style()
        self.play_button = QPushButton(
            style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay), self.tr("Play")
        )
        self.play_button.setToolTip(self.tr("Play (needs consent; logged as PLAY_START)"))
        self.pause_button = QPushButton(
            style.standardIcon(QStyle.StandardPixmap.SP_MediaPause), self.tr("Pause")
        )
        self.stop_button = QPushButton(
            style.standardIcon(QStyle.StandardPixmap.SP_MediaStop), self.tr("Stop")
        )
        self.play_button.clicked.connect(self.play_requested)
        self.pause_button.clicked.connect(self.pause_requested)
        self.stop_button.clicked.connect(self.stop_requested)
        self.time_label = QLabel("–")
        self.time_label.setMinimumWidth(150)
        self.time_label.setToolTip(self.tr("Playback position / end, in capture time"))
        self.volume = QSlider(Qt.Orientation.Horizontal)
        self.volume.setRange(0, 200)
        self.volume.setValue(100)
        self.volume.setFixedWidth(110)
        self.volume.setToolTip(self.tr("Volume (100 % = as decoded)"))
        self.volume_label = QLabel("100 %")
        self.volume.valueChanged.connect(self._on_volume)
        self.device_combo = QComboBox()
        self.device_combo.setMinimumWidth(160)
        self.device_combo.setToolTip(self.tr("Audio output device"))
        self.device_combo.addItem(self.tr("System default"), None)
        self.device_combo.currentIndexChanged.connect(self.device_changed)
        self.channels_combo = QComboBox()
        self.channels_combo.addItem(self.tr("Selected stream"), ONE)
        self.channels_combo.addItem(self.tr("Both directions (L/R)"), BOTH)
        self.channels_combo.setToolTip(self.tr(
            "Both directions: this stream on the left, the reverse stream on the right, "
            "aligned on capture time"))  # fmt: skip
        self.channels_combo.currentIndexChanged.connect(self.channels_changed)
        self.loop_check = QCheckBox(self.tr("Loop selection"))
        self.loop_check.setToolTip(self.tr("Drag the shaded range on the plots to choose it"))
        self.loop_check.toggled.connect(self.loop_toggled)
        self.export_button = QPushButton(self.tr("Export WAV…"))
        self.export_button.setToolTip(self.tr("Export the audio (needs consent; logged)"))
        self.export_button.clicked.connect(self.export_requested)
        self.message = QLabel()
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        for widget in (self.play_button, self.pause_button, self.stop_button, self.time_label):
            row.addWidget(widget)
        row.addWidget(QLabel(self.tr("Volume:")))
        row.addWidget(self.volume)
        row.addWidget(self.volume_label)
        row.addWidget(QLabel(self.tr("Output:")))
        row.addWidget(self.device_combo)
        row.addWidget(self.channels_combo)
        row.addWidget(self.loop_check)
        row.addWidget(self.export_button)
        row.addStretch(1)
        column = QVBoxLayout(self)
        column.setContentsMargins(4, 2, 4, 2)
        column.setSpacing(2)
        column.addLayout(row)
        column.addWidget(self.message)
        self.message.setVisible(False)
        self.set_playing(False)

    def _on_volume(self, value: int) -> None:
        self.volume_label.setText(f"{value} %")
        self.volume_changed.emit(value / 100.0)

    # -- what the controller tells the bar ------------------------------------------------
    def set_devices(self, devices: list[tuple[int, str]]) -> None:
        """Offer these (index, name) output devices after "System default"."""
        self.device_combo.blockSignals(True)
        while self.device_combo.count() > 1:
            self.device_combo.removeItem(1)
        for index, name in devices:
            self.device_combo.addItem(name, index)
        self.device_combo.blockSignals(False)

    def set_audio_available(self, available: bool) -> None:
        """Disable the transport when no audio output exists (export keeps working)."""
        for widget in (self.play_button, self.pause_button, self.stop_button, self.device_combo):
            widget.setEnabled(available)
        if available:
            self.set_playing(False)

    def set_playing(self, playing: bool) -> None:
        """Show the playing / not playing state."""
        self.play_button.setEnabled(not playing)
        self.pause_button.setEnabled(playing)

    def set_time(self, position_s: float | None, end_s: float | None = None) -> None:
        """Show the position (capture time, s); None shows a dash."""
        if position_s is None:
            self.time_label.setText("–")
        elif end_s is None:
            self.time_label.setText(f"{position_s:.3f} s")
        else:
            self.time_label.setText(f"{position_s:.3f} s / {end_s:.3f} s")

    def set_message(self, text: str, error: bool = False) -> None:
        """A plain-text note under the controls (errors in the warning colour); "" hides it."""
        self.message.setText(text)
        self.message.setVisible(bool(text))
        self.message.setStyleSheet(f"color: {REFUSED_COLOUR}; font-weight: bold;" if error else "")

    # -- what the user chose ---------------------------------------------------------------
    def device(self) -> int | None:
        """The chosen output device index (None: the system default)."""
        data = self.device_combo.currentData()
        return None if data is None else int(data)

    def channels(self) -> str:
        """``"one"`` (selected stream) or ``"both"`` (left/right)."""
        return str(self.channels_combo.currentData())

    def gain(self) -> float:
        """Linear volume 0..2."""
        return self.volume.value() / 100.0
