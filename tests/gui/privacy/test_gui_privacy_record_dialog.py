"""Creating a consent record when a capture without one is opened."""

from __future__ import annotations

from gui_privacy_fixtures import session_of
from privacy_fixtures import World, log_entries
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLineEdit
from pytestqt.qtbot import QtBot

from callscope.core.privacy import paths
from callscope.core.privacy.consent_store import load_record
from callscope.gui.privacy.consent_record_dialog import ConsentRecordDialog


def _dialog(qtbot: QtBot, w: World) -> ConsentRecordDialog:
    dialog = ConsentRecordDialog(session_of(w), w.capture, w.extra["result"])
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_customer_call_record_is_created_with_masked_line_and_every_party(
    qtbot: QtBot, tone_world: World
) -> None:
    dialog = _dialog(qtbot, tone_world)
    assert dialog.purpose.currentData() == "QOS_DIAG_VOICE"
    rows = dialog.parties.rows
    assert [r.label.text() for r in rows] == ["+***100@example.com", "+***199@example.net"]
    qtbot.keyClicks(dialog.case_edit, "INC-88412")
    dialog.line_edit.setText("+32 475 12 34 56")
    assert dialog.line_edit.echoMode() == QLineEdit.EchoMode.PasswordEchoOnEdit
    assert dialog.line_masked.text() == "stored as +***456"
    rows[0].method.setCurrentIndex(rows[0].method.findData("ivr_keypress"))
    rows[0].evidence.setText("IVR-7781")
    rows[1].method.setCurrentIndex(rows[1].method.findData("verbal"))
    rows[1].evidence.setText("call note 12")
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert dialog.record is None  # verbal consent without the agent: the core refuses
    assert "must name the agent" in dialog.error.text()
    assert rows[1].agent.isEnabled()
    rows[1].agent.setText("Dana")
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    stored = load_record(tone_world.sha)
    assert stored == dialog.record and stored.complete
    assert stored.requesting_line == "+***456" and "475123" not in stored.requesting_line_id
    assert stored.case_ref == "INC-88412"
    assert stored.parties[1].consent is not None and stored.parties[1].consent.agent == "Dana"
    assert log_entries(tone_world.log)[-1]["action"] == "CONSENT_RECORDED"


def test_a_further_leg_can_be_added_and_removed(qtbot: QtBot, tone_world: World) -> None:
    dialog = _dialog(qtbot, tone_world)
    qtbot.mouseClick(dialog.add_leg, Qt.MouseButton.LeftButton)
    assert len(dialog.parties.rows) == 3
    third = dialog.parties.rows[2]
    first = dialog.parties.rows[0]
    assert third.remove.isVisibleTo(dialog) and not first.remove.isVisibleTo(dialog)
    qtbot.mouseClick(third.remove, Qt.MouseButton.LeftButton)
    assert len(dialog.parties.rows) == 2


def test_an_incomplete_record_is_saved_for_header_analysis(
    qtbot: QtBot, tone_world: World
) -> None:
    dialog = _dialog(qtbot, tone_world)
    qtbot.keyClicks(dialog.case_edit, "INC-9")
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert dialog.record is not None and not dialog.record.complete
    assert log_entries(tone_world.log)[-1]["obj"]["complete"] is False


def test_test_call_presets_technician_and_machine_without_customer_consent(
    qtbot: QtBot, tone_world: World
) -> None:
    dialog = _dialog(qtbot, tone_world)
    dialog.purpose.setCurrentIndex(dialog.purpose.findData("TEST_CALL"))
    kinds = [r.kind.currentData() for r in dialog.parties.rows]
    assert kinds == ["technician", "machine"]
    assert dialog.parties.rows[0].login.text() == "alice"
    assert not dialog.line_edit.isEnabled()
    assert not any(r.method.isEnabled() for r in dialog.parties.rows)
    qtbot.keyClicks(dialog.case_edit, "TEST-1")
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert dialog.record is not None and dialog.record.complete
    assert dialog.record.purpose == "TEST_CALL"


def test_without_a_valid_policy_only_header_analysis_is_offered(
    qtbot: QtBot, tone_world: World
) -> None:
    sig = paths.policy_path().with_name("policy.json.sig")
    sig.unlink()
    dialog = _dialog(qtbot, tone_world)
    assert dialog.policy is None
    assert not dialog.create_button.isVisible() and dialog.header_only.isVisible()
    assert "No valid policy: policy is not signed" in " ".join(
        label.text() for label in dialog.findChildren(type(dialog.error))
    )
    qtbot.mouseClick(dialog.header_only, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Rejected and dialog.record is None
