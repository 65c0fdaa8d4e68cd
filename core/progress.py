"""Progress reporting and cancellation for long core work, without any GUI types.

The core calls ``progress(Progress(...))`` now and then and checks
``cancel.raise_if_cancelled()``; the GUI's worker module turns these into signals.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from callscope.core.errors import CancelledError


@dataclass(frozen=True)
class Progress:
    """A progress report: ``done`` of ``total`` units (bytes while reading)."""

    stage: str  # "reading", "decoding", "signalling", "streams", "metrics"
    done: int
    total: int
    streams_found: int = 0


ProgressCallback = Callable[[Progress], None]


def no_progress(_: Progress) -> None:
    """A progress callback that ignores every report."""


class CancelToken:
    """A thread-safe flag the caller sets to stop a long operation early."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        """Ask the operation to stop at its next check."""
        self._event.set()

    @property
    def cancelled(self) -> bool:
        """True once :meth:`cancel` was called."""
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        """Raise :class:`CancelledError` if cancellation was asked for."""
        if self._event.is_set():
            raise CancelledError()
