"""Drives a :class:`PlayerBar`, the plots' cursor and the core's granted playback.

It owns one :class:`~callscope.core.content.playback.GrantedPlayback` at a time and a
QTimer that polls its position to move the cursor on every attached plot. It never
plays without a grant: Play looks for a live grant allowing ``listen`` on the streams
and otherwise runs the consent step; the core checks the grant again, logs
``PLAY_START`` before the first sample and ``PLAY_STOP`` with the range heard. No
audio device or no PortAudio (``AudioUnavailable``) only disables the transport and
says so in the bar: plots, spectrogram and export keep working.

Use::

    controller = PlaybackController(session, source, bar, parent=capture_view)
    controller.attach_plots([*stream_plot_view.plots.values(), spectrogram_view.plot_item])
    controller.set_streams([stream_id])     # when the selection changes
    ...
    controller.close()                      # tab closed: stop (PLAY_STOP is logged)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QFileDialog, QWidget

from callscope.core.content.access import ContentSource, export_wav
from callscope.core.content.playback import AudioUnavailable, GrantedPlayback, output_devices
from callscope.core.errors import CallScopeError
from callscope.core.privacy.grant import Grant
from callscope.gui.content.player_bar import BOTH, PlayerBar
from callscope.gui.content.plot_cursors import PlotCursors
from callscope.gui.privacy.consent_dialog import ask_consent
from callscope.gui.privacy.scope_text import reverse_stream
from callscope.gui.privacy.session import PrivacySession

AskConsent = Callable[[list[int], set[str]], Grant | None]
TICK_MS = 30


class PlaybackController(QObject):
    """Playback of the selected stream(s) of ``source`` (see the module docstring)."""

    def __init__(
        self,
        session: PrivacySession,
        source: ContentSource,
        bar: PlayerBar,
        *,
        ask: AskConsent | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session, self.source, self.bar = session, source, bar
        self._ask = ask
        self.selected: list[int] = []
        self.playback: GrantedPlayback | None = None
        self._key: tuple[tuple[int, ...], int | None] | None = None
        self.state = "stopped"  # "playing" | "paused" | "stopped"
        self._start_s: float | None = None  # seek before the first play
        self.cursors = PlotCursors(self)
        self.cursors.seek_requested.connect(self.seek)
        self.cursors.loop_changed.connect(self._apply_loop)
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self.tick)
        bar.play_requested.connect(self.play)
        bar.pause_requested.connect(self.pause)
        bar.stop_requested.connect(self.stop)
        bar.export_requested.connect(self._export_clicked)
        bar.volume_changed.connect(self._apply_volume)
        bar.device_changed.connect(self._rebuild)
        bar.channels_changed.connect(self._rebuild)
        bar.loop_toggled.connect(self._toggle_loop)
        self.audio_available = self._probe_devices()

    def _probe_devices(self) -> bool:
        try:
            devices = output_devices()
            if not devices:
                raise AudioUnavailable("audio output unavailable: no output device found")
        except AudioUnavailable as exc:
            self.bar.set_audio_available(False)
            why = str(exc)
            why = why[:1].upper() + why[1:]
            self.bar.set_message(self.tr("{0}. Everything else keeps working.").format(why), True)
            return False
        self.bar.set_devices(devices)
        self.bar.set_audio_available(True)
        return True

    # -- wiring to the views ------------------------------------------------------------
    def attach_plots(self, plots: Iterable[pg.PlotItem]) -> None:
        """Show the moving cursor and loop range on these plots; clicks there seek."""
        self.cursors.attach(plots)

    def set_streams(self, stream_ids: list[int]) -> None:
        """The selected stream(s): the first is "this direction"; stops what plays."""
        if list(stream_ids) != self.selected:
            self._drop_playback()
            self.selected = list(stream_ids)
            self._start_s = None
            self.cursors.set_position(None)
            self.bar.set_time(None)

    def streams_to_play(self) -> list[int]:
        """One stream, or the selected stream and its reverse (left, right)."""
        if not self.selected:
            return []
        first = self.selected[0]
        if self.bar.channels() != BOTH:
            return [first]
        if len(self.selected) > 1:
            return self.selected[:2]
        other = reverse_stream(self.source.result, self.source.result.stream(first))
        return [first] if other is None else [first, other.id]

    # -- transport ------------------------------------------------------------------------
    def play(self) -> None:
        """Play (or resume); runs the consent step first when no grant allows listening."""
        streams = self.streams_to_play()
        if not streams:
            self.bar.set_message(self.tr("Select a stream to play."))
            return
        if self.playback is None or self._key != (tuple(streams), self.bar.device()):
            grant = self._grant(streams, "listen")
            if grant is None:
                return
            try:
                self.playback = GrantedPlayback(
                    self.session.gate, grant, self.source, streams, device=self.bar.device()
                )
            except CallScopeError as exc:
                self.bar.set_message(str(exc), True)
                return
            self._key = (tuple(streams), self.bar.device())
            self.playback.set_volume(self.bar.gain())
            self._apply_loop()
            if self._start_s is not None:
                self.playback.seek_capture_s(self._start_s)
        try:
            self.playback.play()
        except CallScopeError as exc:  # AudioUnavailable, AccessDenied, AuditWriteError
            self.bar.set_message(str(exc), True)
            if isinstance(exc, AudioUnavailable):
                self.bar.set_audio_available(False)
            return
        self.state = "playing"
        self.bar.set_playing(True)
        until = self.playback.grant.expires_at.strftime("%H:%M UTC")
        self.bar.set_message(self.tr("Playing {0} — grant until {1}").format(
            " + ".join(f"#{s}" for s in streams), until))  # fmt: skip
        self.timer.start()
        self.tick()

    def pause(self) -> None:
        """Pause, keeping the position."""
        if self.playback is not None and self.state == "playing":
            self.playback.pause()
            self.state = "paused"
        self.timer.stop()
        self.bar.set_playing(False)

    def stop(self) -> None:
        """Stop and rewind; the core logs PLAY_STOP with the range heard."""
        self.timer.stop()
        if self.playback is not None and self.state != "stopped":
            try:
                self.playback.stop()
                self.bar.set_message(self.tr("Stopped; the range heard is in the audit log."))
            except CallScopeError as exc:
                self.bar.set_message(str(exc), True)
        self.state = "stopped"
        self.bar.set_playing(False)
        self.tick()

    def seek(self, t: float) -> None:
        """Continue from capture time ``t`` (a click on a plot)."""
        self._start_s = t
        if self.playback is not None:
            self.playback.seek_capture_s(t)
        self.cursors.set_position(t)
        self.bar.set_time(t, self._end_s())

    def close(self) -> None:
        """Stop and forget the decoded audio (the tab closes)."""
        self._drop_playback()

    def tick(self) -> None:
        """Timer: move the cursor; notice the end of the audio and an expired grant."""
        pb = self.playback
        if pb is None:
            return
        if self.state == "playing" and not pb.playing:
            self.stop()  # reached the end: PLAY_STOP
            return
        if self.state == "playing":
            try:
                gate, sid = self.session.gate, pb.stream_ids[0]
                gate.authorize(pb.grant, self.source.sha256, sid, "listen")
            except CallScopeError as exc:
                self.stop()
                self.bar.set_message(str(exc), True)
                return
        t = pb.to_capture_s(pb.position)
        self.cursors.set_position(t)
        self.bar.set_time(t, self._end_s())

    def _end_s(self) -> float | None:
        pb = self.playback
        return None if pb is None else pb.to_capture_s(pb.frames)

    # -- settings -------------------------------------------------------------------------
    def _apply_volume(self, gain: float) -> None:
        if self.playback is not None:
            self.playback.set_volume(gain)

    def _toggle_loop(self, on: bool) -> None:
        span = None
        if on and self.cursors.plots:
            lo, hi = self.cursors.plots[0].getViewBox().viewRange()[0]
            span = (lo + (hi - lo) / 3, lo + 2 * (hi - lo) / 3)
        self.cursors.show_loop(on, span)
        self._apply_loop()

    def _apply_loop(self, *_: float) -> None:
        if self.playback is not None:
            span = self.cursors.loop_range() if self.bar.loop_check.isChecked() else None
            self.playback.set_loop(*(span or (None, None)))

    def _rebuild(self) -> None:
        """Device or channels changed: the next Play builds a new playback."""
        position = self.cursors.position()
        self._drop_playback()
        self._start_s = position

    def _drop_playback(self) -> None:
        self.stop()
        self.playback = None
        self._key = None

    # -- consent and export ---------------------------------------------------------------
    def _grant(self, streams: list[int], action: str) -> Grant | None:
        grant = self.session.grant_for(self.source.sha256, streams, action)
        if grant is None:
            if self._ask is not None:
                grant = self._ask(streams, {action})
            else:
                parent = self.bar if isinstance(self.bar, QWidget) else None
                grant = ask_consent(self.session, self.source, streams, {action}, parent)
        if grant is None:
            self.bar.set_message(self.tr("Not allowed: the consent step was not completed."), True)
        else:
            self.session.remember(grant)
        return grant

    def _export_clicked(self) -> None:
        self.export(None)

    def export(self, out: Path | None) -> Path | None:
        """Export the streams to play as WAV (consent step if the grant lacks export)."""
        streams = self.streams_to_play()
        if not streams:
            self.bar.set_message(self.tr("Select a stream to export."))
            return None
        grant = self._grant(streams, "export_audio")
        if grant is None:
            return None
        if out is None:
            name, _ = QFileDialog.getSaveFileName(
                self.bar, self.tr("Export audio"), f"stream-{'-'.join(map(str, streams))}.wav",
                self.tr("WAV audio (*.wav)"),
            )  # fmt: skip
            if not name:
                return None
            out = Path(name)
        try:
            written = export_wav(self.session.gate, grant, self.source, streams, out)
        except CallScopeError as exc:
            self.bar.set_message(str(exc), True)
            return None
        except OSError as exc:
            self.bar.set_message(self.tr("Cannot write {0}: {1}").format(out, exc.strerror), True)
            return None
        self.bar.set_message(self.tr("Exported to {0} (logged)").format(written))
        return written
