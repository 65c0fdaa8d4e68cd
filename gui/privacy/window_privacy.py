"""The main window's privacy duties, in one place.

- one :class:`PrivacySession` (audit log + content gate) for the window's lifetime;
- at start-up, expired captures are listed and purge is offered;
- each analysed capture is logged (OPEN) and, when it has no consent record, a banner
  asks for case and purpose (header analysis only until consent is complete);
- content views (spectrogram, player) are attached to each analysed capture;
- Privacy menu: audit log viewer, consent record of the current capture;
- at exit, grants are revoked and the log is sealed.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMenu, QMessageBox

from callscope.core.content.reveal import reveal_parties
from callscope.core.errors import CallScopeError
from callscope.core.privacy.consent_store import record_path
from callscope.core.privacy.scrub import export_scrubbed_audited
from callscope.gui.content.capture_content import CaptureContent
from callscope.gui.content.playback_controller import AskConsent
from callscope.gui.privacy.audit_viewer import AuditViewer
from callscope.gui.privacy.consent_dialog import ask_consent
from callscope.gui.privacy.consent_record_dialog import ConsentRecordDialog
from callscope.gui.privacy.retention_prompt import RetentionPrompt, find_expired
from callscope.gui.privacy.session import PrivacySession
from callscope.gui.views.capture_view import CaptureView
from callscope.gui.workers import BackgroundJob, run_in_background


class WindowPrivacy(QObject):
    """Privacy session, menu and per-capture content views of the main window."""

    def __init__(self, window: QMainWindow, session: PrivacySession | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.session = session or PrivacySession()
        self.contents: dict[CaptureView, CaptureContent] = {}
        self.viewer: AuditViewer | None = None
        self.jobs: list[BackgroundJob] = []

    def build_menu(self, menu: QMenu) -> None:
        """Fill the Privacy menu."""
        menu.addAction(self.tr("Audit &Log…"), self.show_audit_log)
        menu.addAction(self.tr("&Consent Record of This Capture…"), self.edit_current_record)
        menu.addAction(self.tr("&Expired Captures…"), self.offer_purge)
        menu.addAction(self.tr("&Reveal Parties of the Selected Call…"), self.reveal_selected_call)
        menu.addSeparator()
        menu.addAction(self.tr("Export &Scrubbed Copy for Escalation…"), self.export_scrubbed)

    def startup(self) -> None:
        """Offer to purge captures past retention (after the window is shown)."""
        QTimer.singleShot(0, lambda: self.offer_purge(quiet=True))

    def offer_purge(self, quiet: bool = False) -> None:
        """List expired captures and offer purge; says so when there are none."""
        try:
            expired = find_expired(self.session)
        except CallScopeError as exc:
            if not quiet:
                QMessageBox.warning(self.window, self.tr("Retention"), str(exc))
            return
        if expired:
            RetentionPrompt(self.session, expired, self.window).open()
        elif not quiet:
            QMessageBox.information(self.window, self.tr("Retention"),
                                    self.tr("No capture is past its retention date."))

    def show_audit_log(self) -> None:
        """Open (or raise) the read-only audit viewer."""
        if self.viewer is None:
            self.viewer = AuditViewer(self.session, parent=self.window)
        self.viewer.show()
        self.viewer.raise_()

    def capture_loaded(self, view: CaptureView) -> None:
        """Log the opening, attach the content views, ask for consent data if missing."""
        result = view.result
        if result is None or view in self.contents:
            return
        sha = result.capture.sha256
        try:
            self.session.log.append("OPEN", actor=self.session.actor,
                                    obj={"capture": "sha256:" + sha})
        except CallScopeError as exc:
            view.set_notice(self.tr("Audit log unavailable: content access is refused. ({0})")
                            .format(str(exc)))
        if result.streams:
            content = CaptureContent(self.session, view, result)
            self.contents[view] = content
            content.start()
        if not record_path(sha).exists():
            view.set_notice(
                self.tr("No consent record for this capture: header analysis only."),
                self.tr("Enter Case and Consent…"), partial(self.edit_record, view),
            )

    def edit_current_record(self) -> None:
        """Consent record dialog for the capture in front."""
        view = getattr(self.window, "current_view", lambda: None)()
        if isinstance(view, CaptureView) and view.result is not None:
            self.edit_record(view)

    def edit_record(self, view: CaptureView) -> None:
        """Ask case, purpose and parties' consent for ``view``'s capture (non-blocking)."""
        if view.result is None:
            return
        dialog = ConsentRecordDialog(self.session, Path(view.path), view.result, self.window)
        dialog.accepted.connect(lambda: view.set_notice(""))
        dialog.open()

    def export_scrubbed(self, output: str | None = None) -> BackgroundJob | None:
        """Write a content-free copy of the capture in front (logged), off the GUI thread."""
        view = getattr(self.window, "current_view", lambda: None)()
        if not isinstance(view, CaptureView):
            return None
        if output is None:
            suggested = str(Path(view.path).with_suffix("")) + "-scrubbed.pcap"
            output, _ = QFileDialog.getSaveFileName(
                self.window, self.tr("Export Scrubbed Copy"), suggested,
                self.tr("Captures (*.pcap *.pcapng)"),
            )
            if not output:
                return None
        work = partial(export_scrubbed_audited, self.session.log, self.session.actor,
                       view.path, output)
        job = run_in_background(work, self)
        job.finished.connect(partial(self._scrubbed, output))
        job.failed.connect(partial(self._scrub_failed, output))
        job.start()
        self.jobs.append(job)
        return job

    def _scrubbed(self, output: str, report: object) -> None:
        verified = getattr(report, "verified", None)
        text = (self.tr("Scrubbed copy written to {0}; stream metrics verified identical.")
                if verified else self.tr("Scrubbed copy written to {0}."))
        self.window.statusBar().showMessage(text.format(output), 10_000)

    def _scrub_failed(self, output: str, message: str) -> None:
        QMessageBox.warning(self.window, self.tr("Export Scrubbed Copy"),
                            self.tr("{0}\n\n{1}").format(output, message))

    def reveal_selected_call(self, ask: AskConsent | None = None) -> tuple[str, str] | None:
        """Show the selected call's numbers unmasked: consent step ("reveal"), logged first."""
        view = getattr(self.window, "current_view", lambda: None)()
        if not isinstance(view, CaptureView) or view not in self.contents:
            return None
        content = self.contents[view]
        rows = view.call_table.selectionModel().selectedRows()
        if not rows:
            QMessageBox.information(self.window, self.tr("Reveal Parties"),
                                    self.tr("Select a call first."))
            return None
        call = view.call_model.call_at(view.call_proxy.mapToSource(rows[0]).row())
        streams = list(call.stream_ids) or [s.id for s in content.source.result.streams[:1]]
        asking = ask or partial(ask_consent, self.session, content.source,
                                parent=self.window)
        grant = asking(streams, {"reveal"})
        if grant is None:
            return None
        self.session.remember(grant)
        try:
            parties = reveal_parties(self.session.gate, grant, content.source, call.call_id)
        except CallScopeError as exc:
            QMessageBox.warning(self.window, self.tr("Reveal Parties"), str(exc))
            return None
        box = QMessageBox(QMessageBox.Icon.Information, self.tr("Reveal Parties"),
                          self.tr("From: {0}\nTo: {1}\n\n(This reveal is in the audit log.)")
                          .format(*parties), QMessageBox.StandardButton.Ok, self.window)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.open()
        return parties

    def capture_closed(self, view: CaptureView) -> None:
        """Stop content use for a tab that goes away."""
        content = self.contents.pop(view, None)
        if content is not None:
            content.close()

    def close(self) -> None:
        """Stop every player, revoke grants and seal the audit log."""
        for job in self.jobs:
            if job.running:
                job.wait(60_000)
        for content in self.contents.values():
            content.close()
        self.contents.clear()
        self.session.close()
