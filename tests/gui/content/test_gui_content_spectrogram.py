"""Spectrogram view: coarse levels without a grant, the full STFT with one, on capture time."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from gui_privacy_fixtures import CALLEE_HZ, CALLER_HZ, session_of
from privacy_fixtures import World, log_actions
from pytestqt.qtbot import QtBot

from callscope.core.analysis import analyze
from callscope.core.content.access import ContentSource
from callscope.core.privacy.audit_log import AuditLog
from callscope.gui.content.spectrogram_controller import SpectrogramController
from callscope.gui.content.spectrogram_view import SpectrogramView
from callscope.gui.privacy.session import PrivacySession
from callscope.gui.views.stream_plot_view import StreamPlotView

DEMO = Path(__file__).resolve().parents[3] / "resources" / "demo.pcap"


def _setup(qtbot: QtBot, w: World, asked: list[set[str]] | None = None, grant: bool = True):
    session = session_of(w)
    view = SpectrogramView()
    qtbot.addWidget(view)

    def ask(streams: list[int], actions: set[str]):
        if asked is not None:
            asked.append(set(actions))
        if not grant:
            return None
        return session.gate.request(w.sha, streams, actions, case_ref="INC-1", reason="tone")

    return SpectrogramController(session, w.extra["source"], view, ask=ask), view, session


def _peak_hz(view: SpectrogramView) -> float:
    image = view.image.image
    assert image is not None
    rect = view.image.mapRectToParent(view.image.boundingRect())
    bins = image.shape[1]
    freqs = rect.top() + (np.arange(bins) + 0.5) * rect.height() / bins
    return float(freqs[int(np.argmax(image.mean(axis=0)))])


def _settle(qtbot: QtBot, controller: SpectrogramController) -> None:
    """Wait for the coarse view computed off the GUI thread."""
    qtbot.waitUntil(lambda: not controller.jobs, timeout=20_000)


def test_without_a_grant_only_the_coarse_view_is_shown_and_says_why(
    qtbot: QtBot, tone_consented: World
) -> None:
    controller, view, _ = _setup(qtbot, tone_consented)
    before = log_actions(tone_consented.log)
    controller.show_stream(2)
    _settle(qtbot, controller)
    assert view.mode == "coarse"
    assert view.label.text().startswith("Coarse view — full spectrogram needs consent")
    image = view.image.image
    assert image is not None and image.shape[1] <= 8
    stream = tone_consented.extra["result"].stream(2)
    rect = view.image.mapRectToParent(view.image.boundingRect())
    start_s = (stream.start_ns - tone_consented.extra["result"].capture.start_ns) / 1e9
    assert abs(rect.left() - start_s) < 0.1  # placed by capture time
    assert rect.width() / image.shape[0] >= 0.25  # columns of at least 250 ms
    assert not view.size_combo.isEnabled() and not view.full_button.isHidden()
    assert log_actions(tone_consented.log) == before  # nothing logged, nothing granted


def test_with_a_grant_the_full_spectrogram_shows_the_tone_at_its_frequency(
    qtbot: QtBot, tone_consented: World
) -> None:
    asked: list[set[str]] = []
    controller, view, _ = _setup(qtbot, tone_consented, asked)
    controller.show_stream(2)
    _settle(qtbot, controller)
    view.full_button.click()
    assert asked == [{"spectrogram"}] and view.mode == "full"
    assert view.label.text().startswith("Full spectrogram (consented) — FFT 512, 75% overlap")
    image = view.image.image
    assert image is not None and image.shape[1] == 257
    assert abs(_peak_hz(view) - CALLER_HZ) < 8000 / 512
    assert log_actions(tone_consented.log)[-1] == "SPECTROGRAM"
    controller.show_stream(1)  # the grant was for stream 2 only
    _settle(qtbot, controller)
    assert view.mode == "coarse"
    view.full_button.click()
    assert view.mode == "full" and abs(_peak_hz(view) - CALLEE_HZ) < 8000 / 512


def test_stft_settings_recompute_the_full_view(qtbot: QtBot, tone_consented: World) -> None:
    controller, view, _ = _setup(qtbot, tone_consented)
    controller.show_stream(2)
    _settle(qtbot, controller)
    controller.request_full()
    _settle(qtbot, controller)
    view.size_combo.setCurrentIndex(view.size_combo.findData(1024))
    image = view.image.image
    assert image is not None and image.shape[1] == 513
    assert "FFT 1024" in view.label.text()
    assert log_actions(tone_consented.log).count("SPECTROGRAM") == 2


def test_refused_consent_keeps_the_coarse_view(qtbot: QtBot, tone_consented: World) -> None:
    controller, view, _ = _setup(qtbot, tone_consented, grant=False)
    controller.show_stream(2)
    _settle(qtbot, controller)
    view.full_button.click()
    assert view.mode == "coarse" and "SPECTROGRAM" not in log_actions(tone_consented.log)


def test_an_expired_grant_falls_back_to_coarse_with_the_reason(
    qtbot: QtBot, tone_consented: World
) -> None:
    controller, view, _ = _setup(qtbot, tone_consented)
    controller.show_stream(2)
    _settle(qtbot, controller)
    controller.request_full()
    _settle(qtbot, controller)
    tone_consented.clock.advance(minutes=31)
    view.size_combo.setCurrentIndex(view.size_combo.findData(256))
    _settle(qtbot, controller)
    assert view.mode == "coarse" and "expired" in view.label.text()


def test_lost_packets_are_drawn_through_the_image(qtbot: QtBot, tone_consented: World) -> None:
    controller, view, _ = _setup(qtbot, tone_consented)
    controller.show_stream(2)
    _settle(qtbot, controller)
    series = tone_consented.extra["result"].stream(2).series
    lost_times = series.time_s[series.lost_before > 0]
    assert len(lost_times) > 0
    x, y = view.loss_lines.getData()
    assert x is not None and np.array_equal(x[::2], lost_times)
    assert set(np.round(y, 6)) == {0.0, float(view.image.image.shape[1])}


def test_the_time_axis_follows_the_stream_plots(qtbot: QtBot, tone_consented: World) -> None:
    controller, view, _ = _setup(qtbot, tone_consented)
    plots = StreamPlotView()
    qtbot.addWidget(plots)
    view.plot_item.setXLink(plots.plots["jitter"])
    plots.show_streams([tone_consented.extra["result"].stream(2)])
    controller.show_stream(2)
    _settle(qtbot, controller)
    plots.set_x_range(1.0, 2.5)
    lo, hi = view.plot_item.getViewBox().viewRange()[0]
    assert (round(lo, 6), round(hi, 6)) == (1.0, 2.5)
    assert view.plot_item.getAxis("left").width() == plots.plots["jitter"].getAxis("left").width()


def test_demo_capture_coarse_view(qtbot: QtBot, tmp_path: Path) -> None:
    capture = tmp_path / "demo.pcap"
    shutil.copyfile(DEMO, capture)
    result = analyze(capture)
    end = datetime.fromtimestamp(result.capture.end_ns / 1e9, UTC) + timedelta(hours=1)
    session = PrivacySession(AuditLog(), clock=_Fixed(end), actor="alice")
    view = SpectrogramView()
    qtbot.addWidget(view)
    controller = SpectrogramController(session, ContentSource(capture, result), view)
    controller.show_stream(result.streams[0].id)
    _settle(qtbot, controller)
    image = view.image.image
    assert view.mode == "coarse" and image is not None
    assert image.shape[0] >= 100  # ~30 s of speech-like audio in 250 ms columns
    assert np.ptp(image) > 20  # talk and pauses differ by more than 20 dB
    axis = view.plot_item.getAxis("left")
    assert axis.labelText == "Band<br>(Hz)"  # name over unit: fits a short plot
    named = [label for level in axis._tickLevels for _, label in level]
    assert len(named) == image.shape[1]  # every band is labelled at one level or the other
    assert axis.style["hideOverlappingLabels"] is True  # a short plot drops, never overlaps


class _Fixed:
    def __init__(self, t: datetime) -> None:
        self.t = t

    def now(self) -> datetime:
        return self.t
