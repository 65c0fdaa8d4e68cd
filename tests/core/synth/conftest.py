"""Fixtures for the synth tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from synth_reader import Datagram, read_datagrams


@pytest.fixture
def read_capture() -> Callable[[Path], list[Datagram]]:
    """The dpkt-based reader, independent of the code under test."""
    return read_datagrams
