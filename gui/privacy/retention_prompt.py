"""At start-up and when a capture is opened: list expired captures and offer to purge.

The core decides what is expired (``retention.expired_records`` against trusted time,
so a clock set back changes nothing) and purges (``retention.purge``: logs ``PURGE``
with the hashes first, deletes the capture only if its content still has the recorded
hash, then the consent record). This dialog shows exactly what would be deleted and
lets the technician purge the ticked captures now or later.

Use::

    expired = find_expired(session)
    if expired:
        RetentionPrompt(session, expired, parent).exec()
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from callscope.core.errors import CallScopeError
from callscope.core.privacy.consent import ConsentRecord
from callscope.core.privacy.retention import PurgeResult, expired_records, purge
from callscope.gui.privacy import scope_text as st
from callscope.gui.privacy.labels import plain_label, readonly_table
from callscope.gui.privacy.session import PrivacySession


def find_expired(session: PrivacySession) -> list[ConsentRecord]:
    """Records past retention now (trusted time; the policy's period when it is valid)."""
    try:
        policy = session.policy()
    except CallScopeError:
        policy = None  # the dates written in the records still apply
    return expired_records(session.trusted_now(), policy)


class RetentionPrompt(QDialog):
    """Lists ``records`` (expired) with a tick each; Purge deletes the ticked ones."""

    def __init__(
        self,
        session: PrivacySession,
        records: list[ConsentRecord],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.records = list(records)
        self.results: list[tuple[ConsentRecord, PurgeResult]] = []
        self.setWindowTitle(self.tr("Retention period over"))
        self.resize(900, 360)
        intro = QLabel(self.tr(
            "The retention period of these captures has ended: their content can no longer "
            "be accessed and they should be deleted. Purging deletes the capture file (only "
            "if it is still the recorded file) and its consent record, and writes PURGE to "
            "the audit log."
        ))  # fmt: skip
        intro.setWordWrap(True)
        self.table = readonly_table([
            self.tr("Delete"), self.tr("Capture file"), self.tr("Folder"), self.tr("sha256"),
            self.tr("Case"), self.tr("Purpose"), self.tr("Kept until"), self.tr("File"),
        ])  # fmt: skip
        for record in self.records:
            self._add(record)
        self.status = plain_label()
        self.buttons = QDialogButtonBox()
        self.purge_button = self.buttons.addButton(
            self.tr("Purge ticked captures"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.later = self.buttons.addButton(
            self.tr("Later"), QDialogButtonBox.ButtonRole.RejectRole
        )
        self.buttons.accepted.connect(self.purge_ticked)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)

    def _add(self, record: ConsentRecord) -> None:
        path = Path(record.capture_path)
        exists = path.is_file()
        row = self.table.rowCount()
        self.table.insertRow(row)
        tick = QTableWidgetItem()
        tick.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
        tick.setCheckState(Qt.CheckState.Checked)
        self.table.setItem(row, 0, tick)
        size = self.tr("{0:.1f} MB").format(path.stat().st_size / 1e6) if exists else self.tr(
            "missing (record only)")  # fmt: skip
        cells = [
            path.name, str(path.parent), st.short_hash(record.capture_sha256), record.case_ref,
            record.purpose, st.utc_text(record.retention_until), size,
        ]  # fmt: skip
        for col, text in enumerate(cells, start=1):
            self.table.setItem(row, col, QTableWidgetItem(text))

    def ticked(self) -> list[ConsentRecord]:
        """The records whose Delete box is ticked."""
        return [r for i, r in enumerate(self.records) if _checked(self.table, i)]

    def purge_ticked(self) -> None:
        """Purge every ticked capture through the core; report each outcome."""
        lines = []
        for record in self.ticked():
            try:
                result = purge(record, self.session.log, self.session.actor)
            except CallScopeError as exc:  # AuditWriteError: nothing was deleted
                lines.append(self.tr("{0}: not purged: {1}").format(
                    Path(record.capture_path).name, exc))  # fmt: skip
                continue
            self.results.append((record, result))
            lines.append(f"{Path(record.capture_path).name}: {result.note}")
        self.status.setText("\n".join(lines))
        purged = {id(r) for r, _ in self.results}
        self.records = [r for r in self.records if id(r) not in purged]
        self.table.setRowCount(0)
        for record in self.records:
            self._add(record)
        if not self.records:
            self.purge_button.setEnabled(False)
            self.later.setText(self.tr("Close"))


def _checked(table: QTableWidget, row: int) -> bool:
    item = table.item(row, 0)
    return item is not None and item.checkState() == Qt.CheckState.Checked
