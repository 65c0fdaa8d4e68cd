"""Per-codec payload decoders: RTP payload bytes → int16 PCM, never touching disk.

G.711 and L16 are decoded in numpy; the others through FFmpeg's native decoders via
PyAV (in memory). Every decoder is bounded: oversized payloads and decoder errors
become a lost frame, never an exception or an unbounded allocation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
from numpy.typing import NDArray

from callscope.core.errors import CallScopeError
from callscope.core.media.amr import parse_amr
from callscope.core.media.g711 import decode_alaw, decode_ulaw
from callscope.core.media.l16 import decode_l16
from callscope.core.model import Codec

MAX_PAYLOAD = 16384  # bytes; larger RTP audio payloads are hostile or not audio


class UnsupportedCodec(CallScopeError):
    """The stream's codec cannot be turned into audio here (EVS, video, unknown...)."""


@dataclass
class PayloadDecoder:
    """Decodes one stream's payloads, in order, keeping codec state between packets.

    ``sample_rate`` is the audio rate of the output (G.722: 16000 although its RTP
    clock is 8000). ``decode`` returns int16 samples of shape (n,) (mono mix-down).
    """

    codec: str
    sample_rate: int
    _decode: Callable[[bytes], NDArray[np.int16]]
    frames_sid: int = 0
    errors: int = 0
    notes: list[str] = field(default_factory=list)

    def decode(self, payload: bytes) -> NDArray[np.int16]:
        """PCM for one payload; an empty array when it is unusable (counted in ``errors``)."""
        if len(payload) > MAX_PAYLOAD:
            self.errors += 1
            return np.zeros(0, np.int16)
        try:
            return self._decode(payload)
        except (ValueError, IndexError):
            self.errors += 1
            return np.zeros(0, np.int16)


def _mono(samples: NDArray[Any]) -> NDArray[np.int16]:
    """Mix (frames, channels) or planar (channels, frames) arrays down to int16 mono."""
    arr = np.asarray(samples)
    if arr.ndim == 2:
        arr = arr.mean(axis=0 if arr.shape[0] < arr.shape[1] else 1)
    if arr.dtype.kind == "f":
        arr = np.clip(np.round(arr * 32767.0), -32768, 32767)
    return arr.astype(np.int16)


class _AvCodec:
    """A PyAV decoder context fed one packet at a time."""

    def __init__(self, name: str, sample_rate: int, channels: int = 1) -> None:
        import av  # imported here: PyAV is only needed once content is granted

        self._av = av
        self.ctx: Any = cast(Any, av.CodecContext.create(name, "r"))
        self.ctx.sample_rate = sample_rate
        self.ctx.layout = "stereo" if channels == 2 else "mono"

    def decode(self, data: bytes) -> NDArray[np.int16]:
        chunks: list[NDArray[np.int16]] = []
        try:
            for frame in self.ctx.decode(self._av.Packet(data)):
                chunks.append(_mono(frame.to_ndarray()))
        except self._av.error.FFmpegError as exc:
            raise ValueError(str(exc)) from exc
        return np.concatenate(chunks) if chunks else np.zeros(0, np.int16)


_AV_CODECS: dict[str, tuple[str, int]] = {
    # codec name (lower case) → (FFmpeg decoder, output sample rate)
    "g722": ("g722", 16000),
    "g729": ("g729", 8000),
    "ilbc": ("ilbc", 8000),
    "gsm": ("gsm", 8000),
    "g723": ("g723_1", 8000),
    "opus": ("opus", 48000),
    "speex": ("speex", 0),  # rate from the clock
}


def _amr_decoder(codec: Codec, wideband: bool) -> PayloadDecoder:
    fmtp = codec.fmtp.replace(" ", "").lower()
    octet = True if "octet-align=1" in fmtp else (False if codec.fmtp else None)
    av_codec = _AvCodec("amrwb" if wideband else "amrnb", 16000 if wideband else 8000)
    decoder = PayloadDecoder(codec.name, 16000 if wideband else 8000, lambda _: _EMPTY)

    def decode(payload: bytes) -> NDArray[np.int16]:
        pcm: list[NDArray[np.int16]] = []
        for frame in parse_amr(payload, wideband, octet):
            if frame.is_speech:
                pcm.append(av_codec.decode(frame.storage))
            elif frame.is_sid:
                decoder.frames_sid += 1
        return np.concatenate(pcm) if pcm else _EMPTY

    decoder._decode = decode
    return decoder


_EMPTY = np.zeros(0, np.int16)


def decoder_for(codec: Codec) -> PayloadDecoder:
    """A fresh decoder for ``codec``; UnsupportedCodec with a plain reason otherwise."""
    name = codec.name.lower()
    if name == "pcmu":
        return PayloadDecoder("PCMU", 8000, decode_ulaw)
    if name == "pcma":
        return PayloadDecoder("PCMA", 8000, decode_alaw)
    if name == "l16":
        channels = codec.channels
        return PayloadDecoder("L16", codec.clock_rate, lambda p: _mono(decode_l16(p, channels).T))
    if name in ("amr", "amr-wb"):
        return _amr_decoder(codec, wideband=name == "amr-wb")
    if name == "evs":
        raise UnsupportedCodec(
            "EVS audio is not available: no open EVS decoder exists "
            "(frame types and bit rates are still reported)"
        )
    if name in _AV_CODECS:
        av_name, rate = _AV_CODECS[name]
        rate = rate or codec.clock_rate
        av_codec = _AvCodec(av_name, rate, codec.channels if name == "opus" else 1)
        return PayloadDecoder(codec.name, rate, av_codec.decode)
    raise UnsupportedCodec(f"no audio decoder for payload format {codec.name!r}")
