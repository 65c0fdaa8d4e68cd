"""Feeds a :class:`SpectrogramView`: coarse levels by default, the full STFT under a grant.

The controller never decides who may see what: ``coarse_levels`` needs no grant (the
core keeps it coarse), ``full_spectrogram`` takes the grant and logs ``SPECTROGRAM``
before decoding; a refused or expired grant falls back to the coarse view with the
core's message.

Use::

    controller = SpectrogramController(session, source, view, parent=capture_view)
    controller.show_stream(stream_id)       # when the selection changes
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import cast

import numpy as np
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

from callscope.core.content.access import (
    ContentSource,
    Spectrogram,
    coarse_levels,
    full_spectrogram,
)
from callscope.core.errors import CallScopeError
from callscope.core.privacy.grant import Grant
from callscope.gui.content.spectrogram_view import SpectrogramView
from callscope.gui.privacy.consent_dialog import ask_consent
from callscope.gui.privacy.session import PrivacySession
from callscope.gui.workers import BackgroundJob, run_in_background

AskConsent = Callable[[list[int], set[str]], Grant | None]
_RUNNING: set[BackgroundJob] = set()
"""Coarse-view jobs still running, kept alive until done even if their tab is gone."""


def wait_for_background_work() -> None:
    """Block until every coarse-view computation ended (at application exit)."""
    for job in list(_RUNNING):
        job.wait()


class SpectrogramController(QObject):
    """Shows one stream of ``source`` in ``view``; asks consent for the full view."""

    def __init__(
        self,
        session: PrivacySession,
        source: ContentSource,
        view: SpectrogramView,
        *,
        ask: AskConsent | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session, self.source, self.view = session, source, view
        self._ask = ask
        self.stream_id: int | None = None
        self.grant: Grant | None = None  # the grant the full view is shown under
        self.jobs: list[BackgroundJob] = []
        self._coarse_for: int | None = None  # the stream a pending coarse view is for
        view.full_requested.connect(self.request_full)
        view.settings_changed.connect(self._on_settings)

    def show_stream(self, stream_id: int | None) -> None:
        """Show ``stream_id`` (full when a live grant allows it, else coarse)."""
        self.stream_id = stream_id
        if stream_id is None:
            self.view.set_loss_times(np.zeros(0))
            self.view.show_message(self.view.tr("Select a stream to see its spectrogram."))
            return
        series = self.source.result.stream(stream_id).series
        self.view.set_loss_times(series.time_s[series.lost_before > 0])
        grant = self.session.grant_for(self.source.sha256, [stream_id], "spectrogram")
        if grant is not None:
            self._show_full(grant)
        else:
            self._show_coarse()

    def request_full(self) -> None:
        """Full spectrogram of the current stream, after the consent step if needed."""
        if self.stream_id is None:
            return
        grant = self.session.grant_for(self.source.sha256, [self.stream_id], "spectrogram")
        if grant is None:
            grant = self._ask_consent([self.stream_id], {"spectrogram"})
        if grant is not None:
            self.session.remember(grant)
            self._show_full(grant)

    def _ask_consent(self, streams: list[int], actions: set[str]) -> Grant | None:
        if self._ask is not None:
            return self._ask(streams, actions)
        parent = self.view if isinstance(self.view, QWidget) else None
        return ask_consent(self.session, self.source, streams, actions, parent)

    def _on_settings(self) -> None:
        if self.view.mode == "full" and self.grant is not None:
            self._show_full(self.grant)  # the core says if the grant still holds

    def _show_coarse(self, note: str = "") -> None:
        """Compute the coarse view off the GUI thread (a long stream takes a while)."""
        assert self.stream_id is not None
        self._coarse_for = self.stream_id
        self.view.show_message(self.view.tr("Computing the level view…"))
        # Not parented: a tab closed mid-computation must not destroy a running thread.
        job = run_in_background(partial(coarse_levels, self.source, self.stream_id))
        job.finished.connect(partial(self._coarse_ready, self.stream_id, note))
        job.failed.connect(partial(self._coarse_failed, self.stream_id))
        job.done.connect(partial(self._forget, job))
        self.jobs.append(job)
        _RUNNING.add(job)
        job.start()

    def _coarse_ready(self, stream_id: int, note: str, result: object) -> None:
        if stream_id == self.stream_id == self._coarse_for:
            spec, start_s = cast(tuple[Spectrogram, float], result)
            self.view.show_coarse(spec, start_s, note)

    def _coarse_failed(self, stream_id: int, message: str) -> None:
        if stream_id == self.stream_id:
            self.view.show_message(self.view.tr("No level view: {0}").format(message))

    def _forget(self, job: BackgroundJob) -> None:
        if job in self.jobs:
            self.jobs.remove(job)
        _RUNNING.discard(job)

    def wait(self) -> None:
        """Cancel background work and block until it ended (closing the tab, tests)."""
        for job in list(self.jobs):
            job.wait()

    def _show_full(self, grant: Grant) -> None:
        assert self.stream_id is not None
        size, overlap, window = self.view.stft_settings()
        try:
            with _busy():
                spec, start_s = full_spectrogram(
                    self.session.gate, grant, self.source, self.stream_id,
                    size=size, overlap=overlap, window=window,
                )  # fmt: skip
        except CallScopeError as exc:  # AccessDenied (expired...), AuditWriteError, codec
            self.grant = None
            self._show_coarse(str(exc))
            return
        self.grant = grant
        self._coarse_for = None
        self.view.show_full(spec, start_s)


class _busy:
    """Wait cursor while the core decodes (synchronously, on the GUI thread)."""

    def __enter__(self) -> None:
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)

    def __exit__(self, *exc: object) -> None:
        QGuiApplication.restoreOverrideCursor()
