"""The window's privacy wiring: OPEN logged, consent banner, content views, scrubbed copy.

And every content path from the window refuses without a grant: Play, Export WAV and
Full spectrogram go through the consent step; with it refused nothing is decoded and
nothing but the refusal reaches the audit log.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from callscope.core.privacy import paths
from callscope.gui.content import playback_controller
from callscope.gui.main_window import MainWindow
from callscope.gui.views.capture_view import CaptureView

DEMO = Path(__file__).resolve().parents[3] / "resources" / "demo.pcap"


def _actions() -> list[str]:
    log = paths.audit_log_path()
    if not log.exists():
        return []
    return [json.loads(line)["action"] for line in log.read_text().splitlines()]


def _open_demo(qtbot: QtBot, tmp_path: Path) -> tuple[MainWindow, CaptureView]:
    capture = tmp_path / "demo.pcap"
    shutil.copyfile(DEMO, capture)
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    (view,) = window.open_paths([str(capture)])
    qtbot.waitUntil(
        lambda: view.ready and view in window.privacy.contents
        and window.privacy.contents[view].ready,
        timeout=20_000,
    )
    return window, view


def test_opening_logs_and_asks_for_consent_data(qtbot: QtBot, tmp_path: Path) -> None:
    window, view = _open_demo(qtbot, tmp_path)
    assert "OPEN" in _actions()
    assert view.notice.isVisibleTo(window)
    assert "header analysis only" in view.notice_label.text()
    menus = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert menus.index("Privacy") == menus.index("Help") - 1
    content = window.privacy.contents[view]
    qtbot.waitUntil(lambda: content.spectrogram.mode == "coarse", timeout=20_000)


def test_every_content_path_asks_consent_and_refusal_reaches_nothing(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(playback_controller, "output_devices", lambda: [(0, "test output")])
    window, view = _open_demo(qtbot, tmp_path)
    content = window.privacy.contents[view]
    asked: list[tuple[list[int], set[str]]] = []

    def refuse(streams: list[int], actions: set[str]) -> None:
        asked.append((streams, actions))

    content.play_ctl._ask = refuse
    content.spectro_ctl._ask = refuse
    assert content.player.play_button.isEnabled()
    content.player.play_button.click()
    content.spectrogram.full_button.click()
    content.play_ctl.export(tmp_path / "out.wav")
    assert [sorted(a) for _, a in asked] == [["listen"], ["spectrogram"], ["export_audio"]]
    assert not (tmp_path / "out.wav").exists()
    assert not {"PLAY_START", "SPECTROGRAM", "EXPORT"} & set(_actions())
    qtbot.waitUntil(lambda: content.spectrogram.mode == "coarse", timeout=20_000)


def test_scrubbed_copy_from_the_menu_is_logged(qtbot: QtBot, tmp_path: Path) -> None:
    window, _ = _open_demo(qtbot, tmp_path)
    out = tmp_path / "escalate.pcap"
    job = window.privacy.export_scrubbed(str(out))
    assert job is not None
    with qtbot.waitSignal(job.done, timeout=30_000):
        pass
    assert out.is_file() and out.stat().st_size > 0
    assert "EXPORT_SCRUBBED" in _actions()


def test_reveal_needs_the_consent_step_and_is_logged_first(
    qtbot: QtBot, tmp_path: Path
) -> None:
    window, view = _open_demo(qtbot, tmp_path)
    view.select_call_row(0)
    asked: list[set[str]] = []
    assert window.privacy.reveal_selected_call(lambda s, a: asked.append(a)) is None
    assert asked == [{"reveal"}] and "REVEAL" not in _actions()
