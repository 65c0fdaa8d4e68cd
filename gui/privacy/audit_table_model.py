"""Read-only table model of audit rows, and the proxy that filters them.

Columns: seq, time (UTC), actor, action, case, reason, object summary (the reason
before the long object so it stays in view). Every cell is
plain text (``Qt.DisplayRole`` strings are never rendered as rich text by QTableView).
Nothing is editable: ``flags`` never includes ``ItemIsEditable``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

from callscope.gui.privacy.audit_reader import AuditRow

Index = QModelIndex | QPersistentModelIndex
ROW_ROLE = Qt.ItemDataRole.UserRole + 1


class AuditTableModel(QAbstractTableModel):
    """The entries of one log, in file order."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[AuditRow] = []
        self.headers = [
            self.tr("Seq"), self.tr("Time (UTC)"), self.tr("Actor"), self.tr("Action"),
            self.tr("Case"), self.tr("Reason"), self.tr("Object"),
        ]  # fmt: skip

    def set_rows(self, rows: list[AuditRow]) -> None:
        """Replace every row."""
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role == ROW_ROLE:
            return row
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            cells = (str(row.seq) if row.seq >= 0 else "?", row.ts, row.actor, row.action,
                     row.case, row.reason, row.summary)  # fmt: skip
            text = cells[index.column()]
            if role == Qt.ItemDataRole.ToolTipRole:
                return text if index.column() >= 5 and text else None
            return text
        return None


class AuditFilterProxy(QSortFilterProxyModel):
    """Shows rows matching case/actor (substring, any case), action, and a UTC time span."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.case = ""
        self.actor = ""
        self.action = ""
        self.since: datetime | None = None
        self.until: datetime | None = None  # exclusive

    def set_filters(
        self,
        *,
        case: str = "",
        actor: str = "",
        action: str = "",
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> None:
        """Apply new filters (empty text and None match everything)."""
        begin = getattr(self, "beginFilterChange", None)  # Qt >= 6.9; older: invalidate
        if begin is not None:
            begin()
        self.case, self.actor, self.action = case.strip().lower(), actor.strip().lower(), action
        self.since, self.until = since, until
        if begin is not None:
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self.invalidateRowsFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.sourceModel()
        assert isinstance(model, AuditTableModel)
        row = model.rows[source_row]
        if self.case and self.case not in row.case.lower():
            return False
        if self.actor and self.actor not in row.actor.lower():
            return False
        if self.action and row.action != self.action:
            return False
        if self.since or self.until:
            if row.when is None:
                return False
            if (self.since and row.when < self.since) or (self.until and row.when >= self.until):
                return False
        return True
