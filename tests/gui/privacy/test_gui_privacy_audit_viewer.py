"""The read-only audit viewer: entries, filters, plain text, Verify OK then TAMPERED."""

from __future__ import annotations

from gui_privacy_fixtures import session_of
from privacy_fixtures import World
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QAbstractItemView
from pytestqt.qtbot import QtBot

from callscope.gui.privacy.audit_viewer import AuditViewer

REASON = "<b>choppy</b> uplink 12-18 s\u2028call +32475123456"


def _activity(w: World) -> None:
    session = session_of(w)
    grant = session.gate.request(w.sha, [2], {"listen"}, case_ref="INC-1", reason=REASON)
    session.gate.log_access(grant, "PLAY_START", w.sha, 2, time_range_ms=(12000, 12000))
    session.gate.log_access(grant, "PLAY_STOP", w.sha, 2, time_range_ms=(12000, 15500))


def _viewer(qtbot: QtBot, w: World, actor: str = "carol") -> AuditViewer:
    viewer = AuditViewer(session_of(w, actor))
    qtbot.addWidget(viewer)
    viewer.show()
    return viewer


def _column(viewer: AuditViewer, col: int) -> list[str]:
    proxy = viewer.proxy
    return [proxy.index(r, col).data() for r in range(proxy.rowCount())]


def test_entries_are_listed_read_only_with_reasons_as_plain_text(
    qtbot: QtBot, tone_consented: World
) -> None:
    _activity(tone_consented)
    viewer = _viewer(qtbot, tone_consented)
    actions = _column(viewer, 3)
    assert actions[:3] == ["LOG_CREATED", "CONSENT_RECORDED", "CONSENT_GRANTED"]
    assert "PLAY_START" in actions and "PLAY_STOP" in actions
    reasons = [r for r in _column(viewer, 5) if r]
    assert reasons == ["<b>choppy</b> uplink 12-18 s\\ncall +***456"]
    stop = _column(viewer, 3).index("PLAY_STOP")
    assert "t=12.000–15.500 s" in _column(viewer, 6)[stop]
    assert viewer.table.editTriggers() == QAbstractItemView.EditTrigger.NoEditTriggers
    assert not (viewer.model.flags(viewer.model.index(0, 5)) & Qt.ItemFlag.ItemIsEditable)
    viewer.table.selectRow(stop)
    assert '"action": "PLAY_STOP"' in viewer.details.toPlainText()
    assert viewer.details.isReadOnly()


def test_filters_by_action_actor_case_and_date(qtbot: QtBot, tone_consented: World) -> None:
    _activity(tone_consented)
    viewer = _viewer(qtbot, tone_consented)
    total = viewer.model.rowCount()
    viewer.action_filter.setCurrentIndex(viewer.action_filter.findData("PLAY_START"))
    assert _column(viewer, 3) == ["PLAY_START"]
    viewer.action_filter.setCurrentIndex(0)
    qtbot.keyClicks(viewer.actor_filter, "ALI")
    assert set(_column(viewer, 2)) == {"alice"}
    viewer.actor_filter.clear()
    qtbot.keyClicks(viewer.case_filter, "inc-1")
    assert set(_column(viewer, 4)) == {"INC-1"} and viewer.proxy.rowCount() < total
    viewer.case_filter.clear()
    viewer.since_edit.setDate(QDate(2025, 3, 5))  # the fake clock says 2025-03-04
    assert viewer.proxy.rowCount() == 0
    viewer.since_edit.setDate(QDate(2025, 3, 4))
    viewer.until_edit.setDate(QDate(2025, 3, 4))
    assert viewer.proxy.rowCount() == total
    assert viewer.count_label.text() == f"{total} of {total} entries shown"


def test_verify_reports_ok_then_tampered_after_one_flipped_byte(
    qtbot: QtBot, tone_consented: World
) -> None:
    _activity(tone_consented)
    viewer = _viewer(qtbot, tone_consented)
    qtbot.mouseClick(viewer.verify_button, Qt.MouseButton.LeftButton)
    assert viewer.verdict.text().startswith("OK — ")
    path = tone_consented.log.path
    data = bytearray(path.read_bytes())
    data[data.index(b"uplink")] ^= 0x01
    path.write_bytes(bytes(data))
    qtbot.mouseClick(viewer.verify_button, Qt.MouseButton.LeftButton)
    assert viewer.verdict.text().startswith("TAMPERED at seq ")
    assert viewer.verdict.textFormat() == Qt.TextFormat.PlainText


def test_entries_need_the_auditor_role_but_anyone_may_verify(
    qtbot: QtBot, tone_consented: World
) -> None:
    viewer = _viewer(qtbot, tone_consented, actor="alice")
    assert viewer.model.rowCount() == 0
    assert "'alice' does not have the auditor role" in viewer.message.text()
    qtbot.mouseClick(viewer.verify_button, Qt.MouseButton.LeftButton)
    assert viewer.verdict.text().startswith("OK")
