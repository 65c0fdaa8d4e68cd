"""GUI test setup: settings in a temp folder, a fake-analysis switch, load helpers."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

sys.path.insert(0, str(Path(__file__).parent))  # tests/gui/fakes.py

from fakes import fake_result

from callscope.core.model import AnalysisResult
from callscope.core.progress import CancelToken, ProgressCallback
from callscope.gui import workers

Analyze = Callable[[str, ProgressCallback, CancelToken], AnalysisResult]


@pytest.fixture(autouse=True)
def _gc_on_gui_thread(qapp: object) -> Iterator[None]:
    """As in the app: no collection from worker threads; what is due runs after each test."""
    collector = workers.collect_garbage_on_gui_thread()
    yield
    collector.check()


@pytest.fixture(autouse=True)
def _temp_settings(tmp_path: Path) -> Iterator[Path]:
    """Every GUI test reads and writes QSettings in its own temporary folder."""
    folder = tmp_path / "qsettings"
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    yield folder


@pytest.fixture
def fake_analysis(monkeypatch: pytest.MonkeyPatch) -> Callable[[Analyze], None]:
    """Replace the core analysis the workers run; default returns ``fake_result``."""

    def install(analyze: Analyze | None = None) -> None:
        chosen = analyze or (lambda path, progress, cancel: fake_result(path=path))
        monkeypatch.setattr(workers, "run_analysis", chosen)

    install()
    return install
