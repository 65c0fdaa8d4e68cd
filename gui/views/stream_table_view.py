"""The streams table widget: sorting, text filter, copy as CSV, reverse/call selection.

Signals
    streams_selected(list): ids of the selected streams, in ascending id order.
"""

from __future__ import annotations

import csv
import io

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QAction, QContextMenuEvent, QGuiApplication
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QMenu, QTableView, QWidget

from callscope.core.model import Stream
from callscope.gui.models.roles import STREAM_ID_ROLE
from callscope.gui.models.stream_table_model import Column, StreamFilterProxy, StreamTableModel


def reverse_stream_ids(streams: list[Stream], ids: list[int]) -> list[int]:
    """Ids of the streams flowing the other way between the same endpoints as ``ids``."""
    wanted = {
        (s.dst, s.dport, s.src, s.sport, s.transport, s.teid)
        for s in streams
        if s.id in ids
    }
    return [
        s.id
        for s in streams
        if s.id not in ids and (s.src, s.sport, s.dst, s.dport, s.transport, s.teid) in wanted
    ]


def call_stream_ids(streams: list[Stream], ids: list[int]) -> list[int]:
    """Every stream of the calls the streams ``ids`` belong to (reverse streams if no call)."""
    call_ids = {s.call_id for s in streams if s.id in ids and s.call_id}
    same_call = [s.id for s in streams if s.call_id and s.call_id in call_ids]
    return sorted(set(ids) | set(same_call) | set(reverse_stream_ids(streams, ids)))


class StreamTableView(QTableView):
    """A sortable, filterable view over a :class:`StreamTableModel`."""

    streams_selected = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source_model = StreamTableModel(self)
        self.proxy = StreamFilterProxy(self)
        self.proxy.setSourceModel(self.source_model)
        self.setModel(self.proxy)
        self.setSortingEnabled(True)
        self.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # core order until the user sorts
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setAlternatingRowColors(False)
        self.setWordWrap(False)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setHighlightSections(False)
        self.selectionModel().selectionChanged.connect(self._emit_selection)
        self._build_actions()

    def _build_actions(self) -> None:
        self.copy_csv_action = QAction(self.tr("Copy as CSV"), self)
        self.copy_csv_action.setToolTip(self.tr("Copy the selected rows, with a header line."))
        self.copy_csv_action.triggered.connect(self.copy_selection_as_csv)
        self.reverse_action = QAction(self.tr("Find Reverse Stream"), self)
        self.reverse_action.setToolTip(self.tr("Also select the streams flowing the other way."))
        self.reverse_action.triggered.connect(self.select_reverse)
        self.call_action = QAction(self.tr("Select Both Directions of the Call"), self)
        self.call_action.setToolTip(self.tr("Select every stream of the selected stream's call."))
        self.call_action.triggered.connect(self.select_call)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        menu = QMenu(self)
        menu.addAction(self.copy_csv_action)
        menu.addSeparator()
        menu.addAction(self.reverse_action)
        menu.addAction(self.call_action)
        menu.popup(event.globalPos())

    # -- selection -----------------------------------------------------------------------
    def streams(self) -> list[Stream]:
        """All streams in the model, in core order."""
        m = self.source_model
        return [m.stream_at(r) for r in range(m.rowCount())]

    def selected_stream_ids(self) -> list[int]:
        """Ids of the selected rows, ascending."""
        rows = self.selectionModel().selectedRows()
        return sorted(int(self.proxy.data(i, STREAM_ID_ROLE)) for i in rows)

    def select_stream_ids(self, ids: list[int]) -> None:
        """Select exactly the (visible) rows of these stream ids; the first becomes current."""
        selection = QItemSelection()
        first: QModelIndex | None = None
        last_col = self.proxy.columnCount() - 1
        for sid in ids:
            src_row = self.source_model.row_of(sid)
            if src_row < 0:
                continue
            index = self.proxy.mapFromSource(self.source_model.index(src_row, 0))
            if not index.isValid():
                continue
            first = first or index
            selection.select(index, self.proxy.index(index.row(), last_col))
        flags = (
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows
        )
        self.selectionModel().select(selection, flags)
        if first is not None:
            self.selectionModel().setCurrentIndex(first, QItemSelectionModel.SelectionFlag.NoUpdate)
            self.scrollTo(first)

    def select_reverse(self) -> None:
        """Add the reverse streams of the selection to it."""
        ids = self.selected_stream_ids()
        self.select_stream_ids(sorted({*ids, *reverse_stream_ids(self.streams(), ids)}))

    def select_call(self) -> None:
        """Select every stream of the selected streams' calls."""
        self.select_stream_ids(call_stream_ids(self.streams(), self.selected_stream_ids()))

    def step(self, delta: int) -> None:
        """Select the next (delta=1) or previous (-1) row alone, in the displayed order."""
        rows = self.proxy.rowCount()
        if rows == 0:
            return
        current = self.currentIndex()
        row = (current.row() + delta) if current.isValid() else 0
        row = max(0, min(rows - 1, row))
        sid = int(self.proxy.data(self.proxy.index(row, 0), STREAM_ID_ROLE))
        self.select_stream_ids([sid])

    def _emit_selection(self) -> None:
        self.streams_selected.emit(self.selected_stream_ids())

    # -- copy ----------------------------------------------------------------------------
    def selection_as_csv(self) -> str:
        """Selected rows (displayed order) as CSV with a header line, display texts."""
        rows = sorted({i.row() for i in self.selectionModel().selectedRows()})
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        cols = range(len(Column))
        writer.writerow(
            self.proxy.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
            for c in cols
        )
        for r in rows:
            writer.writerow(self.proxy.index(r, c).data() for c in cols)
        return out.getvalue()

    def copy_selection_as_csv(self) -> None:
        """Put the selected rows on the clipboard as CSV."""
        QGuiApplication.clipboard().setText(self.selection_as_csv())
