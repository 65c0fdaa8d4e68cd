"""Granted playback: PLAY_START is on disk before the first sample plays; PLAY_STOP
records the range actually heard.

One or two streams (two: left/right, aligned on capture time). Positions are frames
of the aligned audio; ``to_capture_s`` converts them for the GUI's moving cursor.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from callscope.core.content.access import ContentSource, align_timelines, decode_for_listening
from callscope.core.media.player import AudioUnavailable, Player, output_devices
from callscope.core.model import Codec
from callscope.core.privacy.gate import ContentGate
from callscope.core.privacy.grant import Grant

__all__ = ["AudioUnavailable", "GrantedPlayback", "output_devices"]


class GrantedPlayback:
    """Plays granted streams; every start and stop is audited."""

    def __init__(
        self,
        gate: ContentGate,
        grant: Grant,
        source: ContentSource,
        stream_ids: Sequence[int],
        *,
        jitter_buffer_ms: float | None = 50.0,
        device: int | None = None,
        codec: Codec | None = None,
    ) -> None:
        if not 1 <= len(stream_ids) <= 2:
            raise ValueError("play one stream, or two as left/right")
        self.gate, self.grant, self.source = gate, grant, source
        self.stream_ids = list(stream_ids)
        timelines = [
            decode_for_listening(gate, grant, source, sid, jitter_buffer_ms=jitter_buffer_ms,
                                 codec=codec)
            for sid in self.stream_ids
        ]
        data, self.sample_rate = align_timelines(timelines)
        self.start_s = min(t.start_s for t in timelines)
        self.gaps = [t.gaps for t in timelines]
        self.gap_kinds = [t.gap_kinds for t in timelines]  # "loss", "late", "event", "dtx"
        frames = data.astype(np.float32) / 32768.0
        self._player = Player(frames, self.sample_rate, device=device, on_stop=self._stopped)

    @property
    def frames(self) -> int:
        """Length of the audio in frames."""
        return len(self._player.frames)

    @property
    def position(self) -> int:
        """Next frame to play."""
        return self._player.position

    @property
    def playing(self) -> bool:
        """True while audio is being played."""
        return self._player.playing

    def to_capture_s(self, frame: int) -> float:
        """Capture-relative time (s) of an audio frame."""
        return self.start_s + frame / self.sample_rate

    def seek_capture_s(self, t: float) -> None:
        """Continue from capture time ``t`` (clicked on a plot)."""
        self._player.seek(round((t - self.start_s) * self.sample_rate))

    def set_volume(self, volume: float) -> None:
        """Linear gain, 0..2."""
        self._player.volume = float(np.clip(volume, 0.0, 2.0))

    def set_loop(self, start_s: float | None, end_s: float | None) -> None:
        """Loop a capture-time selection; ``None`` ends looping."""
        if start_s is None or end_s is None:
            self._player.loop = None
            return
        a = round((start_s - self.start_s) * self.sample_rate)
        b = round((end_s - self.start_s) * self.sample_rate)
        self._player.loop = (max(0, min(a, b)), min(self.frames, max(a, b)))

    def play(self) -> None:
        """Log PLAY_START for each stream (refused if the grant no longer holds), then play.

        The start is logged before the device opens (no record, no audio); if the device
        then fails, a PLAY_STOP with an empty range closes the record, and the error
        (AudioUnavailable) propagates.
        """
        start_ms = max(0, round(self.to_capture_s(self.position) * 1000))
        for sid in self.stream_ids:
            self.gate.log_access(self.grant, "PLAY_START", self.source.sha256, sid,
                                 time_range_ms=(start_ms, start_ms))
        try:
            self._player.start()
        except AudioUnavailable:
            for sid in self.stream_ids:
                self.gate.log_access(self.grant, "PLAY_STOP", self.source.sha256, sid,
                                     time_range_ms=(start_ms, start_ms))
            raise

    def pause(self) -> None:
        """Pause without rewinding."""
        self._player.pause()

    def stop(self) -> None:
        """Stop and rewind; the range heard is logged as PLAY_STOP."""
        self._player.stop()

    def _stopped(self, first: int, last: int) -> None:
        a = max(0, round(self.to_capture_s(first) * 1000))
        b = max(a, round(self.to_capture_s(last) * 1000))
        for sid in self.stream_ids:
            self.gate.log_access(self.grant, "PLAY_STOP", self.source.sha256, sid,
                                 time_range_ms=(a, b))
