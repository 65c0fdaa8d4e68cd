"""The retention prompt lists expired captures and purges the ticked ones."""

from __future__ import annotations

from datetime import timedelta

from gui_privacy_fixtures import session_of
from privacy_fixtures import T0, World, log_entries, record_for
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from callscope.core.privacy.consent_store import record_path, save_record
from callscope.gui.privacy.retention_prompt import RetentionPrompt, find_expired


def test_expired_capture_is_listed_then_purged_with_its_record(
    qtbot: QtBot, tone_world: World
) -> None:
    save_record(record_for(tone_world, window_end=T0 - timedelta(days=10)), tone_world.log, "alice")
    session = session_of(tone_world)
    expired = find_expired(session)
    assert [r.capture_sha256 for r in expired] == [tone_world.sha]
    prompt = RetentionPrompt(session, expired)
    qtbot.addWidget(prompt)
    prompt.show()
    shown = [prompt.table.item(0, c).text() for c in range(1, prompt.table.columnCount())]
    assert shown[0] == "tone.pcap" and shown[2] == tone_world.sha[:12] + "…"
    assert shown[3:5] == ["INC-1", "QOS_DIAG_VOICE"] and shown[6].endswith("MB")
    qtbot.mouseClick(prompt.purge_button, Qt.MouseButton.LeftButton)
    assert not tone_world.capture.exists() and not record_path(tone_world.sha).exists()
    assert "capture deleted" in prompt.status.text()
    purge = log_entries(tone_world.log)[-1]
    assert purge["action"] == "PURGE" and purge["obj"]["capture"] == "sha256:" + tone_world.sha
    assert prompt.table.rowCount() == 0 and not prompt.purge_button.isEnabled()
    assert find_expired(session) == []


def test_unticked_captures_are_kept(qtbot: QtBot, tone_world: World) -> None:
    save_record(record_for(tone_world, window_end=T0 - timedelta(days=10)), tone_world.log, "alice")
    session = session_of(tone_world)
    prompt = RetentionPrompt(session, find_expired(session))
    qtbot.addWidget(prompt)
    prompt.table.item(0, 0).setCheckState(Qt.CheckState.Unchecked)
    qtbot.mouseClick(prompt.purge_button, Qt.MouseButton.LeftButton)
    assert tone_world.capture.exists() and record_path(tone_world.sha).exists()
    assert all(e["action"] != "PURGE" for e in log_entries(tone_world.log))


def test_captures_within_retention_are_not_listed(tone_consented: World) -> None:
    assert find_expired(session_of(tone_consented)) == []
