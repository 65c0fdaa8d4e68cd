"""Decoded audio placed on a time line by RTP timestamp, with gaps filled and marked.

Two playouts: ``jitter_buffer_ms=None`` places every packet at its RTP timestamp (what
was sent); a number simulates a fixed jitter buffer of that depth — a packet arriving
after its playout deadline is dropped, as the far end's buffer would — so the
technician hears what the far end heard.

Every stretch without received speech is a gap with a kind: ``loss`` (sequence numbers
missing, or a payload that did not decode), ``late`` (dropped by the jitter buffer),
``event`` (RFC 4733 telephone events took the audio's place) and ``dtx`` (the sender
stopped on purpose: RFC 3389 comfort noise, a codec SID frame, or silence suppression
with unbroken sequence numbers). Loss is filled with the codec's concealment where it
has one (AMR, AMR-WB, G.729), DTX with comfort noise (RFC 3389 level and spectrum, or
the codec's own SID decoding), everything else with silence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from callscope.core.errors import CallScopeError
from callscope.core.media.comfort_noise import comfort_noise
from callscope.core.media.decoders import MAX_CONCEAL_S, PayloadDecoder

MAX_SECONDS = 4 * 3600  # refuse to build a timeline longer than this (hostile timestamps)
TS_JUMP_S = 5.0  # RTP time and arrival time disagreeing by more: re-anchor on arrival
GAP_KINDS = ("loss", "late", "event", "dtx")


@dataclass
class Timeline:
    """Mono PCM of one stream: ``samples`` int16 shape (n,), at ``sample_rate`` Hz.

    ``start_s`` is the capture-relative time (s) of sample 0. ``gaps`` are (start, end)
    sample ranges without received speech, in order; ``gap_kinds[i]`` says why (one of
    GAP_KINDS). ``late_drops`` counts packets the simulated jitter buffer discarded,
    ``undecodable`` payloads the decoder rejected, ``sid_frames`` codec SID frames and
    ``cn_packets`` RFC 3389 comfort-noise packets.
    """

    samples: NDArray[np.int16]
    sample_rate: int
    start_s: float
    gaps: list[tuple[int, int]] = field(default_factory=list)
    late_drops: int = 0
    undecodable: int = 0
    gap_kinds: list[str] = field(default_factory=list)
    sid_frames: int = 0
    cn_packets: int = 0

    @property
    def duration_s(self) -> float:
        """Length of the timeline in seconds."""
        return len(self.samples) / self.sample_rate if self.sample_rate else 0.0

    def gaps_of(self, *kinds: str) -> list[tuple[int, int]]:
        """The gaps of the given kinds, e.g. ``gaps_of("loss", "late")``."""
        return [g for g, k in zip(self.gaps, self.gap_kinds, strict=True) if k in kinds]


def media_offsets(
    timestamp: NDArray[np.int64], arrival_s: NDArray[np.float64], clock_rate: int
) -> NDArray[np.float64]:
    """Seconds of each packet (in sequence order) after the first, from RTP timestamps.

    A timestamp step that disagrees with the arrival step by more than TS_JUMP_S (a
    sender reset, a hold, a hostile value) is replaced by the arrival step.
    """
    steps = np.diff(timestamp).astype(np.float64) / clock_rate
    arrival_steps = np.diff(arrival_s)
    jump = np.abs(steps - arrival_steps) > TS_JUMP_S
    steps = np.where(jump, np.maximum(arrival_steps, 0.0), steps)
    return np.concatenate([[0.0], np.cumsum(steps)])


def _count_between(sorted_seqs: NDArray[np.int64], a: int, b: int) -> int:
    """How many of ``sorted_seqs`` lie strictly between a and b."""
    return int(np.searchsorted(sorted_seqs, b) - np.searchsorted(sorted_seqs, a, "right"))


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
    comfort_noise_pt: NDArray[np.bool_] | None = None,
    events: NDArray[np.bool_] | None = None,
) -> Timeline:
    """Decode one stream (arrays in arrival order, extended seq/ts, all payload types).

    ``audio`` masks the packets that carry the codec; ``comfort_noise_pt`` RFC 3389
    packets; ``events`` RFC 4733 telephone events (never decoded as audio). Packets
    of other payload types only keep their sequence numbers from counting as lost.
    Duplicates are decoded once (first arrival).
    """
    rate = decoder.sample_rate
    n = len(seq)
    audio = np.asarray(audio, bool)
    cn = np.zeros(n, bool) if comfort_noise_pt is None else np.asarray(comfort_noise_pt, bool)
    ev = np.zeros(n, bool) if events is None else np.asarray(events, bool)
    by_seq = np.argsort(seq, kind="stable")
    _, first = np.unique(seq[by_seq], return_index=True)
    unique = by_seq[first]  # one packet per sequence number, in sequence order
    play = unique[(audio | cn)[unique]]
    if play.size == 0 or clock_rate <= 0:
        return Timeline(np.zeros(0, np.int16), rate, float(arrival_s[0]) if n else 0.0)
    offsets = media_offsets(timestamp[play], arrival_s[play], clock_rate)
    offsets -= offsets.min()  # a timestamp stepping back: the earliest is sample 0
    start_s = float(np.min(arrival_s[play] - offsets))
    late = np.zeros(play.size, bool)
    if jitter_buffer_ms is not None:
        # Deadline: the earliest packet's arrival + media time + buffer depth (fixed buffer).
        late = arrival_s[play] > start_s + offsets + jitter_buffer_ms / 1000.0
    if offsets[-1] > MAX_SECONDS:
        raise CallScopeError("this stream's RTP timestamps span more than 4 hours")
    # ``play`` and ``unique`` are in sequence order, so these are sorted.
    context = _Context(received=seq[unique], late=seq[play[late]], events=seq[unique[ev[unique]]])
    keep = play[~late]
    positions = np.rint(offsets[~late] * rate).astype(np.int64)
    pieces, spans = _walk(decoder, keep, positions, seq, payloads, cn, context)
    samples = _assemble(pieces, spans)
    gaps, kinds = _merge(spans)
    return Timeline(
        samples, rate, start_s, gaps, int(np.count_nonzero(late)), decoder.errors, kinds,
        decoder.frames_sid, int(np.count_nonzero(cn[keep])),
    )


@dataclass
class _Context:
    received: NDArray[np.int64]  # sorted sequence numbers of every received packet
    late: NDArray[np.int64]
    events: NDArray[np.int64]

    def kind(self, a: int, b: int, after_bad: bool) -> str:
        """Why nothing played between packets with sequence numbers a < b."""
        if after_bad or _count_between(self.received, a, b) < b - a - 1:
            return "loss"
        if _count_between(self.late, a, b):
            return "late"
        if _count_between(self.events, a, b):
            return "event"
        return "dtx"


Piece = tuple[int, NDArray[np.int16]]
Span = tuple[int, int, str]


def _walk(
    decoder: PayloadDecoder, keep: NDArray[np.intp], positions: NDArray[np.int64],
    seq: NDArray[np.int64], payloads: Sequence[bytes], cn: NDArray[np.bool_], ctx: _Context,
) -> tuple[list[Piece], list[Span]]:
    """Decode in sequence order, filling each gap before the packet that ends it."""
    pieces: list[Piece] = []
    spans: list[Span] = []
    cursor, prev_seq, bad, cn_payload = 0, -1, False, b""
    for i, pos in zip(keep.tolist(), positions.tolist(), strict=True):
        if prev_seq >= 0 and pos > cursor:
            kind = ctx.kind(prev_seq, int(seq[i]), bad)
            gap = pos - cursor
            if kind in ("loss", "late"):
                pieces.append((cursor, decoder.conceal(gap, True)))
            elif kind == "dtx" and cn_payload:
                pieces.append((cursor, _noise(cn_payload, gap, decoder.sample_rate, cursor)))
            elif kind == "dtx":
                pieces.append((cursor, decoder.conceal(gap, False)))
            spans.append((cursor, pos, kind))
        prev_seq = int(seq[i])
        if cn[i]:
            cn_payload, bad = payloads[i], False
            cursor = max(cursor, pos)
            continue
        cn_payload = b""
        errors = decoder.errors
        pcm = decoder.decode(payloads[i])
        bad = decoder.errors > errors
        if pcm.size and not decoder.last_speech:
            spans.append((pos, pos + pcm.size, "dtx"))
        pieces.append((pos, pcm))
        cursor = max(cursor, pos + pcm.size)
    return pieces, spans


def _noise(payload: bytes, n: int, rate: int, seed: int) -> NDArray[np.int16]:
    """RFC 3389 noise for a gap: at most MAX_CONCEAL_S generated, repeated beyond."""
    block = comfort_noise(payload, min(n, int(MAX_CONCEAL_S * rate)), seed=seed)
    return np.resize(block, n) if block.size else block


def _assemble(pieces: list[Piece], spans: list[Span]) -> NDArray[np.int16]:
    total = max([p + len(x) for p, x in pieces] + [b for _, b, _ in spans], default=0)
    samples = np.zeros(total, np.int16)
    for pos, pcm in pieces:
        samples[pos : pos + len(pcm)] = pcm
    return samples


def _merge(spans: list[Span]) -> tuple[list[tuple[int, int]], list[str]]:
    """Sorted, non-overlapping gaps; touching spans of one kind become one gap."""
    gaps: list[tuple[int, int]] = []
    kinds: list[str] = []
    for a, b, kind in sorted(spans):
        if gaps and a <= gaps[-1][1]:
            if kinds[-1] == kind:
                gaps[-1] = (gaps[-1][0], max(b, gaps[-1][1]))
                continue
            a = gaps[-1][1]
            if a >= b:
                continue
        gaps.append((a, b))
        kinds.append(kind)
    return gaps, kinds
