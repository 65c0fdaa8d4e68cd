"""The main window: assembles the capture tabs, menus, toolbar and status bar.

It owns no analysis: every capture tab is a :class:`CaptureView` that loads its
capture through :mod:`callscope.gui.workers`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QStackedWidget,
    QTabWidget,
    QWidget,
)

from callscope.gui import settings
from callscope.gui.actions import WindowActions
from callscope.gui.dialogs.about_dialog import AboutDialog
from callscope.gui.dialogs.thresholds_dialog import ThresholdsDialog
from callscope.gui.export import PlotExports
from callscope.gui.icons import app_icon, demo_capture
from callscope.gui.privacy.window_privacy import WindowPrivacy
from callscope.gui.verdict import Thresholds
from callscope.gui.views.capture_view import CaptureView
from callscope.gui.views.stream_plot_view import StreamPlotView
from callscope.gui.views.stream_table_view import StreamTableView


class MainWindow(QMainWindow):
    """Tabs of open captures; File/Streams/View/Help menus; drag and drop of captures."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("CallScope"))
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)
        self.thresholds = settings.load_thresholds()
        self.error_boxes: list[QMessageBox] = []
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.setTabsClosable(True)
        self.tabs.setMovable(True)
        self.tabs.tabCloseRequested.connect(self.close_tab)
        self.tabs.currentChanged.connect(self._update_actions)
        self.welcome = QLabel(
            self.tr("<h2>No capture open</h2><p>Open a pcap or pcapng file with "
                    "<b>File → Open</b> (Ctrl+O) or drop it on this window.</p>")
        )  # fmt: skip
        self.welcome.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.welcome)
        self.stack.addWidget(self.tabs)
        self.setCentralWidget(self.stack)
        self.actions_ = WindowActions(self)
        self.recent_menu = self.actions_.build_menus(self)
        self.privacy = WindowPrivacy(self)
        privacy_menu = QMenu(self.tr("&Privacy"), self)
        self.menuBar().insertMenu(self.menuBar().actions()[-1], privacy_menu)  # before Help
        self.privacy.build_menu(privacy_menu)
        self.actions_.build_toolbar(self)
        self.exports = PlotExports(self)
        self._connect_actions()
        self._rebuild_recent_menu()
        self.statusBar().showMessage(self.tr("Ready"))
        self.resize(1500, 950)
        state = settings.load_state("window/geometry")
        if state is not None:
            self.restoreGeometry(state)
        state = settings.load_state("window/state")
        if state is not None:
            self.restoreState(state)
        self._update_actions()

    # -- wiring --------------------------------------------------------------------------
    def _connect_actions(self) -> None:
        a = self.actions_
        a.open.triggered.connect(self.open_dialog)
        a.open_demo.triggered.connect(lambda: self.open_paths([str(demo_capture())]))
        a.close.triggered.connect(lambda: self.close_tab(self.tabs.currentIndex()))
        a.quit.triggered.connect(self.close)
        a.clear_recent.triggered.connect(self._clear_recent)
        a.next_stream.triggered.connect(lambda: self._on_table(lambda t: t.step(1)))
        a.previous_stream.triggered.connect(lambda: self._on_table(lambda t: t.step(-1)))
        a.zoom_in.triggered.connect(lambda: self._on_plot(lambda p: p.zoom(0.5)))
        a.zoom_out.triggered.connect(lambda: self._on_plot(lambda p: p.zoom(2.0)))
        a.reset_view.triggered.connect(lambda: self._on_plot(lambda p: p.reset_view()))
        a.filter.triggered.connect(self._focus_filter)
        a.thresholds.triggered.connect(self.edit_thresholds)
        a.about.triggered.connect(lambda: AboutDialog(self).open())
        a.export_png.triggered.connect(self.exports.export_png)
        a.export_svg.triggered.connect(self.exports.export_svg)
        a.export_csv.triggered.connect(self.exports.export_csv)
        a.copy_csv.triggered.connect(lambda: self._on_table(lambda t: t.copy_selection_as_csv()))
        a.find_reverse.triggered.connect(lambda: self._on_table(lambda t: t.select_reverse()))
        a.select_call.triggered.connect(lambda: self._on_table(lambda t: t.select_call()))

    def current_view(self) -> CaptureView | None:
        """The capture tab in front, if any."""
        widget = self.tabs.currentWidget()
        return widget if isinstance(widget, CaptureView) else None

    def views(self) -> list[CaptureView]:
        """Every capture tab, in tab order."""
        widgets = (self.tabs.widget(i) for i in range(self.tabs.count()))
        return [w for w in widgets if isinstance(w, CaptureView)]

    def _on_table(self, do: Callable[[StreamTableView], object]) -> None:
        view = self.current_view()
        if view is not None and view.result is not None:
            do(view.stream_table)

    def _on_plot(self, do: Callable[[StreamPlotView], object]) -> None:
        view = self.current_view()
        if view is not None and view.result is not None:
            do(view.plot_view)

    def _focus_filter(self) -> None:
        view = self.current_view()
        if view is not None and view.result is not None:
            view.filter_edit.setFocus()
            view.filter_edit.selectAll()

    def _update_actions(self) -> None:
        view = self.current_view()
        loaded = view is not None and view.result is not None
        for action in self.actions_.capture_actions():
            action.setEnabled(loaded)
        self.actions_.close.setEnabled(view is not None)
        self.stack.setCurrentIndex(1 if self.tabs.count() else 0)
        title = self.tr("CallScope")
        self.setWindowTitle(f"{Path(view.path).name} — {title}" if view else title)

    # -- opening -------------------------------------------------------------------------
    def open_dialog(self) -> None:
        """File → Open: ask for captures, then open them."""
        paths, _ = QFileDialog.getOpenFileNames(
            self, self.tr("Open Captures"), "",
            self.tr("Captures (*.pcap *.pcapng *.cap *.gz);;All files (*)"),
        )  # fmt: skip
        self.open_paths(paths)

    def open_paths(self, paths: list[str]) -> list[CaptureView]:
        """Open each capture in its own tab (or bring its tab forward); returns new tabs."""
        opened: list[CaptureView] = []
        for path in paths:
            path = str(Path(path).expanduser().absolute())
            existing = next((v for v in self.views() if v.path == path), None)
            if existing is not None:
                self.tabs.setCurrentWidget(existing)
                continue
            view = CaptureView(path)
            view.set_thresholds(self.thresholds)
            view.loaded.connect(lambda _r, v=view: self._on_loaded(v))
            view.load_failed.connect(lambda msg, v=view: self._on_failed(v, msg))
            view.load_cancelled.connect(lambda v=view: self._on_cancelled(v))
            index = self.tabs.addTab(view, Path(path).name)
            self.tabs.setTabToolTip(index, path)
            self.tabs.setCurrentIndex(index)
            view.start_loading()
            opened.append(view)
            self._rebuild_recent_menu(settings.add_recent_file(path))
            self.statusBar().showMessage(self.tr("Analysing {0}…").format(path))
        self._update_actions()
        return opened

    def _on_loaded(self, view: CaptureView) -> None:
        view.set_thresholds(self.thresholds)
        self.privacy.capture_loaded(view)
        self.statusBar().showMessage(self.tr("Loaded {0}").format(view.path), 5000)
        self._update_actions()

    def _on_failed(self, view: CaptureView, message: str) -> None:
        self._remove_view(view)
        self.show_error(self.tr("Cannot open capture"),
                        self.tr("{0}\n\n{1}").format(Path(view.path).name, message))  # fmt: skip

    def _on_cancelled(self, view: CaptureView) -> None:
        self._remove_view(view)
        self.statusBar().showMessage(self.tr("Cancelled loading {0}").format(view.path), 5000)

    def show_error(self, title: str, text: str) -> QMessageBox:
        """A non-blocking, window-modal error box (kept in ``error_boxes``)."""
        box = QMessageBox(QMessageBox.Icon.Critical, title, text, QMessageBox.StandardButton.Ok,
                          self)  # fmt: skip
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.finished.connect(lambda _=0, b=box: self.error_boxes.remove(b))
        self.error_boxes.append(box)
        box.open()
        return box

    # -- drag and drop -------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.open_paths(paths)

    # -- closing -------------------------------------------------------------------------
    def close_tab(self, index: int) -> None:
        """Close the tab at ``index`` (cancelling its load if still running)."""
        widget = self.tabs.widget(index)
        if isinstance(widget, CaptureView):
            widget.save_layout()
            self._remove_view(widget)

    def _remove_view(self, view: CaptureView) -> None:
        self.privacy.capture_closed(view)
        view.shutdown()
        index = self.tabs.indexOf(view)
        if index >= 0:
            self.tabs.removeTab(index)
        view.deleteLater()
        self._update_actions()

    def closeEvent(self, event: QCloseEvent) -> None:
        views = self.views()
        settings.save_session_files([v.path for v in views])
        for view in views:
            view.save_layout()
            view.shutdown()
        settings.save_state("window/geometry", self.saveGeometry())
        settings.save_state("window/state", self.saveState())
        self.privacy.close()
        super().closeEvent(event)

    def reopen_session(self) -> list[CaptureView]:
        """Reopen the captures that were open at the last close (those still present)."""
        paths = [p for p in settings.session_files() if Path(p).is_file()]
        return self.open_paths(paths)

    # -- settings ------------------------------------------------------------------------
    def edit_thresholds(self) -> ThresholdsDialog:
        """Open the thresholds dialog (non-blocking); accepted limits apply to every tab."""
        dialog = ThresholdsDialog(self.thresholds, self)
        dialog.accepted.connect(lambda: self.set_thresholds(dialog.thresholds()))
        dialog.open()
        return dialog

    def set_thresholds(self, limits: Thresholds) -> None:
        """Use new verdict limits everywhere and remember them."""
        self.thresholds = limits
        settings.save_thresholds(limits)
        for view in self.views():
            view.set_thresholds(limits)

    def _rebuild_recent_menu(self, paths: list[str] | None = None) -> None:
        menu = self.recent_menu
        menu.clear()
        for path in paths if paths is not None else settings.recent_files():
            action = menu.addAction(path)
            action.triggered.connect(lambda _=False, p=path: self.open_paths([p]))
        menu.addSeparator()
        menu.addAction(self.actions_.clear_recent)
        menu.setEnabled(True)

    def _clear_recent(self) -> None:
        settings.clear_recent_files()
        self._rebuild_recent_menu([])
