"""Create the consent record of a capture that has none (asked when it is opened).

Collects the case/ticket reference, the purpose (the signed policy's closed list), the
requesting customer line (typed in clear, displayed and stored masked), and every
party of the call with how each consented. ``TEST_CALL`` presets the lawful-by-design
path: the technician's own line and a machine, no customer consent. "Create record"
calls the core's ``new_record`` (which checks everything) and ``save_record`` (which
logs ``CONSENT_RECORDED`` first). Without a valid policy no record can be made: the
dialog says why and offers header analysis only.

Use::

    dialog = ConsentRecordDialog(session, path, result, parent)
    if dialog.exec() == QDialog.DialogCode.Accepted:
        record = dialog.record   # saved; content possible once record.complete
    # Rejected: header analysis only
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from callscope.core.errors import CallScopeError
from callscope.core.model import AnalysisResult
from callscope.core.privacy.consent import TEST_CALL, ConsentRecord, new_record
from callscope.core.privacy.consent_store import save_record
from callscope.core.privacy.masking import mask_number
from callscope.core.privacy.policy import Policy
from callscope.gui.privacy import scope_text as st
from callscope.gui.privacy.labels import plain_label
from callscope.gui.privacy.party_rows import PartyRows
from callscope.gui.privacy.session import PrivacySession


class ConsentRecordDialog(QDialog):
    """Consent record for the capture at ``path`` (analysed as ``result``)."""

    def __init__(
        self,
        session: PrivacySession,
        path: str | Path,
        result: AnalysisResult,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.path = Path(path)
        self.analysis = result
        self.record: ConsentRecord | None = None
        self.policy: Policy | None = None
        self.policy_problem = ""
        try:
            self.policy = session.policy()
        except CallScopeError as exc:
            self.policy_problem = str(exc)
        info = result.capture
        self.capture_window = (st.ns_to_datetime(info.start_ns), st.ns_to_datetime(info.end_ns))
        self.setWindowTitle(self.tr("Consent record — {0}").format(self.path.name))
        self._build()
        self._on_purpose()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        intro = QLabel(self.tr(
            "This capture has no consent record. Header analysis (jitter, loss, calls) works "
            "without one; listening and spectrograms stay locked until every party's consent "
            "is recorded here."
        ))  # fmt: skip
        intro.setWordWrap(True)
        layout.addWidget(intro)
        if self.policy is None:
            layout.addWidget(plain_label(self.tr(
                "No valid policy: {0}. A consent record needs the administrator's signed "
                "policy; only header analysis is possible.").format(self.policy_problem),
                st.REFUSED_COLOUR))  # fmt: skip
        box = QGroupBox(self.tr("Case"))
        form = QFormLayout(box)
        form.addRow(self.tr("Capture:"), plain_label(self.tr("{0}  (sha256 {1}), {2} – {3}").format(
            self.path.name, st.short_hash(self.analysis.capture.sha256),
            st.utc_text(self.capture_window[0]), st.utc_text(self.capture_window[1]))))  # fmt: skip
        self.case_edit = QLineEdit()
        self.case_edit.setPlaceholderText(self.tr("Case or ticket reference, e.g. INC-88412"))
        self.case_edit.setMaxLength(200)
        self.purpose = QComboBox()
        names = {
            "QOS_DIAG_VOICE": self.tr("Voice quality diagnosis on a customer's request"),
            "QOS_DIAG_VIDEO": self.tr("Video quality diagnosis on a customer's request"),
            TEST_CALL: self.tr("Test call: my own handset to a machine (echo test, IVR)"),
        }
        for purpose in sorted(self.policy.purposes if self.policy else ()):
            self.purpose.addItem(f"{purpose} — {names.get(purpose, purpose)}", purpose)
        self.purpose.currentIndexChanged.connect(self._on_purpose)
        self.line_edit = QLineEdit()
        self.line_edit.setEchoMode(QLineEdit.EchoMode.PasswordEchoOnEdit)
        self.line_edit.setPlaceholderText(self.tr("the customer line that asked, e.g. +32 475…"))
        self.line_masked = plain_label()
        self.line_edit.textChanged.connect(self._show_line)
        line_row = QHBoxLayout()
        line_row.addWidget(self.line_edit, 1)
        line_row.addWidget(self.line_masked)
        form.addRow(self.tr("Case reference:"), self.case_edit)
        form.addRow(self.tr("Purpose:"), self.purpose)
        form.addRow(self.tr("Requesting line:"), line_row)
        if self.policy is not None:
            until = self.capture_window[1] + self.policy.retention
            form.addRow(self.tr("Kept until:"), plain_label(self.tr(
                "{0} (capture end + {1} days, policy); then purged").format(
                st.utc_text(until), self.policy.retention_days)))  # fmt: skip
        layout.addWidget(box)
        parties_box = QGroupBox(self.tr("Parties of the call and their consent"))
        parties_layout = QVBoxLayout(parties_box)
        self.hint = plain_label()
        self.parties = PartyRows(self.capture_window[0])
        self.add_leg = QPushButton(self.tr("Add further leg"))
        self.add_leg.clicked.connect(self._add_leg)
        parties_layout.addWidget(self.hint)
        parties_layout.addWidget(self.parties)
        leg_row = QHBoxLayout()
        leg_row.addWidget(self.add_leg)
        leg_row.addStretch(1)
        parties_layout.addLayout(leg_row)
        layout.addWidget(parties_box)
        self.error = plain_label(colour=st.REFUSED_COLOUR)
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox()
        self.create_button = self.buttons.addButton(
            self.tr("Create record"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.header_only = self.buttons.addButton(
            self.tr("Header analysis only"), QDialogButtonBox.ButtonRole.RejectRole
        )
        self.buttons.accepted.connect(self._on_create)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        for widget in (box, parties_box, self.create_button):
            widget.setVisible(self.policy is not None)

    def _add_leg(self) -> None:
        self.parties.add_party("other_leg", "person")

    def _show_line(self, text: str) -> None:
        self.line_masked.setText(self.tr("stored as {0}").format(mask_number(text)) if text else "")

    def _on_purpose(self) -> None:
        """Preset the parties: a test call is the technician and a machine."""
        test_call = self.purpose.currentData() == TEST_CALL
        self.line_edit.setEnabled(not test_call)
        self.parties.clear()
        if test_call:
            self.hint.setText(self.tr(
                "Test call: your own handset (technician) and a machine. No customer takes "
                "part, so no customer consent is needed."))  # fmt: skip
            self.parties.add_party("caller", "technician", login=self.session.actor)
            self.parties.add_party("callee", "machine", self.tr("echo test / IVR"))
        else:
            self.hint.setText(self.tr(
                "Every person on the call must consent; record how and when for each, with a "
                "reference to the evidence. Machines (IVR, echo test) need none."))  # fmt: skip
            call = self.analysis.calls[0] if self.analysis.calls else None
            a, b = (call.from_party, call.to_party) if call else ("", "")
            self.parties.add_party("caller", "person", st.party_short(a))
            self.parties.add_party("callee", "person", st.party_short(b))

    def _on_create(self) -> None:
        if self.policy is None:
            return
        try:
            record = new_record(
                capture_sha256=self.analysis.capture.sha256, capture_path=self.path.absolute(),
                case_ref=self.case_edit.text(), purpose=str(self.purpose.currentData()),
                requesting_line=self.line_edit.text().strip(), window=self.capture_window,
                parties=self.parties.parties(), policy=self.policy,
                created=self.session.clock.now(), created_by=self.session.actor,
            )  # fmt: skip
            save_record(record, self.session.log, self.session.actor)
        except CallScopeError as exc:  # ConsentError, AuditWriteError
            self.error.setText(str(exc))
            return
        self.record = record
        self.accept()
