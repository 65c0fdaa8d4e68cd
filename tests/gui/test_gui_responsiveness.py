"""Long streams stay light for the event loop: what makes it so, checked without timing.

How long the loop stalls and how fast the plots pan are measured by
``benchmarks/gui_stall.py`` (it prints the figures); these tests check the mechanisms:
the plots draw a peak envelope of the core's arrays fitted to the view, zooming in
shows every packet, panning reuses what was prepared and paints once, the crosshair
reads the full-resolution arrays, the plots are built one per loop turn, and the
worker prepares the plot series.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from fakes import fake_result
from PySide6.QtCore import QEvent, QObject
from pytestqt.qtbot import QtBot

from callscope.core.model import Stream, StreamSeries
from callscope.gui.main_window import MainWindow
from callscope.gui.views import plot_data
from callscope.gui.views.stream_plot_view import StreamPlotView
from callscope.gui.workers import AnalysisJob

N = 200_000
SPIKE = 123_457  # index of a one-packet jitter spike


def long_stream(n: int = N) -> Stream:
    """One stream of ``n`` packets 20 ms apart, a 500 ms jitter spike at SPIKE (mod n)."""
    template = fake_result(n=200).streams[0]
    rng = np.random.default_rng(11)
    time_s = 1.0 + np.arange(n) * 0.020 + rng.exponential(0.001, n)
    jitter = rng.gamma(2.0, 0.5, n)
    jitter[SPIKE % n] = 500.0
    lost_before = (rng.random(n) < 0.01).astype(np.int64)
    series = StreamSeries(
        frame=np.arange(n, dtype=np.int64), time_s=time_s, seq=np.arange(n, dtype=np.int64),
        rtp_timestamp=np.arange(n, dtype=np.int64) * 160,
        payload_type=np.full(n, 8, dtype=np.uint8), marker=np.zeros(n, dtype=np.bool_),
        length=np.full(n, 172, dtype=np.int32), delta_ms=rng.normal(20.0, 1.0, n),
        jitter_ms=jitter, skew_ms=np.zeros(n), sequence_error=lost_before > 0,
        lost_before=lost_before, wrong_timestamp=np.zeros(n, dtype=np.bool_),
    )  # fmt: skip
    return replace(template, series=series, rtcp=[])


def _view(qtbot: QtBot, stream: Stream) -> StreamPlotView:
    view = StreamPlotView()
    qtbot.addWidget(view)
    view.resize(1100, 700)
    view.show()
    qtbot.waitExposed(view)
    view.show_streams([stream])
    return view


def _drawn(view: StreamPlotView, stream: Stream, kind: str) -> tuple[np.ndarray, np.ndarray]:
    x, y = view.series_items[(stream.id, kind)].getData()
    return np.asarray(x), np.asarray(y)


def test_a_long_stream_is_drawn_as_the_peak_envelope_of_the_core_arrays(qtbot: QtBot) -> None:
    stream = long_stream()
    view = _view(qtbot, stream)
    item = view.series_items[(stream.id, "jitter")]
    assert item.xData is stream.series.time_s and item.yData is stream.series.jitter_ms
    x, y = _drawn(view, stream, "jitter")
    pixels = view.plots["jitter"].getViewBox().width()
    assert len(x) < 7 * pixels < N  # about two points per pixel (view + cover)
    assert y.max() == 500.0  # the one-packet spike survives
    assert y.min() == stream.series.jitter_ms.min()
    assert np.isin(y, stream.series.jitter_ms).all()
    lo, hi = view.x_range()
    assert x[0] <= lo + 0.01 * (hi - lo) and x[-1] >= hi - 0.01 * (hi - lo)


def test_zooming_in_far_draws_every_packet(qtbot: QtBot) -> None:
    stream = long_stream()
    view = _view(qtbot, stream)
    t = stream.series.time_s
    view.set_x_range(float(t[SPIKE - 100]), float(t[SPIKE + 100]))
    x, y = _drawn(view, stream, "jitter")
    shown = (x >= t[SPIKE - 100]) & (x <= t[SPIKE + 100])
    np.testing.assert_array_equal(x[shown], t[SPIKE - 100 : SPIKE + 101])
    np.testing.assert_array_equal(y[shown], stream.series.jitter_ms[SPIKE - 100 : SPIKE + 101])
    edges, values = _drawn(view, stream, "loss")
    assert len(edges) == len(values) + 1  # seconds-wide bins are steps again


def test_small_pans_reuse_the_envelope_and_far_pans_recompute(qtbot: QtBot) -> None:
    stream = long_stream()
    view = _view(qtbot, stream)
    t = stream.series.time_s
    view.set_x_range(float(t[50_000]), float(t[60_000]))
    before = _drawn(view, stream, "jitter")[0]
    view.pan(0.3)
    assert _drawn(view, stream, "jitter")[0] is before  # still inside the prepared cover
    view.pan(2.0)
    assert _drawn(view, stream, "jitter")[0] is not before


class _PaintCount(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def test_a_pan_paints_the_plots_once(qtbot: QtBot, fake_analysis, tmp_path) -> None:
    result = fake_result(n=200)
    long = replace(long_stream(), id=1)
    fake_analysis(lambda path, progress, cancel: replace(result, streams=[long], calls=[]))
    path = tmp_path / "long.pcap"
    path.write_bytes(b"placeholder: the fake analysis never reads it")
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    (view,) = window.open_paths([str(path)])
    contents = window.privacy.contents  # the content views are built after ``ready``
    qtbot.waitUntil(lambda: view.ready and view in contents and contents[view].ready,
                    timeout=10_000)
    qtbot.wait(200)
    plots = view.plot_view
    t = long.series.time_s
    plots.set_x_range(float(t[1000]), float(t[3000]))
    qtbot.wait(20)
    painted = _PaintCount()
    plots.graphics.viewport().installEventFilter(painted)
    for _ in range(3):
        painted.count = 0
        plots.pan(0.3)
        qtbot.wait(20)
        # pyqtgraph alone would fit Y and move its transforms during the paint, then
        # paint again
        assert painted.count == 1


def test_the_crosshair_reads_the_full_resolution_arrays(qtbot: QtBot) -> None:
    stream = long_stream()
    view = _view(qtbot, stream)
    view.show_cursor(float(stream.series.time_s[SPIKE]))
    assert "jitter 500.00 ms" in view.readout.text()
    assert f"seq {SPIKE & 0xFFFF}," in view.readout.text()


def test_times_that_step_back_are_handed_to_pyqtgraph_whole(qtbot: QtBot) -> None:
    stream = long_stream(20_000)
    t = stream.series.time_s.copy()
    t[10_000:] -= 50.0  # the capture's clock stepped back
    stepped = replace(stream, series=replace(stream.series, time_s=t))
    view = _view(qtbot, stepped)
    item = view.series_items[(stepped.id, "jitter")]
    assert item.opts["autoDownsample"] and item.opts["clipToView"]
    handed = item.getOriginalDataset()[0]
    assert len(handed) == len(t) and np.shares_memory(handed, t)  # pyqtgraph reduces it


def test_plots_are_built_one_per_event_loop_turn(qtbot: QtBot) -> None:
    view = StreamPlotView()
    qtbot.addWidget(view)
    assert view.graphics.ci.layout.count() == 1  # only the legend so far
    seen: list[int] = []
    view.when_built(lambda: seen.append(view.graphics.ci.layout.count()))
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    assert seen == [6]  # legend + 5 plots, then the callback
    eager = StreamPlotView()
    qtbot.addWidget(eager)
    assert sorted(eager.plots) == ["delta", "events", "jitter", "loss", "rate"]  # on demand


def test_the_worker_prepares_every_streams_plot_series(qtbot: QtBot, fake_analysis) -> None:
    job = AnalysisJob("/captures/x.pcap")
    with qtbot.waitSignal(job.finished, timeout=10_000) as blocker:
        job.start()
    result = blocker.args[0]
    assert job.analysed_at is not None
    assert sorted(job.plot_series) == [s.id for s in result.streams]
    for stream in result.streams:
        expected = plot_data.prepare(stream.series)
        got = job.plot_series[stream.id]
        np.testing.assert_array_equal(got.loss.values, expected.loss.values)
        np.testing.assert_array_equal(got.events["lost"], expected.events["lost"])


@pytest.mark.usefixtures("fake_analysis")
def test_a_loaded_capture_plots_with_the_workers_series(qtbot: QtBot, tmp_path) -> None:
    path = tmp_path / "call.pcap"
    path.write_bytes(b"placeholder: the fake analysis never reads it")
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    (view,) = window.open_paths([str(path)])
    qtbot.waitUntil(lambda: view.ready, timeout=10_000)
    assert view.job is not None
    for stream in view.plot_view.streams:
        loss = view.plot_view.series_items[(stream.id, "loss")]
        assert loss.xData is view.job.plot_series[stream.id].loss.edges


def test_switching_the_rate_unit_redraws_the_bit_rate_fitted_to_the_view(qtbot: QtBot) -> None:
    stream = long_stream()
    view = _view(qtbot, stream)
    prepared = plot_data.prepare(stream.series)
    view.rate_unit.setCurrentIndex(view.rate_unit.findData("kbps"))
    rate = view.series_items[(stream.id, "rate")]
    np.testing.assert_array_equal(rate.yData, prepared.bitrate.values)
    x, y = _drawn(view, stream, "rate")
    assert len(x) == len(y) > 0  # 4000 one-second bins on ~1000 pixels: a line, not steps
    assert y.max() == prepared.bitrate.values.max()
    assert len(view.plots["rate"].listDataItems()) == 1  # the packet-rate item is gone
