"""One open capture: progress while loading, then calls, streams, plots and metrics.

Layout (top to bottom, in splitters the user can drag): summary line and filter;
calls table; streams table; stream view (plots, with room below them for content
views sharing the time axis) beside the metrics panel.

Signals
    loaded(object): the AnalysisResult is shown (with the first streams plotted).
    load_failed(str): the core rejected the capture (its one-line message).
    load_cancelled(): the user cancelled the load.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from callscope.core.model import AnalysisResult
from callscope.gui import settings
from callscope.gui.models.call_table_model import CallColumn, CallTableModel
from callscope.gui.models.roles import SORT_ROLE, STREAM_ID_ROLE
from callscope.gui.models.stream_table_model import StreamFilterProxy
from callscope.gui.verdict import Thresholds
from callscope.gui.views.load_progress_view import LoadProgressView
from callscope.gui.views.metrics_panel import MetricsPanel
from callscope.gui.views.stream_plot_view import StreamPlotView
from callscope.gui.views.stream_table_view import StreamTableView
from callscope.gui.workers import AnalysisJob

FIT_ROWS = 64
"""Rows measured when fitting column widths (Qt measures 1000 by default: ~0.6 ms each)."""


class CaptureView(QStackedWidget):
    """A tab's content for the capture at ``path``."""

    loaded = Signal(object)
    load_failed = Signal(str)
    load_cancelled = Signal()

    def __init__(self, path: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path = str(path)
        self.result: AnalysisResult | None = None
        self.ready = False  # True once ``loaded`` was emitted
        self.job: AnalysisJob | None = None
        self.progress_view = LoadProgressView(self.path)
        self.progress_view.cancel_requested.connect(self.cancel_loading)
        self.addWidget(self.progress_view)
        self.addWidget(self._build_content())

    # -- layout --------------------------------------------------------------------------
    def _build_content(self) -> QWidget:
        self.summary = QLabel()
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText(self.tr("Filter streams (address, SSRC, codec…)"))
        self.filter_edit.setToolTip(self.tr("Show only streams whose row contains this text."))
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setMaximumWidth(360)
        bar = QHBoxLayout()
        bar.setContentsMargins(6, 4, 6, 4)
        bar.addWidget(self.summary, 1)
        bar.addWidget(self.filter_edit)

        self.call_model = CallTableModel(self)
        self.call_proxy = StreamFilterProxy(self)
        self.call_proxy.setSourceModel(self.call_model)
        self.call_proxy.setSortRole(SORT_ROLE)
        self.call_table = QTableView()
        self.call_table.setModel(self.call_proxy)
        self.call_table.setSortingEnabled(True)
        self.call_table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.call_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.call_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.call_table.verticalHeader().hide()
        self.call_table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        calls_header = self.call_table.horizontalHeader()
        calls_header.setStretchLastSection(False)
        for col in (CallColumn.FROM, CallColumn.TO):
            calls_header.setSectionResizeMode(col, QHeaderView.ResizeMode.Stretch)
        self.call_table.selectionModel().selectionChanged.connect(self._on_call_selected)

        self.stream_table = StreamTableView()
        self.stream_table.streams_selected.connect(self._on_streams_selected)
        self.filter_edit.textChanged.connect(self.stream_table.proxy.set_filter_text)

        self.plot_view = StreamPlotView()
        self.stream_split = QSplitter(Qt.Orientation.Vertical)
        self.stream_split.setChildrenCollapsible(False)
        self.stream_split.addWidget(self.plot_view)
        self.metrics = MetricsPanel()
        self.no_rtp = QLabel(self.tr("No RTP streams found in this capture."))
        self.no_rtp.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.no_rtp.setWordWrap(True)
        self.bottom_split = QSplitter(Qt.Orientation.Horizontal)
        self.bottom_split.addWidget(self.stream_split)
        self.bottom_split.addWidget(self.metrics)
        self.bottom_split.setStretchFactor(0, 4)
        self.bottom_split.setStretchFactor(1, 1)
        self.bottom = QStackedWidget()
        self.bottom.addWidget(self.bottom_split)
        self.bottom.addWidget(self.no_rtp)

        self.main_split = QSplitter(Qt.Orientation.Vertical)
        for widget, stretch in ((self.call_table, 1), (self.stream_table, 2), (self.bottom, 7)):
            self.main_split.addWidget(widget)
            self.main_split.setStretchFactor(self.main_split.count() - 1, stretch)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addWidget(self._build_notice())
        layout.addWidget(self.main_split, 1)
        return page

    def _build_notice(self) -> QWidget:
        """A one-line banner for what the technician should know (hidden when empty)."""
        self.notice = QWidget()
        self.notice.setObjectName("notice")
        self.notice.setStyleSheet("#notice { background: palette(alternate-base); }")
        self.notice_label = QLabel()
        self.notice_label.setTextFormat(Qt.TextFormat.PlainText)
        self.notice_button = QPushButton()
        row = QHBoxLayout(self.notice)
        row.setContentsMargins(6, 2, 6, 2)
        row.addWidget(self.notice_label, 1)
        row.addWidget(self.notice_button)
        self.notice.hide()
        self._notice_action: Callable[[], object] | None = None
        self.notice_button.clicked.connect(self._on_notice_clicked)
        return self.notice

    def set_notice(
        self, text: str, button: str = "", action: Callable[[], object] | None = None
    ) -> None:
        """Show ``text`` in the banner (with an optional button); empty text hides it."""
        self.notice_label.setText(text)
        self.notice_button.setText(button)
        self.notice_button.setVisible(bool(button))
        self._notice_action = action
        self.notice.setVisible(bool(text))

    def _on_notice_clicked(self) -> None:
        if self._notice_action is not None:
            self._notice_action()

    def add_stream_content(self, widget: QWidget) -> None:
        """Add a content view (spectrogram, player) below the plots of the stream view.

        Such a view should follow ``plot_view.x_range_changed`` and may call
        ``plot_view.set_x_range`` so that every view shares the time axis.
        """
        self.stream_split.addWidget(widget)

    # -- loading -------------------------------------------------------------------------
    def start_loading(self) -> None:
        """Analyse the capture in the background; the progress page shows meanwhile."""
        self.setCurrentIndex(0)
        self.job = AnalysisJob(self.path, self)
        self.job.progress.connect(self.progress_view.set_progress)
        self.job.finished.connect(self.set_result)
        self.job.failed.connect(self.load_failed)
        self.job.cancelled.connect(self.load_cancelled)
        self.job.start()

    def cancel_loading(self) -> None:
        """Ask the running analysis to stop (``load_cancelled`` follows)."""
        if self.job is not None and self.job.running:
            self.job.cancel()

    @property
    def loading(self) -> bool:
        """True while the analysis runs."""
        return self.job is not None and self.job.running

    def shutdown(self) -> None:
        """Cancel a running analysis and wait for its thread (before the tab goes away)."""
        if self.job is not None and self.job.running:
            self.job.wait()

    # -- content -------------------------------------------------------------------------
    def set_result(self, result: AnalysisResult) -> None:
        """Show ``result``: tables filled, the first call's streams plotted."""
        self.result = result
        if self.job is not None:  # bins and event times the worker prepared for the plots
            self.plot_view.set_plot_series(self.job.plot_series)
        info = result.capture
        parts = [
            f"<b>{Path(info.path).name}</b>",
            self.tr("frames: {0}").format(info.packets),
            self.tr("duration: {0:.1f} s").format(info.duration_s),
            self.tr("calls: {0}").format(len(result.calls)),
            self.tr("RTP streams: {0}").format(len(result.streams)),
        ]
        if result.warnings:
            parts.append(self.tr("⚠ warnings: {0}").format(len(result.warnings)))
        self.summary.setText(" · ".join(parts))
        self.summary.setToolTip("\n".join([info.path, *result.warnings]))
        self.call_model.set_result(result)
        self.stream_table.source_model.set_result(result)
        self.call_table.setVisible(bool(result.calls))
        self.bottom.setCurrentIndex(0 if result.streams else 1)
        self._fit_columns()
        self.setCurrentIndex(1)
        self.restore_layout()
        self._fit_tables_height()
        if result.streams:
            # Plot on a later event-loop turn, once the plots are built: the tables paint
            # first, and the loop never runs the table fill and the plotting in one stretch.
            first = result.calls[0].stream_ids if result.calls else []
            ids = first or [result.streams[0].id]
            self.plot_view.when_built(lambda: self._select_initial(ids))
        else:
            self._emit_loaded()

    def _select_initial(self, ids: list[int]) -> None:
        self.stream_table.select_stream_ids(ids)
        QTimer.singleShot(1, self, self._emit_loaded)  # the plots paint before listeners run

    def _emit_loaded(self) -> None:
        if self.result is not None:
            self.ready = True
            self.loaded.emit(self.result)

    def _fit_columns(self) -> None:
        for table in (self.stream_table, self.call_table):
            header = table.horizontalHeader()
            header.setResizeContentsPrecision(FIT_ROWS)  # bounded cost with 1000s of rows
            table.resizeColumnsToContents()
            for col in range(header.count()):
                header.resizeSection(col, min(header.sectionSize(col) + 4, 320))

    def _fit_tables_height(self) -> None:
        """Give the tables the height of their rows (up to 4 calls, 8 streams), plots the rest."""
        sizes = []
        for table, most in ((self.call_table, 4), (self.stream_table, 8)):
            rows = min(max(table.model().rowCount(), 1), most)
            height = table.horizontalHeader().sizeHint().height() + 2 * table.frameWidth()
            height += rows * table.verticalHeader().defaultSectionSize()
            scrollbar = table.horizontalScrollBar().sizeHint().height()
            hidden = table is self.call_table and table.model().rowCount() == 0
            sizes.append(0 if hidden else height + scrollbar)
        total = sum(self.main_split.sizes()) or 900
        sizes.append(max(total - sum(sizes), 300))
        self.main_split.setSizes(sizes)

    def set_thresholds(self, limits: Thresholds) -> None:
        """Re-judge the streams with new verdict limits."""
        self.stream_table.source_model.set_thresholds(limits)

    def _on_streams_selected(self, ids: list[int]) -> None:
        if self.result is None:
            return
        streams = [self.result.stream(i) for i in ids]
        self.plot_view.show_streams(streams)
        self.metrics.show_streams(streams, self.result.capture.start_ns)

    def _on_call_selected(self) -> None:
        rows = self.call_table.selectionModel().selectedRows()
        if rows:
            ids = self.call_proxy.data(rows[0], STREAM_ID_ROLE)
            if ids:
                self.stream_table.select_stream_ids(list(ids))

    def select_call_row(self, row: int) -> None:
        """Select a call (displayed row) and with it its streams."""
        index = self.call_proxy.index(row, 0)
        self.call_table.selectionModel().select(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )

    # -- remembered layout ---------------------------------------------------------------
    def save_layout(self) -> None:
        """Remember splitter positions and column widths (shared by every tab)."""
        if self.result is None:
            return
        for key, target in self._layout_parts():
            settings.save_state(key, target.saveState())

    def _layout_parts(self) -> list[tuple[str, QSplitter | QHeaderView]]:
        return [
            ("capture/bottom_split", self.bottom_split),
            ("capture/streams_header", self.stream_table.horizontalHeader()),
            ("capture/calls_header", self.call_table.horizontalHeader()),
        ]

    def restore_layout(self) -> None:
        """Apply the remembered splitters and column widths, if any."""
        self.bottom_split.setSizes([1100, 400])
        for key, target in self._layout_parts():
            state = settings.load_state(key)
            if state is not None:
                target.restoreState(state)
        calls_header = self.call_table.horizontalHeader()
        for col in (CallColumn.FROM, CallColumn.TO):  # a restored state may have lost these
            calls_header.setSectionResizeMode(col, QHeaderView.ResizeMode.Stretch)
