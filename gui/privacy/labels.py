"""Small widget helpers of the privacy dialogs: plain-text labels and read-only tables.

Every text that may hold user input (reasons, case references, core messages) goes
into a label with ``Qt.PlainText``, so HTML in it is shown, never rendered.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableWidget, QTableWidgetItem


def plain_label(text: str = "", colour: str | None = None) -> QLabel:
    """A selectable, word-wrapped plain-text label (bold in ``colour`` when given)."""
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if colour:
        label.setStyleSheet(f"color: {colour}; font-weight: bold;")
    return label


def readonly_table(headers: list[str]) -> QTableWidget:
    """A table nobody can edit or select in, columns sized to their contents."""
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    table.setWordWrap(False)
    table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return table


def add_row(table: QTableWidget, cells: list[str]) -> int:
    """Append a row of plain-text cells; return its index."""
    row = table.rowCount()
    table.insertRow(row)
    for col, text in enumerate(cells):
        table.setItem(row, col, QTableWidgetItem(text))
    return row


def fit_height(table: QTableWidget) -> None:
    """Fix the table's height to show every row without a scroll bar."""
    rows = table.verticalHeader().length()
    header = table.horizontalHeader().sizeHint().height()
    table.setFixedHeight(rows + header + 2 * table.frameWidth() + 2)
