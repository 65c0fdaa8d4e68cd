"""The PySide6 6.12 guard reads the installed version from the dist-info folder."""

from __future__ import annotations

from importlib import metadata

import PySide6
import pytest

from callscope.gui.refcount_guard import _pyside_612_installed


def test_version_comes_from_the_dist_info_not_importlib_metadata(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def slow(_name: str) -> str:  # scans the whole path: 35-60 ms at every start
        raise AssertionError("importlib.metadata was asked")

    monkeypatch.setattr(metadata, "version", slow)
    assert _pyside_612_installed() == PySide6.__version__.startswith("6.12.")
