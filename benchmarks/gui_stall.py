"""Benchmark: the window stays responsive while a 1 M-packet capture loads, and pans smoothly.

    python benchmarks/gui_stall.py [--packets 1M] [--out DIR] [--capture PATH ...]
                                   [--runs 1] [--pan-steps 30] [--screenshot DIR]

Opens each capture in the real MainWindow (Qt platform ``offscreen`` unless QT_QPA_PLATFORM
says otherwise) and prints, per capture:

- the longest event-loop stall: the largest gap between ticks of a 5 ms QTimer on the GUI
  thread, from File → Open until the first stream plot is painted plus a settle time
  (issue 4: < 100 ms);
- the time from the core's finish (the worker's ``analysed_at``, else its ``finished``
  signal) to the first paint of the stream plots with streams in them (issue 4: < 2 s);
- then, on the stream with the most packets, the frame times of programmatic pans and zooms
  (a frame = the range change and the events it queues, the plots' paint among them).

By default two synthetic captures of ``--packets`` packets are generated into --out (reused
while up to date): the issue 3 benchmark capture (50 G.711 streams) and one single stream
(a stream with that many points). Settings are read and written in a temporary folder.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from bench_captures import CaptureSpec, ensure_capture, parse_size

HERE = Path(__file__).resolve().parent
HEARTBEAT_MS = 5
SETTLE_MS = 500
STALL_TARGET_MS = 100.0
FIRST_PLOT_TARGET_S = 2.0
LOAD_TIMEOUT_S = 900.0


@dataclass(frozen=True)
class LoadFigures:
    """What one load measured; times in seconds."""

    packets: int
    streams: int
    points: int  # packets of the streams plotted first
    core_s: float  # open → the core's analysis returned (in the worker)
    first_plot_s: float  # core returned → first paint of the plots with streams
    stalls: list[tuple[float, str]]  # the five longest heartbeat gaps (s, where), longest first


def _isolate_settings() -> None:
    """Keep the user's settings and CallScope home out of the measurement."""
    from PySide6.QtCore import QSettings

    folder = tempfile.mkdtemp(prefix="callscope-gui-stall-")
    os.environ["CALLSCOPE_HOME"] = str(Path(folder) / "home")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, folder)


def _wait(app: Any, until: Callable[[], bool], timeout_s: float) -> None:
    """Run the event loop until ``until()`` is true."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    poll = QTimer()
    poll.setInterval(2)
    poll.timeout.connect(lambda: loop.quit() if until() else None)
    deadline = QTimer()
    deadline.setSingleShot(True)
    deadline.timeout.connect(loop.quit)
    poll.start()
    deadline.start(int(timeout_s * 1000))
    if not until():
        loop.exec()
    poll.stop()
    if not until():
        raise SystemExit(f"gui_stall: timed out after {timeout_s:.0f} s")


def _paint_probe(widget: Any, on_paint: Callable[[], object]) -> Any:
    """An event filter calling ``on_paint()`` right after each paint of ``widget``."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    class Probe(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                QTimer.singleShot(0, on_paint)
            return False

    probe = Probe()
    widget.installEventFilter(probe)
    return probe


def measure_load(app: Any, window: Any, path: Path) -> tuple[LoadFigures, Any]:
    """Open ``path`` in ``window``; returns the figures and the capture's view."""
    from PySide6.QtCore import QTimer

    ticks: list[float] = []
    heartbeat = QTimer()
    heartbeat.setInterval(HEARTBEAT_MS)
    heartbeat.timeout.connect(lambda: ticks.append(time.perf_counter()))
    heartbeat.start()
    _wait(app, lambda: len(ticks) > 10, 5.0)
    opened_at = time.perf_counter()
    (view,) = window.open_paths([str(path)])
    finished_at: list[float] = []
    ready_at: list[float] = []
    painted_at: list[float] = []
    view.job.finished.connect(lambda _r: finished_at.append(time.perf_counter()))
    view.loaded.connect(lambda _r: ready_at.append(time.perf_counter()))
    probe = _paint_probe(  # the first paint of the plots with streams in them
        view.plot_view.graphics.viewport(),
        lambda: painted_at.append(time.perf_counter())
        if view.plot_view.streams and not painted_at else None,
    )
    _wait(app, lambda: bool(painted_at) and view.ready, LOAD_TIMEOUT_S)
    settle_until = time.perf_counter() + SETTLE_MS / 1000
    _wait(app, lambda: time.perf_counter() > settle_until, 5.0)
    heartbeat.stop()
    view.plot_view.graphics.viewport().removeEventFilter(probe)
    times = np.array(ticks)
    gaps = np.diff(times)
    marks = [("open", opened_at), ("result", finished_at[0]), ("ready", ready_at[0]),
             ("plotted", painted_at[0])]
    stalls = [(float(gaps[i]), _phase(times[i], times[i + 1], marks))
              for i in np.argsort(gaps)[::-1][:5]]
    # The core's own finish; the worker may prepare plot series after it, before ``finished``.
    core_done = getattr(view.job, "analysed_at", None) or finished_at[0]
    result = view.result
    plotted = view.plot_view.streams
    figures = LoadFigures(
        packets=int(result.capture.packets), streams=len(result.streams),
        points=sum(len(s.series.time_s) for s in plotted),
        core_s=core_done - opened_at, first_plot_s=painted_at[0] - core_done,
        stalls=stalls,
    )  # fmt: skip
    return figures, view


def _phase(start: float, end: float, marks: list[tuple[str, float]]) -> str:
    """Where a stall from ``start`` to ``end`` sits among the load's marks."""
    ordered = sorted(marks, key=lambda mark: mark[1])
    before = [name for name, t in ordered if t < start]
    inside = [name for name, t in ordered if start <= t <= end]
    label = f"after {before[-1]}" if before else "before open"
    return label + (f", spans {'+'.join(inside)}" if inside else "")


class _PaintCounter:
    """Counts the paints of a widget (an event filter)."""

    def __init__(self, widget: Any) -> None:
        from PySide6.QtCore import QEvent, QObject

        counter = self

        class Filter(QObject):
            def eventFilter(self, watched: QObject, event: QEvent) -> bool:
                if event.type() == QEvent.Type.Paint:
                    counter.paints += 1
                return False

        self.paints = 0
        self._filter = Filter()
        widget.installEventFilter(self._filter)


def _frame(app: Any, plot_view: Any, counter: _PaintCounter, action: Callable[[], object]) -> float:
    """Seconds for one frame: ``action()`` and the events it queued, the plots' paint among
    them (should no paint have come, a synchronous one is added and timed)."""
    before = counter.paints
    started = time.perf_counter()
    action()
    app.processEvents()
    if counter.paints == before:
        plot_view.graphics.viewport().repaint()
    return time.perf_counter() - started


def measure_pan(app: Any, view: Any, steps: int) -> list[tuple[str, list[float]]]:
    """Frame times of pans at several zoom levels, of a zoom sweep and of view resets, on
    the stream with the most packets."""
    result = view.result
    largest = max(result.streams, key=lambda s: len(s.series.time_s))
    view.stream_table.select_stream_ids([largest.id])
    plot = view.plot_view
    counter = _PaintCounter(plot.graphics.viewport())
    app.processEvents()
    t = largest.series.time_s
    lo, hi = float(t[0]), float(t[-1])

    def frame(action: Callable[[], object]) -> float:
        return _frame(app, plot, counter, action)

    def show(a: float, b: float) -> Callable[[], None]:
        return lambda: plot.set_x_range(a, b)

    rows: list[tuple[str, list[float]]] = []
    for label, share in (("full view", 1.0), ("1/10 view", 0.1), ("1/1000 view", 0.001)):
        width = (hi - lo) * share
        start = lo if share < 1 else lo - width * 0.01
        frame(show(start, start + width))
        frames = [frame(lambda: plot.pan(0.02)) for _ in range(steps)]
        frames += [frame(lambda: plot.pan(-0.02)) for _ in range(steps)]
        rows.append((f"pan 2 % at {label}", frames))
    frame(show(lo + (hi - lo) * 0.4995, lo + (hi - lo) * 0.5005))
    zooms = [frame(lambda: plot.zoom(2.0)) for _ in range(11)]
    zooms += [frame(lambda: plot.zoom(0.5)) for _ in range(11)]
    rows.append(("zoom ×2 steps 1/1000 ↔ full", zooms))
    resets = []
    for _ in range(5):
        frame(show(lo + (hi - lo) * 0.3, lo + (hi - lo) * 0.31))
        resets.append(frame(plot.reset_view))
    rows.append(("reset view from 1/100", resets))
    return rows


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def print_load(name: str, f: LoadFigures) -> None:
    stall_ok = f.stalls[0][0] * 1000 < STALL_TARGET_MS
    plot_ok = f.first_plot_s < FIRST_PLOT_TARGET_S
    print(f"{name}: {f.packets:,} packets, {f.streams} streams; "
          f"first plot: {f.points:,} points")
    print(f"  open → core finished          {f.core_s:7.2f} s")
    print(f"  longest event-loop stall      {_ms(f.stalls[0][0]):>9}   "
          f"(target < {STALL_TARGET_MS:.0f} ms: {'met' if stall_ok else 'NOT MET'})")
    print("  five longest stalls:")
    for seconds, where in f.stalls:
        print(f"    {_ms(seconds):>7}  {where}")
    print(f"  core finished → plot painted  {f.first_plot_s:7.2f} s   "
          f"(target < {FIRST_PLOT_TARGET_S:.0f} s: {'met' if plot_ok else 'NOT MET'})")


def print_runs(runs: list[LoadFigures]) -> None:
    stalls = np.array([f.stalls[0][0] for f in runs])
    plots = np.array([f.first_plot_s for f in runs])
    print(f"  over {len(runs)} runs: longest stall median {_ms(float(np.median(stalls)))}, "
          f"worst {_ms(float(stalls.max()))}; core finished → plot painted median "
          f"{np.median(plots):.2f} s, worst {plots.max():.2f} s")


def print_pan(points: int, rows: list[tuple[str, list[float]]]) -> None:
    print(f"pan/zoom frames on one stream of {points:,} points "
          "(range change + the events it queues, paint included):")
    for label, frames in rows:
        a = np.array(frames)
        print(f"  {label:<30} median {_ms(float(np.median(a))):>7}, "
              f"p95 {_ms(float(np.percentile(a, 95))):>7}, max {_ms(float(a.max())):>7} "
              f"({len(a)} frames)")


def default_captures(packets: int, out: Path) -> list[Path]:
    """The issue 3 benchmark capture (50 streams) and one stream of ``packets`` packets."""
    paths = []
    for streams in (50, 1):
        capture = ensure_capture(CaptureSpec(packets, streams=streams), out)
        print(f"{'reused' if capture.reused else 'generated'} {capture.path}")
        paths.append(capture.path)
    return paths


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--packets", type=parse_size, default=1_000_000,
                   help="packets of the generated captures (default 1M)")
    p.add_argument("--out", type=Path, default=HERE / "out", help="folder of generated captures")
    p.add_argument("--capture", type=Path, action="append", default=[],
                   help="measure this capture instead of the generated ones (repeatable)")
    p.add_argument("--runs", type=int, default=1, help="loads of each capture (default 1)")
    p.add_argument("--pan-steps", type=int, default=30, help="pan frames each way per zoom")
    p.add_argument("--screenshot", type=Path, default=None,
                   help="save a PNG of the window with each capture open into this folder")
    return p


def _close(app: Any, window: Any) -> None:
    """Close and destroy ``window`` while the QApplication exists (PySide6 aborts otherwise)."""
    window.close()
    window.deleteLater()
    app.processEvents()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    paths = args.capture or default_captures(args.packets, args.out)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from callscope.gui.main_window import MainWindow

    _isolate_settings()
    app: Any = QApplication.instance() or QApplication(["gui_stall"])
    print(f"Qt platform: {app.platformName()}, {args.runs} run(s) per capture")
    largest: tuple[int, Any, Any] | None = None  # (points, view, window) of the largest stream
    for path in paths:
        runs: list[LoadFigures] = []
        for run in range(args.runs):
            window = MainWindow()
            window.resize(1500, 950)
            window.show()
            figures, view = measure_load(app, window, path)
            runs.append(figures)
            if run == 0:
                print_load(path.name, figures)
            if run == 0 and args.screenshot is not None:
                args.screenshot.mkdir(parents=True, exist_ok=True)
                shot = args.screenshot / f"{path.stem}.png"
                window.grab().save(str(shot))
                print(f"  screenshot: {shot}")
            points = max(len(s.series.time_s) for s in view.result.streams)
            if largest is None or points > largest[0]:
                if largest is not None:
                    _close(app, largest[2])
                largest = (points, view, window)
            else:
                _close(app, window)
        if args.runs > 1:
            print_runs(runs)
    if largest is not None and args.pan_steps > 0:
        print_pan(largest[0], measure_pan(app, largest[1], args.pan_steps))
    if largest is not None:
        _close(app, largest[2])
    del largest
    gc.collect()
    return 0


if __name__ == "__main__":
    sys.exit(main())
