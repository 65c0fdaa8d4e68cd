"""Freed heap memory goes back to the OS after a large join, and only then."""

from __future__ import annotations

import sys

import pytest

from callscope.core.capture import heap


def test_small_frees_do_not_trim(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr(heap, "_malloc_trim", lambda: calls.append)
    assert not heap.release_free_heap(heap.TRIM_MIN_BYTES - 1)
    assert heap.release_free_heap(heap.TRIM_MIN_BYTES)
    assert calls == [0]


def test_without_glibc_nothing_is_called(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(heap, "_malloc_trim", lambda: None)
    assert not heap.release_free_heap(1 << 40)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only on Linux")
def test_glibc_trim_is_found_and_runs() -> None:
    assert heap._malloc_trim() is not None
    assert heap.release_free_heap(heap.TRIM_MIN_BYTES)
