"""Playback bar + controller: grant first, audited start/stop, cursor, seek, no device."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from gui_privacy_fixtures import session_of
from privacy_fixtures import World, log_actions, log_entries
from PySide6.QtCore import QPoint, QPointF, Qt
from pytestqt.qtbot import QtBot

from callscope.core.media import player as core_player
from callscope.core.media.player import AudioUnavailable
from callscope.gui.content.playback_controller import PlaybackController
from callscope.gui.content.player_bar import BOTH, PlayerBar
from callscope.gui.content.spectrogram_view import SpectrogramView
from callscope.gui.privacy.session import PrivacySession
from callscope.gui.views.stream_plot_view import StreamPlotView

CHILD = Path(__file__).with_name("gui_content_tap_child.py")


class FakeStream:
    """Stands in for sounddevice.OutputStream: the test pulls frames by hand."""

    def __init__(self, **kw: Any) -> None:
        self.callback = kw["callback"]
        self.channels = kw["channels"]
        self.active = False

    def start(self) -> None:
        self.active = True

    def stop(self) -> None:
        self.active = False

    def close(self) -> None:
        self.active = False

    def pull(self, frames: int) -> np.ndarray:
        out = np.zeros((frames, self.channels), np.float32)
        try:
            self.callback(out, frames, None, None)
        except FakeSoundDevice.CallbackStop:
            self.active = False
        return out


class FakeSoundDevice:
    """The parts of the sounddevice module the core's player uses."""

    class CallbackStop(Exception):
        pass

    def __init__(self, devices: list[dict[str, Any]]) -> None:
        self.devices = devices
        self.streams: list[FakeStream] = []

    def query_devices(self) -> list[dict[str, Any]]:
        return self.devices

    def OutputStream(self, **kw: Any) -> FakeStream:  # sounddevice's name
        if not self.devices:
            raise RuntimeError("Error querying device -1")
        self.streams.append(FakeStream(**kw))
        return self.streams[-1]


@pytest.fixture
def fake_sd(monkeypatch: pytest.MonkeyPatch) -> FakeSoundDevice:
    sd = FakeSoundDevice([{"name": "Fake headset", "max_output_channels": 2}])
    monkeypatch.setattr(core_player, "_sounddevice", lambda: sd)
    return sd


def _confirming(session: PrivacySession, w: World, calls: list[set[str]] | None = None):
    def ask(streams: list[int], actions: set[str]):
        if calls is not None:
            calls.append(set(actions))
        return session.gate.request(w.sha, streams, actions, case_ref="INC-1", reason="test")

    return ask


def _controller(qtbot: QtBot, w: World, ask=None) -> tuple[PlaybackController, PlayerBar]:
    session = session_of(w)
    bar = PlayerBar()
    qtbot.addWidget(bar)
    controller = PlaybackController(session, w.extra["source"], bar,
                                    ask=ask or _confirming(session, w))  # fmt: skip
    return controller, bar


@pytest.mark.parametrize("channels", ["one", "both"])
def test_samples_reaching_an_alsa_tap_equal_the_decoded_timeline(
    tmp_path: Path, channels: str
) -> None:
    tap, xdg = tmp_path / "tap.raw", tmp_path / "xdg"
    (xdg / "alsa").mkdir(parents=True)
    (xdg / "alsa" / "asoundrc").write_text(
        'pcm.!default { type plug slave.pcm "tap" }\n'
        f'pcm.tap {{ type file slave.pcm "null" file "{tap}" format "raw" }}\n'
    )
    env = {**os.environ, "XDG_CONFIG_HOME": str(xdg), "CALLSCOPE_HOME": str(tmp_path / "home")}
    (tmp_path / "work").mkdir()
    try:
        run = subprocess.run(
            [sys.executable, str(CHILD), str(tmp_path / "work"), str(tap), channels],
            env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    finally:
        tap.unlink(missing_ok=True)  # decoded audio: leave none on disk
    if "PortAudio library not found" in run.stderr:
        pytest.skip("libportaudio2 is not installed")
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    n = 2 if channels == "both" else 1
    assert result["streams"] == ([2, 1] if n == 2 else [2])
    assert result["actions"][-2 * n :] == ["PLAY_START"] * n + ["PLAY_STOP"] * n
    assert result["equal"] and result["heard"] == result["expected"] > 30000 * n
    assert result["state"] == "stopped"


def test_play_runs_the_consent_step_logs_and_moves_the_cursor_on_every_plot(
    qtbot: QtBot, tone_consented: World, fake_sd: FakeSoundDevice
) -> None:
    asked: list[set[str]] = []
    controller, bar = _controller(qtbot, tone_consented)
    controller._ask = _confirming(controller.session, tone_consented, asked)
    assert [bar.device_combo.itemText(i) for i in range(2)] == ["System default", "Fake headset"]
    plots, spectro = StreamPlotView(), SpectrogramView()
    qtbot.addWidget(plots)
    qtbot.addWidget(spectro)
    controller.attach_plots([*plots.plots.values(), spectro.plot_item])
    controller.set_streams([2])
    qtbot.mouseClick(bar.play_button, Qt.MouseButton.LeftButton)
    assert asked == [{"listen"}] and controller.state == "playing"
    assert log_actions(tone_consented.log)[-1] == "PLAY_START"
    stream = fake_sd.streams[-1]
    first = stream.pull(8000)  # one second at 8 kHz
    assert np.abs(first).max() > 0.1  # the 1 kHz tone at -12 dBFS
    controller.tick()
    pb = controller.playback
    assert pb is not None
    expected = pb.to_capture_s(8000)
    assert [line.value() for line in controller.cursors.lines] == [expected] * 6
    assert all(line.isVisible() for line in controller.cursors.lines)
    assert bar.time_label.text().startswith(f"{expected:.3f} s / ")
    qtbot.mouseClick(bar.pause_button, Qt.MouseButton.LeftButton)
    assert controller.state == "paused" and not stream.active
    qtbot.mouseClick(bar.stop_button, Qt.MouseButton.LeftButton)
    stop = log_entries(tone_consented.log)[-1]
    assert stop["action"] == "PLAY_STOP" and stop["obj"]["streams"] == [2]
    assert stop["obj"]["t"] == [round(pb.to_capture_s(0) * 1000), round(expected * 1000)]


def test_a_click_on_a_plot_seeks_there(
    qtbot: QtBot, tone_consented: World, fake_sd: FakeSoundDevice
) -> None:
    controller, _bar = _controller(qtbot, tone_consented)
    spectro = SpectrogramView()
    qtbot.addWidget(spectro)
    spectro.resize(800, 300)
    spectro.show()
    spectro.plot_item.setXRange(0.0, 4.0, padding=0)
    controller.attach_plots([spectro.plot_item])
    controller.set_streams([2])
    qtbot.waitExposed(spectro)
    vb = spectro.plot_item.getViewBox()
    scene_point = vb.mapViewToScene(QPointF(2.0, 0.5))
    widget_point = spectro.graphics.mapFromScene(scene_point)
    qtbot.mouseClick(spectro.graphics.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(int(widget_point.x()), int(widget_point.y())))  # fmt: skip
    clicked = controller.cursors.position()
    assert clicked is not None and abs(clicked - 2.0) < 0.05
    controller.play()  # the seek made before playing is where playback starts
    pb = controller.playback
    assert pb is not None and abs(pb.to_capture_s(pb.position) - clicked) < 1e-3
    controller.seek(3.0)
    assert abs(pb.to_capture_s(pb.position) - 3.0) < 1e-3
    controller.stop()


def test_loop_selection_repeats_the_range(
    qtbot: QtBot, tone_consented: World, fake_sd: FakeSoundDevice
) -> None:
    controller, bar = _controller(qtbot, tone_consented)
    spectro = SpectrogramView()
    qtbot.addWidget(spectro)
    controller.attach_plots([spectro.plot_item])
    controller.set_streams([2])
    controller.play()
    bar.loop_check.setChecked(True)
    controller.cursors.regions[0].setRegion((1.0, 1.5))
    assert controller.cursors.loop_range() == (1.0, 1.5)
    pb = controller.playback
    assert pb is not None
    controller.seek(1.4)
    stream = fake_sd.streams[-1]
    for _ in range(10):
        stream.pull(400)
    controller.tick()
    assert 1.0 <= pb.to_capture_s(pb.position) <= 1.5 and controller.state == "playing"
    controller.stop()


def test_refused_consent_plays_nothing(
    qtbot: QtBot, tone_consented: World, fake_sd: FakeSoundDevice
) -> None:
    controller, bar = _controller(qtbot, tone_consented, ask=lambda streams, actions: None)
    controller.set_streams([2])
    before = log_actions(tone_consented.log)
    qtbot.mouseClick(bar.play_button, Qt.MouseButton.LeftButton)
    assert controller.playback is None and fake_sd.streams == []
    assert "consent step was not completed" in bar.message.text()
    assert log_actions(tone_consented.log) == before


def test_an_expired_grant_stops_playback_on_the_next_tick(
    qtbot: QtBot, tone_consented: World, fake_sd: FakeSoundDevice
) -> None:
    controller, bar = _controller(qtbot, tone_consented)
    controller.set_streams([2])
    controller.play()
    fake_sd.streams[-1].pull(800)
    tone_consented.clock.advance(minutes=31)
    controller.tick()
    assert controller.state == "stopped" and "expired" in bar.message.text()
    assert log_actions(tone_consented.log)[-1] == "PLAY_STOP"


def test_no_portaudio_shows_the_message_and_export_still_works(
    qtbot: QtBot, tone_consented: World, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def missing() -> Any:
        raise AudioUnavailable("audio output unavailable: the PortAudio library is not installed")

    monkeypatch.setattr(core_player, "_sounddevice", missing)
    asked: list[set[str]] = []
    controller, bar = _controller(qtbot, tone_consented)
    controller._ask = _confirming(controller.session, tone_consented, asked)
    assert not controller.audio_available
    assert "PortAudio library is not installed" in bar.message.text()
    assert not bar.play_button.isEnabled() and bar.export_button.isEnabled()
    bar.channels_combo.setCurrentIndex(bar.channels_combo.findData(BOTH))
    controller.set_streams([2])
    out = controller.export(tmp_path / "call.wav")
    assert out == tmp_path / "call.wav" and out.stat().st_size > 44
    assert asked == [{"export_audio"}]
    exports = [e for e in log_entries(tone_consented.log) if e["action"] == "EXPORT"]
    assert sorted(e["obj"]["streams"][0] for e in exports) == [1, 2]


def test_no_output_device_shows_the_message(
    qtbot: QtBot, tone_consented: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(core_player, "_sounddevice", lambda: FakeSoundDevice([]))
    controller, bar = _controller(qtbot, tone_consented)
    assert not controller.audio_available
    assert bar.message.text().startswith("Audio output unavailable: no output device found")
    assert not bar.play_button.isEnabled() and not bar.device_combo.isEnabled()
