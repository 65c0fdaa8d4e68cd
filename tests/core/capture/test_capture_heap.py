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


def test_glibc_trim_is_found_on_linux_and_nowhere_else() -> None:
    if not sys.platform.startswith("linux"):  # macOS/Windows allocators return memory
        assert heap._malloc_trim() is None
        return
    assert heap._malloc_trim() is not None  # CI and the benchmark machine run glibc
    assert heap.release_free_heap(heap.TRIM_MIN_BYTES)
