"""Read-only audit log viewer: filterable entries, details, and the core's verification.

Anyone may press Verify (it reveals only the verdict: ``OK`` or the first failure, as
``callscope audit verify``). Showing entries follows ``callscope audit show``: with a
policy installed, only the auditor role may read them. Nothing here can edit, delete
or add an entry; every text is plain (reasons containing HTML are shown as typed).

Use::

    viewer = AuditViewer(session, parent=main_window)   # a non-modal window
    viewer.show()
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QDate, QItemSelection
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from callscope.core.errors import CallScopeError
from callscope.core.privacy import paths
from callscope.core.privacy.audit_entry import ACTIONS
from callscope.core.privacy.audit_verify import verify
from callscope.gui.privacy import scope_text as st
from callscope.gui.privacy.audit_reader import check_auditor, read_rows
from callscope.gui.privacy.audit_table_model import ROW_ROLE, AuditFilterProxy, AuditTableModel
from callscope.gui.privacy.labels import plain_label
from callscope.gui.privacy.session import PrivacySession

ANY_DATE = QDate(2000, 1, 1)


class AuditViewer(QDialog):
    """The audit log at ``path`` (default: this installation's log)."""

    def __init__(
        self, session: PrivacySession, path: Path | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.path = path or paths.audit_log_path()
        self.setWindowTitle(self.tr("Audit log — {0}").format(self.path))
        self.resize(1200, 700)
        self.model = AuditTableModel(self)
        self.proxy = AuditFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self._build()
        self.reload()

    def _build(self) -> None:
        self.case_filter = QLineEdit()
        self.case_filter.setPlaceholderText(self.tr("case"))
        self.actor_filter = QLineEdit()
        self.actor_filter.setPlaceholderText(self.tr("actor"))
        self.action_filter = QComboBox()
        self.action_filter.addItem(self.tr("All actions"), "")
        for action in sorted(ACTIONS):
            self.action_filter.addItem(action, action)
        self.since_edit, self.until_edit = self._date_edit(), self._date_edit()
        filters = QHBoxLayout()
        for text, widget in (
            (self.tr("Case:"), self.case_filter), (self.tr("Actor:"), self.actor_filter),
            (self.tr("Action:"), self.action_filter), (self.tr("From:"), self.since_edit),
            (self.tr("To:"), self.until_edit),
        ):  # fmt: skip
            filters.addWidget(QLabel(text))
            filters.addWidget(widget)
        for edit in (self.case_filter, self.actor_filter):
            edit.textChanged.connect(self._apply_filters)
        self.action_filter.currentIndexChanged.connect(self._apply_filters)
        self.since_edit.dateChanged.connect(self._apply_filters)
        self.until_edit.dateChanged.connect(self._apply_filters)
        self.reload_button = QPushButton(self.tr("Reload"))
        self.reload_button.clicked.connect(self.reload)
        filters.addStretch(1)
        filters.addWidget(self.reload_button)

        self.verify_button = QPushButton(self.tr("Verify"))
        self.verify_button.setToolTip(self.tr(
            "Check the chain, signatures, checkpoints and completeness of the log "
            "(the same check as `callscope audit verify`)."))  # fmt: skip
        self.verify_button.clicked.connect(self.run_verify)
        self.verdict = plain_label(self.tr("Not verified yet."))
        verify_row = QHBoxLayout()
        verify_row.addWidget(self.verify_button)
        verify_row.addWidget(self.verdict, 1)

        self.message = plain_label(colour=st.REFUSED_COLOUR)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.table.selectionModel().selectionChanged.connect(self._show_details)
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setPlaceholderText(self.tr("Select an entry to see all its fields."))
        splitter = QSplitter()
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.table)
        splitter.addWidget(self.details)
        splitter.setSizes([900, 300])
        self.count_label = plain_label()

        layout = QVBoxLayout(self)
        layout.addLayout(verify_row)
        layout.addLayout(filters)
        layout.addWidget(self.message)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.count_label)

    def _date_edit(self) -> QDateEdit:
        edit = QDateEdit()
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setMinimumDate(ANY_DATE)
        edit.setSpecialValueText(self.tr("any"))
        edit.setDate(ANY_DATE)
        return edit

    # -- content -------------------------------------------------------------------------
    def reload(self) -> None:
        """Read the log again (auditor role required when a policy is installed)."""
        try:
            check_auditor(self.session)
            rows = read_rows(self.path)
        except CallScopeError as exc:
            self.model.set_rows([])
            self.message.setText(str(exc))
            self.message.setVisible(True)
        else:
            self.model.set_rows(rows)
            self.message.setVisible(False)
            self.table.resizeColumnsToContents()
            for col, cap in ((5, 260), (6, 600)):
                self.table.setColumnWidth(col, min(self.table.columnWidth(col), cap))
        self._update_count()

    def run_verify(self) -> None:
        """Run the core's verification and show ``OK`` or the first failure."""
        result = verify(self.path)
        if result.ok:
            text = self.tr("OK — {0} entries, chain, signatures and checkpoints intact; "
                           "anchor {1}").format(result.entries, result.anchor)  # fmt: skip
            colour = st.OK_COLOUR
        else:
            text = str(result)
            colour = st.REFUSED_COLOUR
        self.verdict.setText(text)
        self.verdict.setStyleSheet(f"color: {colour}; font-weight: bold;")

    def _day(self, edit: QDateEdit, offset_days: int) -> datetime | None:
        date = edit.date()
        if date == ANY_DATE:
            return None
        day = datetime(date.year(), date.month(), date.day(), tzinfo=UTC)
        return day + timedelta(days=offset_days)

    def _apply_filters(self) -> None:
        self.proxy.set_filters(
            case=self.case_filter.text(), actor=self.actor_filter.text(),
            action=str(self.action_filter.currentData() or ""),
            since=self._day(self.since_edit, 0), until=self._day(self.until_edit, 1),
        )  # fmt: skip
        self._update_count()

    def _update_count(self) -> None:
        self.count_label.setText(self.tr("{0} of {1} entries shown").format(
            self.proxy.rowCount(), self.model.rowCount()))  # fmt: skip

    def _show_details(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        row = indexes[0].data(ROW_ROLE) if indexes else None
        self.details.setPlainText(row.details if row is not None else "")
