"""Editor of a call's parties for a consent record: one row per party (A, B, further legs).

Columns: role, kind (person / machine / technician), masked identity, technician
login, consent method (IVR key press / signed form / verbal), agent (verbal only),
when, evidence reference. Fields that do not apply to a row's kind are disabled.
:meth:`PartyRows.parties` turns the rows into core ``Party`` objects; whether they
make a valid record is for ``consent.new_record`` to say.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from PySide6.QtCore import QDateTime, QTimeZone, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QGridLayout,
    QLabel,
    QLineEdit,
    QToolButton,
    QWidget,
)

from callscope.core.privacy.consent import Party, PartyConsent
from callscope.core.privacy.masking import mask_text

ROLES = ("caller", "callee", "forwarded_leg", "conference_leg", "other_leg")
KINDS = ("person", "machine", "technician")
METHODS = ("", "ivr_keypress", "signed_form", "verbal")


@dataclass
class _Row:
    role: QComboBox
    kind: QComboBox
    label: QLineEdit
    login: QLineEdit
    method: QComboBox
    agent: QLineEdit
    when: QDateTimeEdit
    evidence: QLineEdit
    remove: QToolButton

    def widgets(self) -> list[QWidget]:
        return [self.role, self.kind, self.label, self.login, self.method, self.agent,
                self.when, self.evidence, self.remove]  # fmt: skip


class PartyRows(QWidget):
    """The party grid; ``changed`` fires on every edit."""

    changed = Signal()

    def __init__(self, default_time: datetime, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.default_time = default_time
        self.rows: list[_Row] = []
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        headers = [
            self.tr("Role"), self.tr("Kind"), self.tr("Party (masked)"), self.tr("Login"),
            self.tr("Consent obtained by"), self.tr("Agent"), self.tr("When (UTC)"),
            self.tr("Evidence reference"),
        ]  # fmt: skip
        for col, text in enumerate(headers):
            self.grid.addWidget(QLabel(f"<b>{text}</b>"), 0, col)
        self.grid.setColumnStretch(2, 1)
        self.grid.setColumnStretch(7, 2)

    def _method_names(self) -> dict[str, str]:
        return {
            "": self.tr("— not yet —"),
            "ivr_keypress": self.tr("IVR key press (recorded)"),
            "signed_form": self.tr("Signed form"),
            "verbal": self.tr("Verbal (name the agent)"),
        }

    def add_party(self, role: str, kind: str, label: str = "", login: str = "") -> None:
        """Append a row (the user may edit everything afterwards)."""
        row = _Row(
            QComboBox(), QComboBox(), QLineEdit(mask_text(label)), QLineEdit(login),
            QComboBox(), QLineEdit(), QDateTimeEdit(), QLineEdit(), QToolButton(),
        )  # fmt: skip
        for value in ROLES:
            row.role.addItem(value.replace("_", " "), value)
        row.role.setCurrentIndex(ROLES.index(role))
        for value in KINDS:
            row.kind.addItem(value, value)
        row.kind.setCurrentIndex(KINDS.index(kind))
        for value, text in self._method_names().items():
            row.method.addItem(text, value)
        row.label.setPlaceholderText(self.tr("e.g. +***456"))
        row.label.setToolTip(self.tr("Shown and stored masked: only the last digits stay."))
        row.label.editingFinished.connect(self._mask_label)
        row.label.setMinimumWidth(150)
        row.login.setMinimumWidth(80)
        row.agent.setMinimumWidth(100)
        row.evidence.setMinimumWidth(150)
        row.login.setPlaceholderText(self.tr("OS login"))
        row.agent.setPlaceholderText(self.tr("agent's name"))
        row.evidence.setPlaceholderText(self.tr("IVR log id, form number, ticket note…"))
        row.when.setTimeZone(QTimeZone.utc())
        row.when.setDisplayFormat("yyyy-MM-dd HH:mm")
        row.when.setDateTime(QDateTime.fromSecsSinceEpoch(int(self.default_time.timestamp()),
                                                          QTimeZone.utc()))  # fmt: skip
        row.remove.setText("✕")
        row.remove.setToolTip(self.tr("Remove this leg"))
        row.remove.clicked.connect(self._on_remove)
        for widget in (row.role, row.kind, row.method):
            widget.currentIndexChanged.connect(self._on_edit)
        for edit in (row.label, row.login, row.agent, row.evidence):
            edit.textChanged.connect(self._on_edit)
        row.when.dateTimeChanged.connect(self._on_edit)
        self.rows.append(row)
        self._relayout()

    # Slots find their row through sender(): a lambda capturing self in a connection
    # crashes PySide6 6.12 when the dialog is garbage-collected.
    def _row_of(self, widget: object) -> _Row | None:
        return next((r for r in self.rows if widget in (r.label, r.remove)), None)

    def _mask_label(self) -> None:
        row = self._row_of(self.sender())
        if row is not None:
            row.label.setText(mask_text(row.label.text()))

    def _on_remove(self) -> None:
        row = self._row_of(self.sender())
        if row is not None:
            self.remove_party(row)

    def remove_party(self, row: _Row) -> None:
        """Drop a row (further legs only: caller and callee rows stay)."""
        if row in self.rows:
            self.rows.remove(row)
            for widget in row.widgets():
                self.grid.removeWidget(widget)
                widget.hide()
                widget.deleteLater()
            self._relayout()

    def clear(self) -> None:
        """Remove every row."""
        for row in list(self.rows):
            self.remove_party(row)

    def _relayout(self) -> None:
        for r, row in enumerate(self.rows, start=1):
            for col, widget in enumerate(row.widgets()):
                self.grid.addWidget(widget, r, col)
        self._on_edit()

    def _on_edit(self) -> None:
        for index, row in enumerate(self.rows):
            kind = row.kind.currentData()
            person = kind == "person"
            method = row.method.currentData() if person else ""
            row.login.setEnabled(kind == "technician")
            row.method.setEnabled(person)
            row.agent.setEnabled(method == "verbal")
            row.when.setEnabled(bool(method))
            row.evidence.setEnabled(bool(method))
            row.remove.setVisible(index >= 2)
        self.changed.emit()

    def parties(self) -> list[Party]:
        """The rows as core parties (consent only for persons with a method chosen)."""
        out = []
        for row in self.rows:
            kind = str(row.kind.currentData())
            method = str(row.method.currentData()) if kind == "person" else ""
            consent = None
            if method:
                at = datetime.fromtimestamp(row.when.dateTime().toSecsSinceEpoch(), tz=UTC)
                consent = PartyConsent(method=method, at=at, evidence=row.evidence.text().strip(),
                                       agent=row.agent.text().strip() or None)  # fmt: skip
            out.append(Party(
                role=str(row.role.currentData()), kind=kind,
                label=mask_text(row.label.text().strip()),
                login=row.login.text().strip() or None if kind == "technician" else None,
                consent=consent,
            ))  # fmt: skip
        return out
