"""All background work of the window: the one module that starts threads.

Rules: a worker never touches a widget; it only emits signals, which Qt queues to
the GUI thread. Python's garbage collector runs in whatever thread happens to
allocate, and collecting Qt objects there crashes Qt, so the window collects on the
GUI thread only (:func:`collect_garbage_on_gui_thread`). Results (numpy arrays inside
dataclasses) are handed over once, by signal, and never mutated afterwards. Every job
can be cancelled and waited for.

Signals of :class:`AnalysisJob`
    progress(int done, int total, str stage, int streams): at most every 50 ms.
    finished(object): the :class:`~callscope.core.model.AnalysisResult`; the job's
        ``plot_series`` then holds every stream's plot bins and event times.
    failed(str): a one-line message for the user (the core's message when it has one).
    cancelled(): the user's Cancel took effect.
"""

from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pyqtgraph.util.garbage_collector import GarbageCollector
from PySide6.QtCore import QObject, QThread, Signal, Slot

from callscope.core.errors import CallScopeError, CancelledError
from callscope.core.model import AnalysisResult
from callscope.core.progress import CancelToken, Progress, ProgressCallback
from callscope.gui.views.plot_data import StreamPlotSeries, prepare_all

PROGRESS_INTERVAL_S = 0.05
GC_INTERVAL_S = 1.0

_collector: GarbageCollector | None = None


def collect_garbage_on_gui_thread() -> GarbageCollector:
    """Turn automatic collection off; a GUI-thread timer collects instead (once, idempotent).

    Without this a worker (or the core's hashing thread) can trigger a collection that
    deletes plots or widgets caught in reference cycles from outside the GUI thread: a
    segmentation fault (seen in the spectrogram tests). Call after the QApplication exists.
    """
    global _collector
    if _collector is None:
        _collector = GarbageCollector(interval=GC_INTERVAL_S)
    return _collector


def run_analysis(
    path: str, progress: ProgressCallback, cancel: CancelToken
) -> AnalysisResult:
    """Run the core's analysis; the seam tests patch to simulate slow or odd captures."""
    from callscope.core.analysis import analyze

    return analyze(path, progress=progress, cancel=cancel)


class _Task(QObject):
    """Lives on the worker thread; runs one callable and reports by signals."""

    progress = Signal(int, int, str, int)
    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, work: Callable[[ProgressCallback, CancelToken], Any]) -> None:
        super().__init__()
        self._work = work
        self.token = CancelToken()
        self._last_emit = 0.0
        self._last_stage = ""

    def _report(self, p: Progress) -> None:
        # Called on the worker thread by the core, possibly thousands of times:
        # throttle so the GUI thread's event queue never floods.
        now = time.monotonic()
        if p.stage == self._last_stage and now - self._last_emit < PROGRESS_INTERVAL_S:
            return
        self._last_emit, self._last_stage = now, p.stage
        self.progress.emit(int(p.done), int(p.total), p.stage, int(p.streams_found))

    @Slot()
    def run(self) -> None:
        try:
            result = self._work(self._report, self.token)
        except CancelledError:
            self.cancelled.emit()
        except CallScopeError as exc:
            self.failed.emit(str(exc))
        except MemoryError:
            self.failed.emit("Not enough memory to analyse this capture.")
        except Exception as exc:  # a bug in the core must not kill the window
            traceback.print_exc(file=sys.stderr)
            self.failed.emit(f"Internal error: {type(exc).__name__}: {exc}")
        else:
            if self.token.cancelled:
                self.cancelled.emit()
            else:
                self.succeeded.emit(result)


class BackgroundJob(QObject):
    """One callable run on its own QThread, with progress, cancel and completion signals.

    ``work(progress, cancel)`` receives a core ProgressCallback and CancelToken.
    """

    progress = Signal(int, int, str, int)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    done = Signal()  # after any of finished / failed / cancelled

    def __init__(
        self,
        work: Callable[[ProgressCallback, CancelToken], Any],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._thread = QThread()
        self._task = _Task(work)
        self._task.moveToThread(self._thread)
        self._thread.started.connect(self._task.run)
        self._task.progress.connect(self.progress)
        self._task.succeeded.connect(self._on_succeeded)
        self._task.failed.connect(self._on_failed)
        self._task.cancelled.connect(self._on_cancelled)
        self._running = False

    def start(self) -> None:
        """Start the work on its thread; returns at once."""
        self._running = True
        self._thread.start()

    def cancel(self) -> None:
        """Ask the work to stop at its next check; ``cancelled`` follows."""
        self._task.token.cancel()

    @property
    def running(self) -> bool:
        """True between start() and the completion signal."""
        return self._running

    def wait(self, msecs: int = 10_000) -> bool:
        """Cancel and block until the thread ended (used when the window closes)."""
        self.cancel()
        self._thread.quit()
        return bool(self._thread.wait(msecs))

    def _stop_thread(self) -> None:
        self._running = False
        self._thread.quit()
        self._thread.wait()

    def _on_succeeded(self, result: object) -> None:
        self._stop_thread()
        self.finished.emit(result)
        self.done.emit()

    def _on_failed(self, message: str) -> None:
        self._stop_thread()
        self.failed.emit(message)
        self.done.emit()

    def _on_cancelled(self) -> None:
        self._stop_thread()
        self.cancelled.emit()
        self.done.emit()


class AnalysisJob(BackgroundJob):
    """Analyse one capture in the background (see the module docstring's signals).

    After the core's analysis, the same thread prepares what the stream plots draw
    (bins, event times: ~40 ms per million packets) so the GUI thread never does.
    ``analysed_at`` is the ``time.perf_counter()`` at which the core returned.
    """

    def __init__(self, path: str | Path, parent: QObject | None = None) -> None:
        self.path = str(path)
        self.plot_series: dict[int, StreamPlotSeries] = {}
        self.analysed_at: float | None = None
        super().__init__(self._analyse, parent)

    def _analyse(self, progress: ProgressCallback, cancel: CancelToken) -> AnalysisResult:
        # Runs on the worker thread; the attributes are read after ``finished`` only.
        result = run_analysis(self.path, progress, cancel)
        self.analysed_at = time.perf_counter()
        self.plot_series = prepare_all(result.streams, cancel.raise_if_cancelled)
        return result


def run_in_background(
    work: Callable[[], Any], parent: QObject | None = None
) -> BackgroundJob:
    """Run a plain callable (an export, say) off the GUI thread; caller connects signals."""
    return BackgroundJob(lambda _progress, _cancel: work(), parent)
