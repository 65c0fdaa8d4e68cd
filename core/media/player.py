"""Audio output through sounddevice (PortAudio): play, pause, seek, volume, loop.

Playback runs in PortAudio's callback thread; this object only hands it frames from
memory. No audio device, or PortAudio missing, raises :class:`AudioUnavailable` with a
plain message; everything else in CallScope keeps working.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from callscope.core.errors import CallScopeError


class AudioUnavailable(CallScopeError):
    """No way to play sound here (PortAudio missing, no output device, device busy)."""


def _sounddevice() -> Any:
    try:
        import sounddevice
    except OSError as exc:  # the wheel does not bundle PortAudio on Linux
        raise AudioUnavailable(
            "audio output unavailable: the PortAudio library is not installed "
            "(Debian/Ubuntu: apt-get install libportaudio2)"
        ) from exc
    return sounddevice


def output_devices() -> list[tuple[int, str]]:
    """(index, name) of every output device; empty when there is none."""
    sd = _sounddevice()
    try:
        devices = sd.query_devices()
    except Exception as exc:  # PortAudio errors are not a fixed type across versions
        raise AudioUnavailable(f"audio output unavailable: {exc}") from exc
    return [(i, str(d["name"])) for i, d in enumerate(devices) if d["max_output_channels"] > 0]


class Player:
    """Plays ``frames`` (shape (n, channels), float32 in [-1, 1]) at ``sample_rate``.

    ``position`` is the next frame to play. ``loop`` (start, end) repeats a selection.
    ``on_stop(first, last)`` receives the range of frames actually played.
    """

    def __init__(
        self,
        frames: NDArray[np.float32],
        sample_rate: int,
        *,
        device: int | None = None,
        on_stop: Callable[[int, int], None] | None = None,
    ) -> None:
        self.frames = frames if frames.ndim == 2 else frames[:, None]
        self.sample_rate = sample_rate
        self.device = device
        self.volume = 1.0
        self.loop: tuple[int, int] | None = None
        self.position = 0
        self._first_played: int | None = None
        self._last_played = 0
        self._on_stop = on_stop
        self._stream: Any = None
        self._lock = threading.Lock()

    @property
    def playing(self) -> bool:
        """True while the output stream runs."""
        return self._stream is not None and bool(self._stream.active)

    def seek(self, frame: int) -> None:
        """Continue from ``frame`` (clamped to the audio)."""
        with self._lock:
            self.position = int(np.clip(frame, 0, len(self.frames)))

    def start(self) -> None:
        """Open the device and start (or resume) playing from ``position``."""
        if self.playing:
            return
        sd = _sounddevice()
        try:
            self._stream = sd.OutputStream(
                samplerate=self.sample_rate, channels=self.frames.shape[1], dtype="float32",
                device=self.device, callback=self._callback, finished_callback=self._finished,
            )
            self._stream.start()
        except Exception as exc:
            self._stream = None
            raise AudioUnavailable(f"cannot open the audio output: {exc}") from exc

    def pause(self) -> None:
        """Stop the device but keep the position (``start`` resumes)."""
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.stop()
            stream.close()

    def stop(self) -> tuple[int, int] | None:
        """Stop, rewind, and return the (first, last) frame range played, if any."""
        self.pause()
        played = None
        if self._first_played is not None:
            played = (self._first_played, self._last_played)
            if self._on_stop is not None:
                self._on_stop(*played)
        self._first_played = None
        self.position = 0
        return played

    def _callback(self, out: NDArray[np.float32], count: int, _time: Any, _status: Any) -> None:
        with self._lock:
            start = self.position
            end = min(start + count, len(self.frames))
            if self.loop is not None and start >= self.loop[1]:
                start, end = self.loop[0], min(self.loop[0] + count, self.loop[1])
            chunk = self.frames[start:end] * self.volume
            out[: len(chunk)] = chunk
            out[len(chunk) :] = 0
            if self._first_played is None:
                self._first_played = start
            self._last_played = end
            self.position = end
        if end >= len(self.frames) and self.loop is None:
            raise _sounddevice().CallbackStop

    def _finished(self) -> None:
        """Called by PortAudio when the stream ends on its own."""
