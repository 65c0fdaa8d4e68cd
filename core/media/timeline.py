"""Decoded audio placed on a time line by RTP timestamp, with gaps filled and marked.

Two playouts: ``jitter_buffer_ms=None`` places every packet at its RTP timestamp (what
was sent); a number simulates a fixed jitter buffer of that depth — a packet arriving
after its playout deadline is dropped, as the far end's buffer would — so the
technician hears what the far end heard. Gaps are silence, marked in ``gaps``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from callscope.core.media.decoders import PayloadDecoder

MAX_SECONDS = 4 * 3600  # refuse to build a timeline longer than this (hostile timestamps)


@dataclass
class Timeline:
    """Mono PCM of one stream: ``samples`` int16 shape (n,), at ``sample_rate`` Hz.

    ``start_s`` is the capture-relative time (s) of sample 0. ``gaps`` are (start, end)
    sample ranges filled with silence (lost or late packets); ``late_drops`` counts
    packets the simulated jitter buffer discarded.
    """

    samples: NDArray[np.int16]
    sample_rate: int
    start_s: float
    gaps: list[tuple[int, int]] = field(default_factory=list)
    late_drops: int = 0
    undecodable: int = 0

    @property
    def duration_s(self) -> float:
        """Length of the timeline in seconds."""
        return len(self.samples) / self.sample_rate if self.sample_rate else 0.0


def build_timeline(
    decoder: PayloadDecoder,
    *,
    arrival_s: NDArray[np.float64],
    seq: NDArray[np.int64],
    timestamp: NDArray[np.int64],
    payloads: Sequence[bytes],
    audio: NDArray[np.bool_],
    clock_rate: int,
    jitter_buffer_ms: float | None = None,
) -> Timeline:
    """Decode one stream's audio packets (arrays in arrival order, extended seq/ts).

    ``audio`` masks the packets that carry the codec (not telephone events, not
    comfort noise of another payload type). Duplicates are decoded once.
    """
    rate = decoder.sample_rate
    keep = np.flatnonzero(audio)
    if keep.size == 0 or clock_rate <= 0:
        return Timeline(np.zeros(0, np.int16), rate, float(arrival_s[0]) if arrival_s.size else 0.0)
    order = keep[np.argsort(seq[keep], kind="stable")]
    _, first = np.unique(seq[order], return_index=True)
    order = order[np.sort(first)]
    ts0 = int(timestamp[order].min())
    offset_s = (timestamp[order] - ts0) / clock_rate
    late_drops = 0
    if jitter_buffer_ms is not None:
        # Deadline: first packet's arrival + its media time + buffer depth (fixed buffer).
        base = float(np.min(arrival_s[order] - offset_s))
        deadline = base + offset_s + jitter_buffer_ms / 1000.0
        on_time = arrival_s[order] <= deadline
        late_drops = int(np.count_nonzero(~on_time))
        order, offset_s = order[on_time], offset_s[on_time]
    if offset_s.size and offset_s[-1] > MAX_SECONDS:
        raise ValueError("RTP timestamps span more than 4 hours")
    start_s = float(np.min(arrival_s[keep] - (timestamp[keep] - ts0) / clock_rate))
    positions = np.round(offset_s * rate).astype(np.int64)
    pieces = [decoder.decode(payloads[i]) for i in order]
    total = int(max((p + len(x) for p, x in zip(positions, pieces, strict=True)), default=0))
    samples = np.zeros(total, np.int16)
    covered = np.zeros(total, bool)
    for pos, pcm in zip(positions, pieces, strict=True):
        samples[pos : pos + len(pcm)] = pcm
        covered[pos : pos + len(pcm)] = True
    return Timeline(samples, rate, start_s, _gaps(covered), late_drops, decoder.errors)


def _gaps(covered: NDArray[np.bool_]) -> list[tuple[int, int]]:
    """(start, end) ranges where ``covered`` is False."""
    if covered.size == 0:
        return []
    edges = np.diff(np.concatenate(([1], covered.astype(np.int8), [1])))
    starts = np.flatnonzero(edges == -1)
    ends = np.flatnonzero(edges == 1)
    return [(int(a), int(b)) for a, b in zip(starts, ends, strict=True)]
