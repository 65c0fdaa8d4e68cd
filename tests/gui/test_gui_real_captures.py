"""The window over real captures and the real core: what it shows equals what core computes.

Captures are synthesized by ``callscope.core.synth`` (a short two-way SIP call), taken
from the shared corpus (marked ``corpus``) or the bundled demo when it exists.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from callscope.core.analysis import analyze
from callscope.core.errors import CaptureError
from callscope.core.model import AnalysisResult
from callscope.core.synth.impairments import Impairments
from callscope.core.synth.scenario import CallSpec, two_way_call
from callscope.gui import workers
from callscope.gui.icons import demo_capture
from callscope.gui.main_window import MainWindow
from callscope.gui.models.stream_table_model import Column
from callscope.gui.views.capture_view import CaptureView


@pytest.fixture(scope="module")
def synth_capture(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A 6 s two-way G.711 call with loss and jitter, written as pcap."""
    spec = CallSpec(
        media_s=6.0, ring_s=0.5, seed=3,
        forward=Impairments(loss=0.03, jitter_ms=3.0), backward=Impairments(loss=0.01),
    )  # fmt: skip
    path = tmp_path_factory.mktemp("synth") / "call.pcap"
    two_way_call(spec).write(path)
    return str(path)


def _window(qtbot: QtBot) -> MainWindow:
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    return window


def _wait_loaded(qtbot: QtBot, view: CaptureView) -> AnalysisResult:
    qtbot.waitUntil(lambda: view.ready, timeout=20_000)
    assert view.result is not None
    return view.result


def assert_view_matches_core(view: CaptureView, expected: AnalysisResult) -> None:
    """Table rows, plotted arrays and metrics equal the core's own analysis."""
    model = view.stream_table.source_model
    assert model.rowCount() == len(expected.streams)
    for row, stream in enumerate(expected.streams):
        st = stream.stats
        assert model.index(row, Column.SSRC).data() == stream.ssrc_hex
        assert model.index(row, Column.PACKETS).data() == str(st.packets)
        assert model.index(row, Column.LOST).data() == f"{st.lost} ({st.lost_percent:.1f}%)"
        assert model.index(row, Column.MAX_JITTER).data() == (
            f"{st.max_jitter_ms:.3f}" if np.isfinite(st.max_jitter_ms) else "—"
        )
    plotted = view.plot_view.streams
    assert plotted, "the first call's streams are plotted on load"
    for k, stream in enumerate(plotted):
        core = expected.stream(stream.id)
        jitter = view.plot_view.series_items[(stream.id, "jitter")]
        np.testing.assert_array_equal(jitter.xData, core.series.time_s)
        np.testing.assert_array_equal(jitter.yData, core.series.jitter_ms)
        delta = view.plot_view.series_items[(stream.id, "delta")]
        np.testing.assert_array_equal(delta.yData, core.series.delta_ms)
        assert view.metrics.value("packets", k) == str(core.stats.packets)
        assert view.metrics.value("ssrc", k) == core.ssrc_hex


def test_menu_open_shows_what_core_computes(
    qtbot: QtBot, synth_capture: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([synth_capture], ""))
    window = _window(qtbot)
    window.actions_.open.trigger()
    view = window.current_view()
    assert view is not None
    _wait_loaded(qtbot, view)
    assert_view_matches_core(view, analyze(synth_capture))
    assert view.stream_table.selected_stream_ids() == [s.id for s in view.plot_view.streams]


@pytest.mark.corpus
def test_dropped_corpus_capture_shows_what_core_computes(qtbot: QtBot, corpus: Path) -> None:
    path = str(corpus / "sip-g711a-rtcp_SIP_CALL_RTP_G711.pcap")
    window = _window(qtbot)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(path)])
    window.dropEvent(QDropEvent(
        QPointF(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    ))  # fmt: skip
    (view,) = window.views()
    expected = analyze(path)
    _wait_loaded(qtbot, view)
    assert_view_matches_core(view, expected)
    with_rtcp = [s for s in view.plot_view.streams if s.rtcp]
    for stream in with_rtcp:
        item = view.plot_view.series_items[(stream.id, "rtcp_jitter")]
        np.testing.assert_array_equal(item.yData, [r.jitter_ms for r in stream.rtcp])


@pytest.mark.corpus
def test_capture_without_rtp_says_so(qtbot: QtBot, corpus: Path) -> None:
    window = _window(qtbot)
    (view,) = window.open_paths([str(corpus / "nonvoip-http-linux-sll2_filesamples.pcap")])
    result = _wait_loaded(qtbot, view)
    assert result.streams == []
    assert view.bottom.currentWidget() is view.no_rtp


def test_rejected_capture_shows_the_core_message(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "notes.pcap"
    path.write_text("this is not a capture, just a text file with a .pcap name\n" * 4)
    with pytest.raises(CaptureError) as rejected:
        analyze(path)
    window = _window(qtbot)
    window.open_paths([str(path)])
    qtbot.waitUntil(lambda: bool(window.error_boxes), timeout=10_000)
    assert str(rejected.value) in window.error_boxes[0].text()
    assert window.tabs.count() == 0


def test_cancel_a_real_load(
    qtbot: QtBot, synth_capture: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = workers.run_analysis

    def slowed(path, progress, cancel):  # the real core, with a slow progress consumer
        def report(p):
            progress(p)
            time.sleep(0.3)

        return real(path, report, cancel)

    monkeypatch.setattr(workers, "run_analysis", slowed)
    window = _window(qtbot)
    (view,) = window.open_paths([synth_capture])
    assert view.job is not None
    with qtbot.waitSignal(view.job.progress, timeout=10_000):
        pass
    with qtbot.waitSignal(view.load_cancelled, timeout=10_000):
        qtbot.mouseClick(view.progress_view.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.tabs.count() == 0, timeout=2000)


def test_demo_action_opens_the_bundled_demo(qtbot: QtBot) -> None:
    window = _window(qtbot)
    window.actions_.open_demo.trigger()
    view = window.current_view()
    assert view is not None
    _wait_loaded(qtbot, view)
    assert_view_matches_core(view, analyze(demo_capture()))
