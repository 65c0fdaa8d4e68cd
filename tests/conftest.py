"""Shared test setup: headless Qt, an isolated CALLSCOPE_HOME, the capture corpus."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data"


def corpus_dir() -> Path:
    """The shared capture corpus: $CALLSCOPE_CORPUS, default ../shared/captures."""
    env = os.environ.get("CALLSCOPE_CORPUS")
    return Path(env) if env else REPO.parent / "shared" / "captures"


@pytest.fixture(autouse=True)
def _callscope_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Every test gets its own CALLSCOPE_HOME so no test touches the user's files."""
    home = tmp_path_factory.mktemp("callscope_home")
    monkeypatch.setenv("CALLSCOPE_HOME", str(home))
    return home


@pytest.fixture
def corpus() -> Path:
    """Path of the shared corpus; skips (visibly) when it is absent."""
    path = corpus_dir()
    if not path.is_dir():
        pytest.skip(f"capture corpus not found at {path}")
    return path


@pytest.fixture
def data_dir() -> Path:
    """tests/data: small captures with permissive licences and their references."""
    return DATA
