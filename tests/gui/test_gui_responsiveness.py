"""Benchmark: the window stays responsive while a large capture loads.

Measures the longest gap between ticks of a 5 ms QTimer on the GUI thread from the
start of the load until the first stream plot is shown, and the time from the core's
result to that plot. Issue 4 asks for < 100 ms and < 2 s with a 1 M-packet capture:
set CALLSCOPE_BENCH_CAPTURE to such a file (``slow``); by default a 100 k-packet
synthetic call is used.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

from callscope.core.synth.impairments import Impairments, JitterEpisode
from callscope.core.synth.scenario import CallSpec, two_way_call
from callscope.gui.main_window import MainWindow

STALL_LIMIT_S = 0.100
FIRST_PLOT_LIMIT_S = 2.0


def synth_call(path: Path, media_s: float) -> Path:
    """A two-way G.711 call of ``media_s`` seconds (silence: headers are what counts)."""
    silence = np.zeros(int(media_s * 8000) + 16000, dtype=np.int16)
    spec = CallSpec(
        media_s=media_s, ring_s=0.5, seed=5, forward_audio=silence, backward_audio=silence,
        forward=Impairments(loss=0.01, jitter_ms=2.0,
                            episodes=(JitterEpisode(20.0, 10.0, 50.0, 10.0),)),
        backward=Impairments(loss=0.005, jitter_ms=1.0),
    )  # fmt: skip
    two_way_call(spec).write(path)
    return path


def measure_load(qtbot: QtBot, path: str) -> tuple[float, float, int]:
    """(longest event-loop stall s, result→plot s, packets) for opening ``path``."""
    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(1500, 950)
    window.show()
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    qtbot.wait(50)
    (view,) = window.open_paths([path])
    assert view.job is not None
    finished_at: list[float] = []
    view.job.finished.connect(lambda _r: finished_at.append(time.perf_counter()))
    qtbot.waitUntil(lambda: view.ready, timeout=600_000)
    window.repaint()  # the first plot is on screen once this paint returns
    plotted_at = time.perf_counter()
    qtbot.wait(50)
    timer.stop()
    gaps = np.diff(np.array(ticks))
    return float(gaps.max()), plotted_at - finished_at[0], int(view.result.capture.packets)


def test_loading_keeps_the_event_loop_responsive(qtbot: QtBot, tmp_path: Path) -> None:
    path = synth_call(tmp_path / "100k.pcap", 1000.0)
    stall, first_plot, packets = measure_load(qtbot, str(path))
    print(f"\n{packets} packets: longest stall {stall * 1000:.0f} ms, "
          f"result→plot {first_plot * 1000:.0f} ms")  # fmt: skip
    assert packets > 99_000
    assert first_plot < FIRST_PLOT_LIMIT_S
    # Measured ~0.4-0.7 s on 2 shared cores: most of it is pyqtgraph building and painting
    # the first plot in one event-loop turn. Guard against regressions only; the issue's
    # 100 ms target is the 1 M-packet benchmark below, not met yet.
    assert stall < 1.5


@pytest.mark.slow
@pytest.mark.skipif(
    not os.environ.get("CALLSCOPE_BENCH_CAPTURE"), reason="set CALLSCOPE_BENCH_CAPTURE"
)
def test_one_million_packets_benchmark(qtbot: QtBot) -> None:
    stall, first_plot, packets = measure_load(qtbot, os.environ["CALLSCOPE_BENCH_CAPTURE"])
    print(f"\n{packets} packets: longest stall {stall * 1000:.0f} ms, "
          f"result→plot {first_plot * 1000:.0f} ms")  # fmt: skip
    assert stall < STALL_LIMIT_S
    assert first_plot < FIRST_PLOT_LIMIT_S
