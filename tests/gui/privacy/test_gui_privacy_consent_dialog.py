"""The consent step: grant on confirm, and every refusal shown (never a grant)."""

from __future__ import annotations

import errno
import os

import pytest
from gui_privacy_fixtures import session_of
from privacy_fixtures import World, customer_parties, log_actions, log_entries, record_for
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from callscope.core.privacy.consent import Party
from callscope.core.privacy.consent_store import save_record
from callscope.core.privacy.grant import Grant
from callscope.gui.privacy.consent_dialog import ConsentDialog, ask_consent


def _dialog(qtbot: QtBot, w: World, actor: str = "alice", streams=(2,), actions=("listen",)):
    dialog = ConsentDialog(session_of(w, actor), w.extra["source"], streams, actions)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_confirm_logs_first_and_returns_a_grant_for_exactly_the_scope(
    qtbot: QtBot, tone_consented: World
) -> None:
    dialog = _dialog(qtbot, tone_consented, streams=(1, 2), actions=("listen",))
    assert not dialog.confirm.isEnabled()  # no reason yet
    assert "reason" in dialog.blocker.text()
    dialog.action_boxes["spectrogram"].setChecked(True)
    qtbot.keyClicks(dialog.reason_edit, "choppy uplink 12-18 s")
    assert dialog.confirm.isEnabled() and not dialog.blocker.isVisible()
    qtbot.mouseClick(dialog.confirm, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    grant = dialog.grant
    assert isinstance(grant, Grant)
    assert grant.stream_ids == {1, 2} and grant.actions == {"listen", "spectrogram"}
    granted = [e for e in log_entries(tone_consented.log) if e["action"] == "CONSENT_GRANTED"]
    assert len(granted) == 1 and granted[0]["obj"]["grant"] == grant.grant_id
    assert granted[0]["reason"] == "choppy uplink 12-18 s" and granted[0]["case"] == "INC-1"
    assert dialog.session.grant_for(tone_consented.sha, [2], "spectrogram") is grant


def test_the_scope_shown_is_masked_and_names_streams_directions_and_parties(
    qtbot: QtBot, tone_consented: World
) -> None:
    dialog = _dialog(qtbot, tone_consented, streams=(1, 2))
    table = dialog.streams_table
    cells = [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(2)]
    assert cells[0][:5] == ["#1", "198.51.*.*:50000", "192.0.*.*:40000", "callee → caller", "PCMU"]
    assert cells[1][3] == "caller → callee"
    parties = dialog.parties_table
    assert [parties.item(r, 2).text() for r in range(parties.rowCount())] == ["+***456", "+***789"]
    assert "IVR key press" in parties.item(0, 3).text()


def test_a_missing_party_consent_disables_confirm_and_says_who(
    qtbot: QtBot, tone_world: World
) -> None:
    parties = [customer_parties()[0], Party("callee", "person", "+***789")]
    save_record(record_for(tone_world, parties=parties), tone_world.log, "alice")
    before = log_actions(tone_world.log)
    dialog = _dialog(qtbot, tone_world)
    qtbot.keyClicks(dialog.reason_edit, "echo on the line")
    assert not dialog.confirm.isEnabled()
    assert "callee +***789: no consent" in dialog.blocker.text()
    assert dialog.parties_table.item(1, 3).text() == "NO CONSENT"
    assert dialog.parties_table.item(1, 3).foreground().color().name() == "#d55e00"
    dialog._on_confirm()  # even forced, nothing is requested
    assert dialog.grant is None and log_actions(tone_world.log) == before


def test_no_consent_record_disables_confirm(qtbot: QtBot, tone_world: World) -> None:
    dialog = _dialog(qtbot, tone_world)
    assert not dialog.confirm.isEnabled()
    assert "no consent record" in dialog.blocker.text()


def test_an_analyst_is_refused_and_the_refusal_is_shown_and_logged(
    qtbot: QtBot, tone_consented: World
) -> None:
    dialog = _dialog(qtbot, tone_consented, actor="bob")
    qtbot.keyClicks(dialog.reason_edit, "<b>curious</b>")
    qtbot.mouseClick(dialog.confirm, Qt.MouseButton.LeftButton)
    assert dialog.grant is None and dialog.result() != QDialog.DialogCode.Accepted
    assert "'bob' does not have the listener role" in dialog.result_label.text()
    assert dialog.result_label.textFormat() == Qt.TextFormat.PlainText
    refused = [e for e in log_entries(tone_consented.log) if e["action"] == "CONSENT_REFUSED"]
    assert len(refused) == 1 and refused[0]["actor"] == "bob"


def test_an_audit_write_failure_refuses_the_grant(
    qtbot: QtBot, tone_consented: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog = _dialog(qtbot, tone_consented)
    qtbot.keyClicks(dialog.reason_edit, "one-way audio")

    def disk_full(fd: int, data: bytes) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(os, "write", disk_full)
        qtbot.mouseClick(dialog.confirm, Qt.MouseButton.LeftButton)
    assert dialog.grant is None and dialog.result() != QDialog.DialogCode.Accepted
    assert "cannot write the audit log" in dialog.result_label.text()
    assert "No space left" in dialog.refusal
    assert dialog.session.grant_for(tone_consented.sha, [2], "listen") is None


def test_a_case_that_is_not_the_records_is_refused_by_the_core(
    qtbot: QtBot, tone_consented: World
) -> None:
    dialog = _dialog(qtbot, tone_consented)
    dialog.case_edit.setText("INC-<i>2</i>")
    qtbot.keyClicks(dialog.reason_edit, "x")
    qtbot.mouseClick(dialog.confirm, Qt.MouseButton.LeftButton)
    assert dialog.grant is None
    assert "belongs to another case" in dialog.result_label.text()
    last = log_entries(tone_consented.log)[-1]
    assert last["action"] == "CONSENT_REFUSED" and last["case"] == "INC-<i>2</i>"


def test_ask_consent_reuses_a_covering_grant_and_otherwise_runs_the_dialog(
    tone_consented: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = session_of(tone_consented)
    source = tone_consented.extra["source"]
    shown: list[set[str]] = []

    def confirm(dialog: ConsentDialog) -> int:  # the technician fills in and confirms
        shown.append(dialog.chosen_actions())
        dialog.reason_edit.setPlainText("choppy uplink")
        dialog._on_confirm()
        return int(dialog.result())

    monkeypatch.setattr(ConsentDialog, "exec", confirm)
    grant = ask_consent(session, source, [2], {"listen", "spectrogram"})
    assert grant is not None and shown == [{"listen", "spectrogram"}]
    assert ask_consent(session, source, [2], {"spectrogram"}) is grant  # no second dialog
    assert shown == [{"listen", "spectrogram"}]
    other = ask_consent(session, source, [2], {"export_audio"})
    assert other is not None and other is not grant and len(shown) == 2
