"""The content views of one capture tab: spectrogram and player under the stream plots.

Built once the capture is analysed; they share the plots' time axis, follow the
stream selection, and reach content only through the core's gate (via their
controllers). Closing the tab stops playback (PLAY_STOP is logged).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QTimer

from callscope.core.content.access import ContentSource
from callscope.core.model import AnalysisResult
from callscope.gui.content.playback_controller import PlaybackController
from callscope.gui.content.player_bar import PlayerBar
from callscope.gui.content.spectrogram_controller import SpectrogramController
from callscope.gui.content.spectrogram_view import SpectrogramView
from callscope.gui.privacy.session import PrivacySession
from callscope.gui.views.capture_view import CaptureView


class CaptureContent(QObject):
    """Spectrogram + player attached to ``view`` for its analysed capture.

    Built in steps, one per event-loop turn (``build_steps``), so that attaching them
    right after a load never stalls the window; ``ready`` is True once all are done.
    """

    STEP_MS = 1

    def __init__(self, session: PrivacySession, view: CaptureView, result: AnalysisResult) -> None:
        super().__init__(view)
        self.session, self.view = session, view
        self.source = ContentSource(Path(view.path), result)
        self.ready = False
        self._steps = [
            self._build_spectrogram, self._build_player, self._place_views,
            self._build_controllers, self._follow_selection,
        ]

    def start(self) -> None:
        """Build the views over the next event-loop turns."""
        self._next_step()

    def build_now(self) -> None:
        """Build every remaining step at once (tests, scripts)."""
        while self._steps:
            self._steps.pop(0)()
        self.ready = True

    def _next_step(self) -> None:
        if not self._steps:
            self.ready = True
            return
        self._steps.pop(0)()
        QTimer.singleShot(self.STEP_MS, self._next_step)

    def _build_spectrogram(self) -> None:
        self.spectrogram = SpectrogramView()

    def _build_player(self) -> None:
        self.player = PlayerBar()

    def _place_views(self) -> None:
        view = self.view
        view.add_stream_content(self.spectrogram)
        view.add_stream_content(self.player)
        split = view.stream_split
        for index, stretch in enumerate((3, 2, 0)):
            split.setStretchFactor(index, stretch)
        total = max(sum(split.sizes()), 600)
        bar = self.player.sizeHint().height()
        split.setSizes([int((total - bar) * 0.68), int((total - bar) * 0.32), bar])

    def _build_controllers(self) -> None:
        plots = self.view.plot_view.plots
        first = next(iter(plots.values()), None)
        if first is not None:
            self.spectrogram.plot_item.setXLink(first)
        self.spectro_ctl = SpectrogramController(self.session, self.source, self.spectrogram,
                                                 parent=self)
        self.play_ctl = PlaybackController(self.session, self.source, self.player, parent=self)
        self.play_ctl.attach_plots([*plots.values(), self.spectrogram.plot_item])

    def _follow_selection(self) -> None:
        self.view.stream_table.streams_selected.connect(self.show_streams)
        self.show_streams(self.view.stream_table.selected_stream_ids())

    def show_streams(self, ids: list[int]) -> None:
        """Follow the stream selection: the first stream's spectrogram, all for playback."""
        self.spectro_ctl.show_stream(ids[0] if ids else None)
        self.play_ctl.set_streams(ids)

    def close(self) -> None:
        """Stop playback (logged) and background decoding before the tab goes away."""
        self.build_now()
        self.play_ctl.close()
        self.spectro_ctl.wait()
