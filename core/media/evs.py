"""EVS RTP payloads (3GPP TS 26.445 Annex A): frame types and bit rates, no audio.

No open EVS decoder exists, so CallScope reports what each packet carries. Compact
format: the payload size alone gives the mode (Annex A.2.1, table A.1); header-full
format: an optional CMR byte then one ToC byte per frame (A.2.2).
"""

from __future__ import annotations

from dataclasses import dataclass

# Compact format: payload bytes → (mode, kbit/s); AMR-WB IO sizes include a 3-bit CMR.
COMPACT_SIZES: dict[int, tuple[str, float]] = {
    6: ("SID", 2.4), 7: ("Primary", 2.8), 18: ("Primary", 7.2), 20: ("Primary", 8.0),
    24: ("Primary", 9.6), 33: ("Primary", 13.2), 41: ("Primary", 16.4), 61: ("Primary", 24.4),
    80: ("Primary", 32.0), 120: ("Primary", 48.0), 160: ("Primary", 64.0),
    240: ("Primary", 96.0), 320: ("Primary", 128.0),
    17: ("AMR-WB IO", 6.6), 23: ("AMR-WB IO", 8.85), 32: ("AMR-WB IO", 12.65),
    36: ("AMR-WB IO", 14.25), 40: ("AMR-WB IO", 15.85), 46: ("AMR-WB IO", 18.25),
    50: ("AMR-WB IO", 19.85), 58: ("AMR-WB IO", 23.05), 60: ("AMR-WB IO", 23.85),
}
PRIMARY_KBPS = (2.8, 7.2, 8.0, 9.6, 13.2, 16.4, 24.4, 32.0, 48.0, 64.0, 96.0, 128.0, 2.4)
IO_KBPS = (6.6, 8.85, 12.65, 14.25, 15.85, 18.25, 19.85, 23.05, 23.85, 1.75)


@dataclass(frozen=True)
class EvsFrame:
    """One EVS frame: ``mode`` "Primary", "AMR-WB IO", "SID", "NO_DATA" or "LOST"."""

    mode: str
    kbps: float


def evs_frames(payload: bytes, *, header_full: bool | None = None) -> list[EvsFrame]:
    """Frames in one EVS payload; ``header_full=None`` picks compact when the size fits."""
    if header_full is not True and len(payload) in COMPACT_SIZES:
        mode, kbps = COMPACT_SIZES[len(payload)]
        return [EvsFrame(mode, kbps)]
    frames: list[EvsFrame] = []
    pos = 0
    if payload and payload[0] & 0x80:  # H=1: CMR byte
        pos = 1
    while pos < len(payload) and len(frames) < 64:
        toc = payload[pos]
        pos += 1
        io_mode = bool(toc & 0x20)
        ft = toc & 0x0F
        if io_mode:
            frames.append(
                EvsFrame("AMR-WB IO" if ft < 9 else ("SID" if ft == 9 else "NO_DATA"),
                         IO_KBPS[ft] if ft < len(IO_KBPS) else 0.0)
            )
        elif ft == 14:
            frames.append(EvsFrame("LOST", 0.0))
        elif ft == 15:
            frames.append(EvsFrame("NO_DATA", 0.0))
        else:
            kbps = PRIMARY_KBPS[ft] if ft < len(PRIMARY_KBPS) else 0.0
            frames.append(EvsFrame("SID" if ft == 12 else "Primary", kbps))
        if not toc & 0x40:  # F=0: last ToC entry
            break
    return frames
