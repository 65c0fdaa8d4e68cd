"""The consent step before any content access: what, who agreed, why; then the gate.

Shows exactly what would be reached (capture and short hash, streams with masked
endpoints, directions, time range, the actions asked for), every party of the stored
consent record with its status (missing consent in red), and asks for the case
reference and a reason in words. Confirm stays disabled, with the reason shown, while
the record is missing/unusable, a party has not consented, or a field is empty.
Confirming calls ``ContentGate.request``: the core checks policy, role, consent and
retention and writes the audit entry first; the dialog then holds the ``Grant`` (and
accepts) or shows the core's refusal as plain text (never rendered as HTML).

Use::

    dialog = ConsentDialog(session, source, [2], {"listen"}, parent)
    if dialog.exec() == QDialog.DialogCode.Accepted:
        grant = dialog.grant   # also remembered by the session
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtGui import QColor, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from callscope.core.content.access import ContentSource
from callscope.core.errors import CallScopeError
from callscope.core.privacy.consent import ConsentRecord
from callscope.core.privacy.consent_store import load_record
from callscope.core.privacy.grant import Grant
from callscope.gui.privacy import scope_text as st
from callscope.gui.privacy.labels import add_row, fit_height, plain_label, readonly_table
from callscope.gui.privacy.session import PrivacySession

CONTENT_ACTIONS = ("listen", "spectrogram", "export_audio")


class ConsentDialog(QDialog):
    """Consent step for ``actions`` on ``stream_ids`` of ``source`` (see module docstring)."""

    def __init__(
        self,
        session: PrivacySession,
        source: ContentSource,
        stream_ids: Iterable[int],
        actions: Iterable[str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.source = source
        self.stream_ids = sorted(set(stream_ids))
        self.grant: Grant | None = None
        self.refusal = ""
        self.record: ConsentRecord | None = None
        self.record_problem = ""
        try:
            self.record = load_record(source.sha256)
        except CallScopeError as exc:
            self.record_problem = str(exc)
        self.setWindowTitle(self.tr("Consent step — content access"))
        self.setMinimumWidth(760)
        self._build(set(actions))
        self._update_state()

    # -- layout --------------------------------------------------------------------------
    def _build(self, actions: set[str]) -> None:
        intro = QLabel(self.tr(
            "Audio and fine spectrograms are personal communication content. CallScope "
            "writes this request to the audit log before anything is decoded; the grant "
            "is for these streams and actions only, and expires."
        ))  # fmt: skip
        intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self._scope_box(actions))
        layout.addWidget(self._parties_box())
        layout.addWidget(self._request_box())
        self.blocker = plain_label(colour=st.REFUSED_COLOUR)
        self.result_label = plain_label(colour=st.REFUSED_COLOUR)
        layout.addWidget(self.blocker)
        layout.addWidget(self.result_label)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.confirm = self.buttons.addButton(
            self.tr("Confirm and log"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.confirm.setToolTip(self.tr("Ask the gate for a grant; the request is audited."))
        self.buttons.accepted.connect(self._on_confirm)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def _scope_box(self, actions: set[str]) -> QGroupBox:
        result = self.source.result
        box = QGroupBox(self.tr("What would be accessed"))
        form = QFormLayout(box)
        form.addRow(self.tr("Capture:"), plain_label(self.tr("{0}  (sha256 {1})").format(
            self.source.path.name, st.short_hash(self.source.sha256))))  # fmt: skip
        self.streams_table = readonly_table([
            self.tr("Stream"), self.tr("From"), self.tr("To"), self.tr("Direction"),
            self.tr("Codec"), self.tr("Time (s after capture start)"),
        ])  # fmt: skip
        spans = []
        for sid in self.stream_ids:
            stream = result.stream(sid)
            lo, hi = st.stream_span_s(result, stream)
            spans.append((stream.start_ns, stream.end_ns))
            add_row(self.streams_table, [
                f"#{sid}", st.masked_endpoint(stream.src, stream.sport),
                st.masked_endpoint(stream.dst, stream.dport), st.stream_direction(result, stream),
                stream.codec, f"{lo:.3f} – {hi:.3f}",
            ])  # fmt: skip
        fit_height(self.streams_table)
        form.addRow(self.tr("Streams:"), self.streams_table)
        if spans:
            start, end = min(a for a, _ in spans), max(b for _, b in spans)
            form.addRow(self.tr("Time range:"), plain_label(self.tr("{0} – {1}").format(
                st.utc_text(st.ns_to_datetime(start)), st.utc_text(st.ns_to_datetime(end)))))
        row = QHBoxLayout()
        self.action_boxes: dict[str, QCheckBox] = {}
        texts = {
            "listen": self.tr("Listen"),
            "spectrogram": self.tr("Full spectrogram"),
            "export_audio": self.tr("Export audio (WAV)"),
        }
        for action in CONTENT_ACTIONS:
            check = QCheckBox(texts[action])
            check.setChecked(action in actions)
            check.toggled.connect(self._update_state)
            self.action_boxes[action] = check
            row.addWidget(check)
        row.addStretch(1)
        form.addRow(self.tr("Actions:"), row)
        return box

    def _parties_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Parties and their consent (stored consent record)"))
        layout = QVBoxLayout(box)
        record = self.record
        if record is None:
            layout.addWidget(plain_label(
                self.tr("No usable consent record: {0}").format(self.record_problem),
                st.REFUSED_COLOUR))  # fmt: skip
            self.parties_table = readonly_table([self.tr("Role")])
            self.parties_table.setVisible(False)
            return box
        layout.addWidget(plain_label(self.tr(
            "Case {0}, purpose {1}, content kept until {2}; record sha256 {3}").format(
            record.case_ref, record.purpose, st.utc_text(record.retention_until),
            st.short_hash(record.sha256))))  # fmt: skip
        self.parties_table = readonly_table(
            [self.tr("Role"), self.tr("Kind"), self.tr("Party (masked)"), self.tr("Consent")]
        )
        for party in record.parties:
            row = add_row(self.parties_table, [
                party.role, party.kind, party.label or "—", st.party_consent_text(party),
            ])  # fmt: skip
            if not party.consented():
                for col in range(self.parties_table.columnCount()):
                    item = self.parties_table.item(row, col)
                    assert item is not None
                    item.setForeground(QColor(st.REFUSED_COLOUR))
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
        fit_height(self.parties_table)
        layout.addWidget(self.parties_table)
        return box

    def _request_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Your request (written to the audit log)"))
        form = QFormLayout(box)
        self.case_edit = QLineEdit(self.record.case_ref if self.record else "")
        self.case_edit.setPlaceholderText(self.tr("Case or ticket reference, e.g. INC-88412"))
        self.case_edit.setMaxLength(200)
        self.case_edit.textChanged.connect(self._update_state)
        self.reason_edit = QPlainTextEdit()
        self.reason_edit.setPlaceholderText(
            self.tr("Why you need this, in words (e.g. customer reports choppy audio 12–18 s)")
        )
        self.reason_edit.setMaximumHeight(70)
        self.reason_edit.textChanged.connect(self._update_state)
        form.addRow(self.tr("Technician:"), self._who_label())
        form.addRow(self.tr("Case reference:"), self.case_edit)
        form.addRow(self.tr("Reason:"), self.reason_edit)
        return box

    def _who_label(self) -> QLabel:
        """Who asks and what the policy says about them (information; the gate decides)."""
        try:
            policy = self.session.policy()
        except CallScopeError as exc:
            return plain_label(self.tr("{0} — no valid policy: {1}").format(
                self.session.actor, exc), st.REFUSED_COLOUR)  # fmt: skip
        roles = ", ".join(sorted(policy.roles_of(self.session.actor))) or self.tr("none")
        return plain_label(self.tr("{0} — roles in policy version {1}: {2}").format(
            self.session.actor, policy.version, roles))  # fmt: skip

    def showEvent(self, event: QShowEvent) -> None:
        """Row heights are final only once the style polished the tables: fit them again."""
        super().showEvent(event)
        for table in (self.streams_table, self.parties_table):
            table.resizeRowsToContents()
            fit_height(table)
        self.adjustSize()

    # -- state ---------------------------------------------------------------------------
    def chosen_actions(self) -> set[str]:
        """The actions ticked."""
        return {a for a, box in self.action_boxes.items() if box.isChecked()}

    def blocking_reason(self) -> str:
        """Why Confirm is disabled ("" when it is enabled)."""
        if self.record is None:
            return self.tr("Confirm is disabled: {0}").format(self.record_problem)
        missing = self.record.missing_consent()
        if missing:
            return self.tr("Confirm is disabled: consent missing for {0}").format(
                "; ".join(missing)
            )
        if not self.chosen_actions():
            return self.tr("Tick at least one action.")
        if not self.case_edit.text().strip() or not self.reason_edit.toPlainText().strip():
            return self.tr("Enter the case reference and a reason in words.")
        return ""

    def _update_state(self) -> None:
        why = self.blocking_reason()
        self.blocker.setText(why)
        self.blocker.setVisible(bool(why))
        self.confirm.setEnabled(not why)

    def _on_confirm(self) -> None:
        if self.blocking_reason():
            return
        try:
            grant = self.session.gate.request(
                self.source.sha256, self.stream_ids, self.chosen_actions(),
                case_ref=self.case_edit.text(), reason=self.reason_edit.toPlainText(),
            )  # fmt: skip
        except CallScopeError as exc:  # AccessDenied, AuditWriteError, PolicyError…
            self.refusal = str(exc)
            self.result_label.setText(self.refusal)
            return
        self.grant = grant
        self.session.remember(grant)
        self.accept()


def ask_consent(
    session: PrivacySession,
    source: ContentSource,
    stream_ids: Iterable[int],
    actions: Iterable[str],
    parent: QWidget | None = None,
) -> Grant | None:
    """Run the consent step modally; the grant, or None when refused or cancelled.

    An existing live grant covering every stream and action is reused without asking.
    """
    wanted, streams = set(actions), list(stream_ids)
    for grant in (session.grant_for(source.sha256, streams, a) for a in sorted(wanted)):
        if grant is not None and wanted <= grant.actions:
            return grant
    dialog = ConsentDialog(session, source, streams, wanted, parent)
    try:
        dialog.exec()
        return dialog.grant
    finally:
        dialog.deleteLater()
