"""About CallScope: version, purpose and the licences of what it is built on."""

from __future__ import annotations

import platform

import numpy
import pyqtgraph
import PySide6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from callscope.core import __version__
from callscope.gui.icons import app_icon


class AboutDialog(QDialog):
    """Version, a one-line purpose and the licence of each component."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("About CallScope"))
        icon = QLabel()
        icon.setPixmap(app_icon().pixmap(64, 64))
        title = QLabel(self.tr("<h2>CallScope {0}</h2>").format(__version__))
        purpose = QLabel(
            self.tr("Why does this call sound bad? RTP stream analysis of VoIP and VoLTE "
                    "packet captures, for telecom technicians.")
        )  # fmt: skip
        purpose.setWordWrap(True)
        licences = QLabel(
            self.tr(
                "<p>CallScope is free software under the GNU General Public License, "
                "version 3 or later.</p>"
                "<p>Built on: Qt {0} and PySide6 (LGPL-3.0), pyqtgraph {1} (MIT), "
                "NumPy {2} (BSD-3-Clause), dpkt (BSD-3-Clause), Python {3} (PSF).</p>"
                "<p>Metrics follow Wireshark's RTP Stream Analysis definitions; no Wireshark "
                "code is included.</p>"
            ).format(PySide6.__version__, pyqtgraph.__version__, numpy.__version__,
                     platform.python_version())
        )  # fmt: skip
        licences.setWordWrap(True)
        licences.setTextFormat(Qt.TextFormat.RichText)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (icon, title, purpose, licences):
            layout.addWidget(widget)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)
