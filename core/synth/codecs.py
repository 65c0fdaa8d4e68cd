"""Codecs the synthesizer can packetize, and default payload frames for each.

Payload content only needs to be plausible: G.711 carries a G.711-encoded tone,
G.722 and AMR-WB carry seeded random bits (AMR-WB with a valid RFC 4867
bandwidth-efficient header: CMR 15, one TOC for mode 2, 12.65 kbit/s).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from callscope.core.errors import CallScopeError
from callscope.core.synth import g711
from callscope.core.synth.signal import to_pcm16, tone


@dataclass(frozen=True)
class SynthCodec:
    """RTP facts of one codec: payload type, RTP clock and bytes per ms of audio."""

    name: str  # SDP encoding name
    payload_type: int
    clock_rate: int  # RTP timestamp units per second (RFC 3551 §4.5.2 for G.722: 8000)
    bytes_per_ms: float
    fixed_ptime_ms: int | None = None  # one frame per packet: ptime must equal this
    fixed_frame_bytes: int | None = None

    def frame_bytes(self, ptime_ms: int) -> int:
        """Payload bytes of one packet carrying ``ptime_ms`` of audio."""
        if self.fixed_frame_bytes is not None:
            return self.fixed_frame_bytes
        return round(self.bytes_per_ms * ptime_ms)

    def timestamp_step(self, ptime_ms: int) -> int:
        """RTP timestamp increment between consecutive packets."""
        return self.clock_rate * ptime_ms // 1000


AMR_WB_MODE2_BYTES = 33  # ceil((4 CMR + 6 TOC + 253 speech bits) / 8)

CODECS: dict[str, SynthCodec] = {
    "pcmu": SynthCodec("PCMU", 0, 8000, 8.0),
    "pcma": SynthCodec("PCMA", 8, 8000, 8.0),
    "g722": SynthCodec("G722", 9, 8000, 8.0),
    "amr-wb": SynthCodec("AMR-WB", 104, 16000, 0.0, 20, AMR_WB_MODE2_BYTES),
}


def codec(name: str) -> SynthCodec:
    """The codec called ``name`` (case-insensitive), or a one-line error."""
    try:
        return CODECS[name.lower()]
    except KeyError:
        raise CallScopeError(
            f"unknown codec {name!r}: choose one of {', '.join(sorted(CODECS))}"
        ) from None


def default_frames(name: str, ptime_ms: int, index: int, seed: int) -> NDArray[np.uint8]:
    """One second of payloads, shape (1000 // ptime_ms, frame_bytes), cycled by the stream.

    G.711: a tone of 300 + 20·(index mod 100) Hz (whole cycles per second, so the
    loop is seamless); other codecs: random bits seeded by (seed, index).
    """
    c = codec(name)
    count = max(1, 1000 // ptime_ms)
    width = c.frame_bytes(ptime_ms)
    if c.name in ("PCMU", "PCMA"):
        pcm = to_pcm16(tone(count * ptime_ms / 1000, 300 + 20 * (index % 100)))
        return g711.encode(pcm, c.name).reshape(count, width)
    rng = np.random.default_rng([seed, 7, index])
    frames = rng.integers(0, 256, size=(count, width), dtype=np.uint8)
    if c.name == "AMR-WB":
        frames[:, 0] = 0xF1  # CMR 15 (no request), F=0, FT bits 001 0...
        frames[:, 1] = 0x40 | (frames[:, 1] & 0x3F)  # ...FT=2 ends, Q=1
        frames[:, -1] &= 0xFE  # 263 bits used: one zero padding bit at the end
    return frames
