"""AMR and AMR-WB RTP payloads (RFC 4867 §4.3–4.4) → storage frames for a decoder.

Both packings are handled: bandwidth-efficient (default; 4-bit CMR and 6-bit ToC
entries, speech bits packed back to back) and octet-aligned (``octet-align=1``).
A storage frame is one header byte ``FT << 3 | Q << 2`` followed by the speech bits
padded to a whole byte: what FFmpeg's ``amrnb``/``amrwb`` decoders take per packet.
"""

from __future__ import annotations

from dataclasses import dataclass

# Speech bits per frame type (3GPP TS 26.101 table 1a; TS 26.201 table 2).
AMR_NB_BITS = (95, 103, 118, 134, 148, 159, 204, 244, 39) + (0,) * 7
AMR_WB_BITS = (132, 177, 253, 285, 317, 365, 397, 461, 477, 40) + (0,) * 6
AMR_NB_KBPS = (4.75, 5.15, 5.90, 6.70, 7.40, 7.95, 10.2, 12.2)
AMR_WB_KBPS = (6.60, 8.85, 12.65, 14.25, 15.85, 18.25, 19.85, 23.05, 23.85)
NO_DATA = 15
MAX_FRAMES = 64  # a payload claiming more frames than this is hostile


@dataclass(frozen=True)
class AmrFrame:
    """One frame of a payload: type (0–8/9 speech or SID, 14 lost, 15 no data), quality."""

    frame_type: int
    quality: bool
    storage: bytes  # header byte + speech bytes, for the decoder
    wideband: bool

    @property
    def is_speech(self) -> bool:
        """True for a speech frame (not SID, lost or no-data)."""
        return self.frame_type <= (8 if self.wideband else 7)

    @property
    def is_sid(self) -> bool:
        """True for a comfort-noise (SID) frame."""
        return self.frame_type == (9 if self.wideband else 8)


class _Bits:
    """MSB-first bit reader over bytes."""

    def __init__(self, data: bytes) -> None:
        self.value = int.from_bytes(data, "big")
        self.total = len(data) * 8
        self.pos = 0

    def take(self, n: int) -> int:
        if self.pos + n > self.total:
            raise ValueError("payload too short")
        shift = self.total - self.pos - n
        self.pos += n
        return (self.value >> shift) & ((1 << n) - 1)


def _storage(frame_type: int, quality: bool, bits: int, speech: int) -> bytes:
    nbytes = (bits + 7) // 8
    padded = speech << (nbytes * 8 - bits) if bits else 0
    header = (frame_type << 3) | (int(quality) << 2)
    return bytes([header]) + padded.to_bytes(nbytes, "big")


def parse_bandwidth_efficient(payload: bytes, wideband: bool) -> list[AmrFrame]:
    """Frames of a bandwidth-efficient payload; ValueError if it does not parse."""
    table = AMR_WB_BITS if wideband else AMR_NB_BITS
    reader = _Bits(payload)
    reader.take(4)  # CMR
    toc: list[tuple[int, bool]] = []
    while True:
        follow = reader.take(1)
        frame_type = reader.take(4)
        quality = bool(reader.take(1))
        toc.append((frame_type, quality))
        if not follow:
            break
        if len(toc) >= MAX_FRAMES:
            raise ValueError("too many frames")
    frames = []
    for frame_type, quality in toc:
        bits = table[frame_type]
        speech = reader.take(bits)
        frames.append(AmrFrame(frame_type, quality, _storage(frame_type, quality, bits, speech),
                               wideband))
    if reader.total - reader.pos >= 8:
        raise ValueError("trailing bytes")
    return frames


def parse_octet_aligned(payload: bytes, wideband: bool) -> list[AmrFrame]:
    """Frames of an octet-aligned payload (no interleaving, no CRC); ValueError if bad."""
    table = AMR_WB_BITS if wideband else AMR_NB_BITS
    if len(payload) < 2:
        raise ValueError("payload too short")
    pos = 1  # CMR octet
    toc: list[tuple[int, bool]] = []
    while True:
        if pos >= len(payload) or len(toc) >= MAX_FRAMES:
            raise ValueError("bad table of contents")
        octet = payload[pos]
        pos += 1
        toc.append(((octet >> 3) & 0x0F, bool(octet & 0x04)))
        if not octet & 0x80:
            break
    frames = []
    for frame_type, quality in toc:
        nbytes = (table[frame_type] + 7) // 8
        if pos + nbytes > len(payload):
            raise ValueError("payload too short")
        header = (frame_type << 3) | (int(quality) << 2)
        storage = bytes([header]) + payload[pos : pos + nbytes]
        frames.append(AmrFrame(frame_type, quality, storage, wideband))
        pos += nbytes
    if len(payload) - pos > 0:
        raise ValueError("trailing bytes")
    return frames


def parse_amr(payload: bytes, wideband: bool, octet_aligned: bool | None) -> list[AmrFrame]:
    """Frames of one payload; ``octet_aligned=None`` detects the packing (SDP absent).

    Detection: the packing whose table of contents accounts for the payload's length
    exactly. Real equipment sometimes pads (seen: 4 extra bytes on AMR-WB); if neither
    fits exactly, bandwidth-efficient parsing that ignores trailing bytes is the fallback.
    """
    if octet_aligned is True:
        return parse_octet_aligned(payload, wideband)
    if octet_aligned is False:
        return _be_lenient(payload, wideband)
    try:
        return parse_bandwidth_efficient(payload, wideband)
    except ValueError:
        pass
    try:
        return parse_octet_aligned(payload, wideband)
    except ValueError:
        return _be_lenient(payload, wideband)


def _be_lenient(payload: bytes, wideband: bool) -> list[AmrFrame]:
    try:
        return parse_bandwidth_efficient(payload, wideband)
    except ValueError as exc:
        if "trailing" not in str(exc):
            raise
    # Accept padding: re-parse and ignore the trailing bytes.
    table = AMR_WB_BITS if wideband else AMR_NB_BITS
    reader = _Bits(payload)
    reader.take(4)
    toc: list[tuple[int, bool]] = []
    follow = 1
    while follow and len(toc) < MAX_FRAMES:
        follow = reader.take(1)
        toc.append((reader.take(4), bool(reader.take(1))))
    return [
        AmrFrame(ft, q, _storage(ft, q, table[ft], reader.take(table[ft])), wideband)
        for ft, q in toc
    ]
