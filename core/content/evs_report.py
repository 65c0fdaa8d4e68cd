"""EVS frame types and bit rates per packet (3GPP TS 26.445 Annex A), without a grant.

No open EVS decoder exists, so this is all CallScope says about an EVS stream. It
needs no grant: it reads only each payload's length (compact format: the length alone
is the mode, Annex A.2.1) and the CMR/ToC bytes of header-full payloads (A.2.2), which
are codec signalling, not speech. That is the same kind of fact as the packet lengths
and timing the analysis already shows to anyone; no speech bit is read or decoded.
The stream is read as EVS whatever its signalled codec (the caller asks for it).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from callscope.core.content.access import ContentSource
from callscope.core.media.evs import COMPACT_SIZES, evs_frames


@dataclass(frozen=True)
class EvsReport:
    """Per packet (shape (packets,), arrival order): what the EVS payload carries.

    ``mode`` is the first frame's "Primary", "AMR-WB IO", "SID", "NO_DATA", "LOST" or
    "" (unparsable/empty); ``kbps`` its bit rate; ``frames`` the frames in the packet.
    ``summary`` counts every frame by "mode kbit/s", e.g. {"Primary 24.4": 950}.
    """

    stream_id: int
    time_s: NDArray[np.float64]
    seq: NDArray[np.int64]
    payload_bytes: NDArray[np.int32]
    header_full: NDArray[np.bool_]
    mode: NDArray[np.str_]
    kbps: NDArray[np.float64]
    frames: NDArray[np.int32]
    summary: dict[str, int]


def evs_report(source: ContentSource, stream_id: int) -> EvsReport:
    """Frame types and bit rates of each packet of ``stream_id``, read as EVS."""
    stream = source.result.stream(stream_id)
    packets = source._packets(stream)
    hf_only = any(
        "hf-only=1" in c.fmtp.replace(" ", "") for c in packets.codecs.values()
        if c.name.upper() == "EVS"
    )
    n = len(packets.payloads)
    modes, kbps = [""] * n, np.zeros(n)
    counts, header_full = np.zeros(n, np.int32), np.zeros(n, bool)
    summary: Counter[str] = Counter()
    for i, payload in enumerate(packets.payloads):
        frames = evs_frames(payload, header_full=True if hf_only else None) if payload else []
        header_full[i] = bool(payload) and (hf_only or len(payload) not in COMPACT_SIZES)
        if frames:
            modes[i], kbps[i] = frames[0].mode, frames[0].kbps
        counts[i] = len(frames)
        summary.update(f"{f.mode} {f.kbps:g}" for f in frames)
    return EvsReport(
        stream_id, packets.arrival_s, packets.seq,
        np.array([len(p) for p in packets.payloads], np.int32), header_full,
        np.array(modes, dtype=np.str_), kbps, counts, dict(summary),
    )
