"""The window's actions (menu items, toolbar buttons, shortcuts) and their menus.

Only creation and layout live here; :class:`~callscope.gui.main_window.MainWindow`
connects each action to what it does.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QToolBar, QToolButton

from callscope.gui.icons import icon


class WindowActions(QObject):
    """Every QAction of the main window, with text, shortcut, icon and tooltip."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self._window = window
        std = QKeySequence.StandardKey
        self.open = self._make(self.tr("&Open…"), std.Open, "open",
                               self.tr("Open a pcap or pcapng capture (also .gz)."))
        self.open_demo = self._make(self.tr("Open &Demo Capture"), None, None,
                                    self.tr("Open the bundled synthetic demo call."))
        self.close = self._make(self.tr("&Close"), std.Close, "close",
                                self.tr("Close the current capture."))
        self.export_png = self._make(self.tr("Export Plots as &PNG…"), None, "export",
                                     self.tr("Save the current stream plots as a PNG image."))
        self.export_svg = self._make(self.tr("Export Plots as &SVG…"), None, None,
                                     self.tr("Save the current stream plots as an SVG drawing."))
        self.export_csv = self._make(self.tr("Export Series as &CSV…"), None, None,
                                     self.tr("Save the per-packet series of the plotted streams."))
        self.quit = self._make(self.tr("&Quit"), std.Quit, None, self.tr("Quit CallScope."))
        self.clear_recent = self._make(self.tr("Clear Recent Captures"), None, None, "")
        self.next_stream = self._make(self.tr("&Next Stream"), "Ctrl+Down", None,
                                      self.tr("Select and plot the next stream of the table."))
        self.previous_stream = self._make(self.tr("&Previous Stream"), "Ctrl+Up", None,
                                          self.tr("Select and plot the previous stream."))
        self.zoom_in = self._make(self.tr("Zoom &In"), std.ZoomIn, "zoom-in",
                                  self.tr("Show half the time span in the plots."))
        self.zoom_out = self._make(self.tr("Zoom &Out"), std.ZoomOut, "zoom-out",
                                   self.tr("Show twice the time span in the plots."))
        self.reset_view = self._make(self.tr("&Reset View"), "Ctrl+0", "reset",
                                     self.tr("Show the whole of the plotted streams."))
        self.filter = self._make(self.tr("&Filter Streams"), std.Find, None,
                                 self.tr("Type text to show only matching streams."))
        self.thresholds = self._make(self.tr("Verdict &Thresholds…"), None, None,
                                     self.tr("Change the limits that colour streams good, "
                                             "warning or bad."))
        self.about = self._make(self.tr("&About CallScope"), None, "callscope", "")
        self.copy_csv = self._make(self.tr("&Copy as CSV"), "Ctrl+Shift+C", None,
                                   self.tr("Copy the selected stream rows as CSV."))
        self.find_reverse = self._make(self.tr("Find &Reverse Stream"), "Ctrl+R", None,
                                       self.tr("Also select the streams flowing the other way."))
        self.select_call = self._make(self.tr("Select &Both Directions"), "Ctrl+B", None,
                                      self.tr("Select every stream of the selected call."))
        self.zoom_in.setShortcuts([QKeySequence(std.ZoomIn), QKeySequence("Ctrl+=")])  # fmt: skip

    def _make(
        self, text: str, shortcut: QKeySequence.StandardKey | str | None, icon_name: str | None,
        tip: str,
    ) -> QAction:  # fmt: skip
        action = QAction(text, self._window)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if icon_name:
            action.setIcon(icon(icon_name))
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        self._window.addAction(action)
        return action

    def capture_actions(self) -> list[QAction]:
        """Actions that need an open, loaded capture."""
        return [
            self.close, self.export_png, self.export_svg, self.export_csv, self.next_stream,
            self.previous_stream, self.zoom_in, self.zoom_out, self.reset_view, self.filter,
            self.copy_csv, self.find_reverse, self.select_call,
        ]  # fmt: skip

    def build_menus(self, window: QMainWindow) -> QMenu:
        """Fill the menu bar; returns the (empty) Open Recent menu for the window to fill."""
        bar = window.menuBar()
        file_menu = bar.addMenu(self.tr("&File"))
        file_menu.addAction(self.open)
        recent = file_menu.addMenu(self.tr("Open &Recent"))
        file_menu.addAction(self.open_demo)
        file_menu.addSeparator()
        export = file_menu.addMenu(self.tr("&Export"))
        for action in (self.export_png, self.export_svg, self.export_csv):
            export.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(self.close)
        file_menu.addAction(self.quit)
        stream_menu = bar.addMenu(self.tr("&Streams"))
        for action in (self.next_stream, self.previous_stream, self.filter):
            stream_menu.addAction(action)
        stream_menu.addSeparator()
        for action in (self.copy_csv, self.find_reverse, self.select_call):
            stream_menu.addAction(action)
        view_menu = bar.addMenu(self.tr("&View"))
        for action in (self.zoom_in, self.zoom_out, self.reset_view):
            view_menu.addAction(action)
        view_menu.addSeparator()
        view_menu.addAction(self.thresholds)
        help_menu = bar.addMenu(self.tr("&Help"))
        help_menu.addAction(self.about)
        return recent

    def build_toolbar(self, window: QMainWindow) -> QToolBar:
        """The main toolbar: open, close, zoom, export."""
        toolbar = window.addToolBar(self.tr("Main"))
        toolbar.setObjectName("main_toolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        for action in (self.open, self.close, None, self.zoom_in, self.zoom_out,
                       self.reset_view, None):  # fmt: skip
            if action is None:
                toolbar.addSeparator()
            else:
                toolbar.addAction(action)
        export_button = QToolButton()
        export_button.setDefaultAction(self.export_png)
        export_menu = QMenu(export_button)
        for action in (self.export_png, self.export_svg, self.export_csv):
            export_menu.addAction(action)
        export_button.setMenu(export_menu)
        export_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        toolbar.addWidget(export_button)
        return toolbar
