"""The window: open by menu and by drop, errors, cancel, no RTP, session, thresholds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from fakes import empty_result, fake_result
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot
from test_gui_workers import slow_analysis

from callscope.core.errors import CaptureError
from callscope.gui import settings
from callscope.gui.main_window import MainWindow
from callscope.gui.models.roles import VERDICT_ROLE
from callscope.gui.verdict import Thresholds, Verdict
from callscope.gui.views.capture_view import CaptureView


def _window(qtbot: QtBot) -> MainWindow:
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    return window


def _capture(tmp_path: Path, name: str = "call.pcap") -> str:
    path = tmp_path / name
    path.write_bytes(b"placeholder: the fake analysis never reads it")
    return str(path)


def test_open_from_the_menu_shows_the_core_result(
    qtbot: QtBot, fake_analysis, tmp_path, monkeypatch
) -> None:
    path = _capture(tmp_path)
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([path], ""))
    window = _window(qtbot)
    window.actions_.open.trigger()
    view = window.current_view()
    assert isinstance(view, CaptureView)
    qtbot.waitUntil(lambda: view.ready, timeout=5000)
    expected = fake_result(path=path)
    model = view.stream_table.source_model
    assert [model.stream_at(r).ssrc for r in range(model.rowCount())] == [
        s.ssrc for s in expected.streams
    ]
    # The first call's two directions are selected and plotted with the core's arrays.
    assert view.stream_table.selected_stream_ids() == [1, 2]
    for stream in expected.streams[:2]:
        jitter = view.plot_view.series_items[(stream.id, "jitter")]
        np.testing.assert_array_equal(jitter.xData, stream.series.time_s)
        np.testing.assert_array_equal(jitter.yData, stream.series.jitter_ms)
        delta = view.plot_view.series_items[(stream.id, "delta")]
        np.testing.assert_array_equal(delta.yData, stream.series.delta_ms)
    assert view.metrics.value("packets", 0) == str(expected.streams[0].stats.packets)
    assert settings.recent_files() == [path]
    assert window.actions_.export_png.isEnabled()


def test_dropping_captures_opens_them(qtbot: QtBot, fake_analysis, tmp_path) -> None:
    paths = [_capture(tmp_path, "a.pcap"), _capture(tmp_path, "b.pcapng")]
    window = _window(qtbot)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(p) for p in paths])
    event = QDropEvent(
        QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )  # fmt: skip
    window.dropEvent(event)
    assert [v.path for v in window.views()] == paths
    qtbot.waitUntil(lambda: all(v.ready for v in window.views()), timeout=5000)
    assert window.tabs.tabText(1) == "b.pcapng"


def test_a_rejected_capture_shows_the_core_message(qtbot: QtBot, fake_analysis, tmp_path) -> None:
    def reject(path, progress, cancel):
        raise CaptureError("not a pcap or pcapng file (magic 0x3c68746d)")

    fake_analysis(reject)
    window = _window(qtbot)
    window.open_paths([_capture(tmp_path, "broken.pcap")])
    qtbot.waitUntil(lambda: bool(window.error_boxes), timeout=5000)
    box = window.error_boxes[0]
    assert "not a pcap or pcapng file (magic 0x3c68746d)" in box.text()
    assert "broken.pcap" in box.text()
    assert window.tabs.count() == 0
    box.accept()
    # The window stays usable: the next capture opens.
    fake_analysis()
    window.open_paths([_capture(tmp_path, "good.pcap")])
    qtbot.waitUntil(lambda: window.views()[0].ready, timeout=5000)
    assert window.error_boxes == []


def test_cancel_button_stops_a_load_and_closes_its_tab(
    qtbot: QtBot, fake_analysis, tmp_path
) -> None:
    fake_analysis(slow_analysis)
    window = _window(qtbot)
    (view,) = window.open_paths([_capture(tmp_path, "big.pcap")])
    assert view.job is not None
    with qtbot.waitSignal(view.job.progress, timeout=5000):
        pass
    assert "MB" in view.progress_view.detail.text()
    with qtbot.waitSignal(view.load_cancelled, timeout=5000):
        qtbot.mouseClick(view.progress_view.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.tabs.count() == 0, timeout=2000)


def test_capture_without_rtp_says_so(qtbot: QtBot, fake_analysis, tmp_path) -> None:
    fake_analysis(lambda path, progress, cancel: empty_result(path))
    window = _window(qtbot)
    (view,) = window.open_paths([_capture(tmp_path, "sip-only.pcap")])
    qtbot.waitUntil(lambda: view.ready, timeout=5000)
    assert view.bottom.currentWidget() is view.no_rtp
    assert view.no_rtp.text() == "No RTP streams found in this capture."


def test_session_is_reopened(qtbot: QtBot, fake_analysis, tmp_path) -> None:
    paths = [_capture(tmp_path, "a.pcap"), _capture(tmp_path, "b.pcap")]
    first = _window(qtbot)
    first.open_paths(paths)
    qtbot.waitUntil(lambda: all(v.ready for v in first.views()), timeout=5000)
    first.close()
    second = _window(qtbot)
    second.reopen_session()
    assert [v.path for v in second.views()] == paths
    qtbot.waitUntil(lambda: all(v.ready for v in second.views()), timeout=5000)


def test_thresholds_apply_to_open_captures(qtbot: QtBot, fake_analysis, tmp_path) -> None:
    window = _window(qtbot)
    (view,) = window.open_paths([_capture(tmp_path)])
    qtbot.waitUntil(lambda: view.ready, timeout=5000)
    model = view.stream_table.source_model
    assert model.index(0, 0).data(VERDICT_ROLE) == Verdict.WARN
    dialog = window.edit_thresholds()
    dialog.spins["lost_percent_bad"].setValue(1.5)
    dialog.accept()
    assert model.index(0, 0).data(VERDICT_ROLE) == Verdict.BAD
    assert settings.load_thresholds().lost_percent_bad == 1.5
    assert isinstance(window.thresholds, Thresholds)


def test_zoom_keys_and_crosshair(qtbot: QtBot, fake_analysis, tmp_path) -> None:
    window = _window(qtbot)
    (view,) = window.open_paths([_capture(tmp_path)])
    qtbot.waitUntil(lambda: view.ready, timeout=5000)
    plot = view.plot_view
    lo, hi = plot.x_range()
    window.actions_.zoom_in.trigger()
    zlo, zhi = plot.x_range()
    assert abs((zhi - zlo) - (hi - lo) / 2) < 1e-6 * (hi - lo)
    window.actions_.reset_view.trigger()
    assert abs(plot.x_range()[1] - plot.x_range()[0] - (hi - lo)) < 0.05 * (hi - lo)
    window.actions_.next_stream.trigger()
    assert view.stream_table.selected_stream_ids() == [2]
    plot.show_cursor(30.0)
    assert "t = 30.000 s" in plot.readout.text()
    assert "jitter" in plot.readout.text()
