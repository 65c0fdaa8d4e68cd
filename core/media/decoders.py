"""Per-codec payload decoders: RTP payload bytes → int16 PCM, never touching disk.

G.711 and L16 are decoded in numpy; the others through FFmpeg's decoders via PyAV (in
memory). AMR and AMR-WB use the 3GPP reference decoders (opencore, bundled with PyAV):
unlike FFmpeg's native ones they decode SID frames into comfort noise and conceal lost
frames as TS 26.091/26.191 specify. Every decoder is bounded: oversized payloads and
decoder errors become an unusable packet (counted), never an exception.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from callscope.core.errors import CallScopeError
from callscope.core.media.amr import NO_DATA, parse_amr
from callscope.core.media.av_codec import EMPTY, AvCodec
from callscope.core.media.g711 import decode_alaw, decode_ulaw
from callscope.core.media.l16 import decode_l16
from callscope.core.model import Codec

MAX_PAYLOAD = 16384  # bytes; larger RTP audio payloads are hostile or not audio
MAX_CONCEAL_S = 10.0  # concealment or comfort noise per gap; silence beyond (bounded work)
SPEECH_LOST = 14  # AMR/AMR-WB frame type "speech lost" (TS 26.101 table 1a, TS 26.201)


class UnsupportedCodec(CallScopeError):
    """The stream's codec cannot be turned into audio here (EVS, video, unknown...)."""


Conceal = Callable[[int, bool], NDArray[np.int16]]


@dataclass
class PayloadDecoder:
    """Decodes one stream's payloads, in order, keeping codec state between packets.

    ``sample_rate`` is the audio rate of the output (G.722: 16000 although its RTP
    clock is 8000). ``decode`` returns int16 samples of shape (n,) (mono mix-down).
    ``last_speech`` is False after a payload that carried only comfort noise (SID)
    or no-data frames. ``conceal(n, lost)`` asks the codec for up to ``n`` samples of
    loss concealment (``lost``) or comfort-noise continuation (DTX); codecs without
    either return an empty array and the gap stays silent.
    """

    codec: str
    sample_rate: int
    _decode: Callable[[bytes], NDArray[np.int16]]
    _conceal: Conceal | None = None
    frames_sid: int = 0
    errors: int = 0
    last_speech: bool = True
    notes: list[str] = field(default_factory=list)

    def decode(self, payload: bytes) -> NDArray[np.int16]:
        """PCM for one payload; an empty array when it is unusable (counted in ``errors``)."""
        self.last_speech = bool(payload)  # an empty payload (keep-alive) carries no audio
        if not payload:
            return EMPTY  # and must never reach FFmpeg: an empty packet means "drain"
        if len(payload) > MAX_PAYLOAD:
            self.errors += 1
            return EMPTY
        try:
            return self._decode(payload)
        except (ValueError, IndexError):
            self.errors += 1
            return EMPTY

    def conceal(self, n_samples: int, lost: bool) -> NDArray[np.int16]:
        """Up to ``n_samples`` (capped at MAX_CONCEAL_S) of the codec's own gap filling."""
        n = min(n_samples, int(MAX_CONCEAL_S * self.sample_rate))
        if self._conceal is None or n <= 0:
            return EMPTY
        try:
            return self._conceal(n, lost)[:n]
        except (ValueError, IndexError):
            return EMPTY


def _frames_of(decode: Callable[[bytes], NDArray[np.int16]], frame: bytes, frame_samples: int
               ) -> Conceal:
    """Concealment by feeding ``frame`` (an erasure/no-data frame) once per frame slot."""

    def conceal(n: int, _lost: bool) -> NDArray[np.int16]:
        count = -(-n // frame_samples)
        return np.concatenate([decode(frame) for _ in range(count)])

    return conceal


def _amr_decoder(codec: Codec, wideband: bool) -> PayloadDecoder:
    """AMR/AMR-WB through opencore, one storage frame (20 ms) at a time.

    Lost frames: AMR-WB takes FT 14 "speech lost"; opencore's AMR-NB ignores FT 14
    (it writes no output, and FFmpeg would hand back a stale buffer), so a lost NB
    frame is FT 15 "no data", which the TS 26.093 receive handler conceals outside
    DTX. DTX periods are FT 15 in both (comfort noise continues from the last SID).
    Reserved frame types from the payload are fed as FT 15 for the same reason.
    """
    fmtp = codec.fmtp.replace(" ", "").lower()
    octet = True if "octet-align=1" in fmtp else (False if codec.fmtp else None)
    rate = 16000 if wideband else 8000
    av = AvCodec("libopencore_amrwb" if wideband else "libopencore_amrnb", rate)
    decoder = PayloadDecoder(codec.name, rate, lambda _: EMPTY)
    no_data = bytes([(NO_DATA << 3) | 0x04])
    lost = bytes([(SPEECH_LOST << 3) | 0x04]) if wideband else no_data

    def decode(payload: bytes) -> NDArray[np.int16]:
        frames = parse_amr(payload, wideband, octet)
        decoder.frames_sid += sum(f.is_sid for f in frames)
        decoder.last_speech = any(f.is_speech for f in frames)
        usable = [f.storage if f.is_speech or f.is_sid else no_data for f in frames]
        if wideband:  # AMR-WB decodes FT 14 itself
            usable = [lost if f.frame_type == SPEECH_LOST else u for f, u in zip(frames, usable,
                                                                              strict=True)]
        pcm = [av.decode(frame) for frame in usable]
        return np.concatenate(pcm) if pcm else EMPTY

    def conceal(n: int, is_lost: bool) -> NDArray[np.int16]:
        return _frames_of(av.decode, lost if is_lost else no_data, rate // 50)(n, is_lost)

    decoder._decode, decoder._conceal = decode, conceal
    return decoder


def _g729_decoder(codec: Codec) -> PayloadDecoder:
    """G.729/A 10-byte frames; a trailing 2-byte Annex B SID is counted, not decoded.

    FFmpeg has no Annex B comfort-noise generator: SID periods stay silent. An all-zero
    frame is FFmpeg's frame-erasure signal, so lost frames get G.729's concealment.
    """
    av = AvCodec("g729", 8000)
    decoder = PayloadDecoder(codec.name, 8000, lambda _: EMPTY)

    def decode(payload: bytes) -> NDArray[np.int16]:
        speech, rest = divmod(len(payload), 10)
        if rest not in (0, 2) or not payload:
            raise ValueError("not a whole number of G.729 frames")
        if rest == 2:
            decoder.frames_sid += 1
            decoder.last_speech = speech > 0
        return av.decode(payload[: speech * 10]) if speech else EMPTY

    def conceal(n: int, lost: bool) -> NDArray[np.int16]:
        return _frames_of(av.decode, bytes(10), 80)(n, lost) if lost else EMPTY

    decoder._decode, decoder._conceal = decode, conceal
    return decoder


# codec name (lower case) → (FFmpeg decoders, best first; output rate or 0 for the RTP
# clock; options). Opus: the reference libopus first, because FFmpeg's native decoder
# reads uninitialised memory on some streams (valgrind, PyAV 18.1), so its output varied
# by a few LSB from one run to the next.
_AV_CODECS: dict[str, tuple[str | tuple[str, ...], int, dict[str, str]]] = {
    "g722": ("g722", 16000, {}),
    "gsm": ("gsm", 8000, {}),
    "g723": ("g723_1", 8000, {}),
    "opus": (("libopus", "opus"), 48000, {}),
    "speex": ("speex", 0, {}),
    **{f"g726-{k}": ("g726le", 8000, {"bits_per_coded_sample": str(k // 8)})
       for k in (16, 24, 32, 40)},
    **{f"aal2-g726-{k}": ("g726", 8000, {"bits_per_coded_sample": str(k // 8)})
       for k in (16, 24, 32, 40)},
}

# RTP clock of each decodable codec when neither SDP nor the user gives one (RFC 3551,
# RFC 4867, RFC 7587, RFC 3952, RFC 5574).
CLOCK_BY_NAME: dict[str, int] = {
    "pcmu": 8000, "pcma": 8000, "g722": 8000, "g729": 8000, "gsm": 8000, "g723": 8000,
    "ilbc": 8000, "amr": 8000, "amr-wb": 16000, "opus": 48000, "speex": 8000, "evs": 16000,
    **{name: 8000 for name in _AV_CODECS if "g726" in name},
}


def _ilbc_decoder(codec: Codec) -> PayloadDecoder:
    """iLBC 20 ms (38-byte) or 30 ms (50-byte) frames; ``mode=`` in fmtp, else the size."""
    modes: dict[int, AvCodec] = {}

    def decode(payload: bytes) -> NDArray[np.int16]:
        size = 50 if len(payload) % 50 == 0 else 38
        if "mode=20" in codec.fmtp.replace(" ", ""):
            size = 38
        if not payload or len(payload) % size:
            raise ValueError("not a whole number of iLBC frames")
        if size not in modes:  # FFmpeg picks the mode from the bit rate
            modes[size] = AvCodec("ilbc", 8000, bit_rate=15200 if size == 38 else 13333)
        return modes[size].decode(payload)

    return PayloadDecoder(codec.name, 8000, decode)


def decoder_for(codec: Codec) -> PayloadDecoder:
    """A fresh decoder for ``codec``; UnsupportedCodec with a plain reason otherwise."""
    name = codec.name.lower()
    if name == "pcmu":
        return PayloadDecoder("PCMU", 8000, decode_ulaw)
    if name == "pcma":
        return PayloadDecoder("PCMA", 8000, decode_alaw)
    if name == "l16":
        if codec.clock_rate <= 0:
            raise UnsupportedCodec("L16 needs its sample rate (say e.g. L16/16000)")
        channels = max(codec.channels, 1)

        def l16(payload: bytes) -> NDArray[np.int16]:
            frames = decode_l16(payload, channels).astype(np.float64)
            mono: NDArray[np.int16] = np.rint(frames.mean(axis=1)).astype(np.int16)
            return mono

        return PayloadDecoder("L16", codec.clock_rate, l16)
    if name in ("amr", "amr-wb"):
        return _amr_decoder(codec, wideband=name == "amr-wb")
    if name in ("g729", "g729a"):
        return _g729_decoder(codec)
    if name == "ilbc":
        return _ilbc_decoder(codec)
    if name == "evs":
        raise UnsupportedCodec(
            "EVS audio is not available: no open EVS decoder exists "
            "(frame types and bit rates are still reported)"
        )
    if name in _AV_CODECS:
        av_name, rate, options = _AV_CODECS[name]
        rate = rate or codec.clock_rate or CLOCK_BY_NAME[name]
        av = AvCodec(av_name, rate, options=options)  # mono: Opus downmixes in the decoder
        return PayloadDecoder(codec.name, rate, av.decode)
    if name in ("unknown", ""):
        raise UnsupportedCodec(
            "the codec of this stream is unknown (no SDP): choose one with 'Decode as'"
        )
    raise UnsupportedCodec(f"no audio decoder for payload format {codec.name!r}")
