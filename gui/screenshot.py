"""``callscope --screenshot PNG``: picture the window once its captures are loaded.

Used to produce the README's screenshot under Xvfb; quits the application after.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from callscope.gui.main_window import MainWindow

POLL_MS = 200
SETTLE_MS = 600


def grab_when_loaded(window: MainWindow, path: str) -> None:
    """Poll until no tab is loading, let the plots settle, save ``window.grab()``, quit."""

    def poll() -> None:
        if any(v.loading for v in window.views()):
            QTimer.singleShot(POLL_MS, poll)
            return
        QTimer.singleShot(SETTLE_MS, save)

    def save() -> None:
        window.grab().save(path)
        print(f"saved {path}")
        app = QApplication.instance()
        if app is not None:
            app.quit()

    QTimer.singleShot(POLL_MS, poll)
