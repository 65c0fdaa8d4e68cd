"""One FFmpeg decoder (through PyAV) fed RTP payloads in memory, output as int16 mono.

Float output is converted the way FFmpeg's own resampler converts ``flt`` to ``s16``
(``x * 32768``, rounded half to even, clipped), so a decoding here equals the FFmpeg
CLI's ``-f s16le`` output of the same frames. Nothing is written to disk.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np
from numpy.typing import NDArray

from callscope.core.errors import CallScopeError

EMPTY: NDArray[np.int16] = np.zeros(0, np.int16)


def to_int16_mono(samples: NDArray[Any], planar: bool, channels: int) -> NDArray[np.int16]:
    """(channels, n) planar or (1, n*channels) packed samples → int16 shape (n,).

    Several channels are averaged; float samples are scaled by 32768 and clipped.
    """
    arr = np.asarray(samples)
    if arr.dtype.kind == "f":
        arr = np.clip(np.rint(arr.astype(np.float64) * 32768.0), -32768, 32767)
    if channels > 1:
        frames = arr.reshape(channels, -1) if planar else arr.reshape(-1, channels).T
        arr = np.rint(frames.astype(np.float64).mean(axis=0))
    return arr.reshape(-1).astype(np.int16)


class AvCodec:
    """A PyAV decoder context; ``options`` are FFmpeg codec options (strings).

    ``name`` may list several FFmpeg decoders, best first: the first one this FFmpeg
    build has is used.
    """

    def __init__(
        self,
        name: str | tuple[str, ...],
        sample_rate: int,
        *,
        channels: int = 1,
        bit_rate: int = 0,
        options: dict[str, str] | None = None,
    ) -> None:
        try:
            import av  # imported here: PyAV is only needed once content is granted
        except ImportError as exc:  # a broken install must not show a traceback
            raise CallScopeError(
                f"audio decoding unavailable: the FFmpeg decoders (PyAV) cannot load ({exc})"
            ) from None
        self._av = av
        self.ctx: Any = _create(av, (name,) if isinstance(name, str) else name)
        self.ctx.sample_rate = sample_rate
        self.ctx.layout = "stereo" if channels == 2 else "mono"
        if bit_rate:
            self.ctx.bit_rate = bit_rate
        if options:
            self.ctx.options = options

    def decode(self, data: bytes) -> NDArray[np.int16]:
        """int16 mono samples of one packet; ValueError when FFmpeg rejects it."""
        chunks: list[NDArray[np.int16]] = []
        try:
            for frame in self.ctx.decode(self._av.Packet(data)):
                planar, channels = bool(frame.format.is_planar), frame.layout.nb_channels
                chunks.append(to_int16_mono(frame.to_ndarray(), planar, channels))
        except self._av.error.FFmpegError as exc:
            raise ValueError(str(exc)) from exc
        return np.concatenate(chunks) if chunks else EMPTY


def _create(av: Any, names: tuple[str, ...]) -> Any:
    """The first decoder context of ``names`` this FFmpeg build can create."""
    error = ""
    for name in names:
        try:
            return cast(Any, av.CodecContext.create(name, "r"))
        except (av.error.FFmpegError, ValueError) as exc:  # ValueError: unknown codec name
            error = str(exc)
    raise CallScopeError(f"no {' or '.join(names)} decoder in this FFmpeg build ({error})")
