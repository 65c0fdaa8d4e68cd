"""The background analysis job: result, progress, cancel and errors as signals."""

from __future__ import annotations

import gc
import time

import pytest
from fakes import fake_result
from pytestqt.qtbot import QtBot

from callscope.core.errors import CaptureError
from callscope.core.model import AnalysisResult
from callscope.core.progress import CancelToken, Progress, ProgressCallback
from callscope.gui import workers
from callscope.gui.workers import AnalysisJob


def slow_analysis(path: str, progress: ProgressCallback, cancel: CancelToken) -> AnalysisResult:
    """Pretends to read a large capture: 5 s in 1000 steps, checking cancel each step."""
    for i in range(1000):
        progress(Progress("reading", i * 1000, 1_000_000, streams_found=i // 100))
        cancel.raise_if_cancelled()
        time.sleep(0.005)
    return fake_result(path=path)


def test_job_delivers_the_result_and_progress(qtbot: QtBot, fake_analysis) -> None:
    def analysis(path: str, progress: ProgressCallback, cancel: CancelToken) -> AnalysisResult:
        progress(Progress("reading", 10, 100))
        progress(Progress("streams", 1, 2, streams_found=4))
        return fake_result(path=path)

    fake_analysis(analysis)
    job = AnalysisJob("/captures/x.pcap")
    reports: list[tuple[int, int, str, int]] = []
    job.progress.connect(lambda *args: reports.append(args))
    with qtbot.waitSignal(job.finished, timeout=5000) as blocker:
        job.start()
    result = blocker.args[0]
    assert isinstance(result, AnalysisResult)
    assert result.capture.path == "/captures/x.pcap"
    assert reports == [(10, 100, "reading", 0), (1, 2, "streams", 4)]
    assert not job.running


def test_cancel_stops_a_running_job(qtbot: QtBot, fake_analysis) -> None:
    fake_analysis(slow_analysis)
    job = AnalysisJob("/captures/big.pcap")
    with qtbot.waitSignal(job.progress, timeout=5000):
        job.start()
    started = time.monotonic()
    with qtbot.waitSignal(job.cancelled, timeout=5000):
        job.cancel()
    assert time.monotonic() - started < 1.0
    assert not job.running


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (CaptureError("not a pcap or pcapng file"), "not a pcap or pcapng file"),
        (ValueError("boom"), "Internal error: ValueError: boom"),
    ],
)
def test_errors_become_one_line_messages(
    qtbot: QtBot, fake_analysis, error: Exception, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    def failing(path: str, progress: ProgressCallback, cancel: CancelToken) -> AnalysisResult:
        raise error

    fake_analysis(failing)
    job = AnalysisJob("/captures/bad.pcap")
    with qtbot.waitSignal(job.failed, timeout=5000) as blocker:
        job.start()
    assert blocker.args == [message]


def test_garbage_is_collected_on_the_gui_thread_only(qapp: object) -> None:
    collector = workers.collect_garbage_on_gui_thread()
    assert workers.collect_garbage_on_gui_thread() is collector  # one timer per process
    assert not gc.isenabled()  # no collection from a worker or the hashing thread
    assert collector.timer.isActive()
