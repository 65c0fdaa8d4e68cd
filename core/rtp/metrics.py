"""Per-stream RTP metrics matching Wireshark 4.0's ``tshark -z rtp,streams`` and RTP Stream
Analysis, vectorized over the packets of one stream.

Semantics (``ui/tap-rtp-analysis.c`` ``rtppacket_analyse``, ``ui/tap-rtp-common.c``):

- time: ms since the capture's first frame; the reference of delta and D is the last
  packet whose RTP timestamp is in order relative to the FIRST packet (``timing.in_time``).
- D and jitter only for in-time packets whose payload type has a clock (``clock_rates``;
  RFC 4733 events and clocks under 1000 Hz count as unknown); J = (15·J + D)/16, never reset.
- min/max/mean of delta and jitter use "regular" packets only: not the first, no marker,
  not CN (PT 13/19), not right after a CN packet, in time. Wireshark's means divide by the
  packet index, not by the regular-sample count (``wireshark_running_mean``); the
  ``*_true`` fields are plain means over the regular samples (NaN when there is none).
- expected = last seq - first seq + 1 + 65536·cycles (4.0 uses first/last, not min/max);
  lost = expected - packets, negative with duplicates. Problems = any sequence error or
  incorrect timestamp (a payload change alone does not set tshark's X).
- ``duplicates``/``out_of_order``/``lost_before`` are ours, on our extended sequence
  (``sequence.order_counts``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray

from callscope.core.errors import CallScopeError
from callscope.core.model import StreamSeries, StreamStats
from callscope.core.rtp import jitter, sequence, timing
from callscope.core.rtp.payload_types import COMFORT_NOISE_PTS

MIN_CLOCK_HZ = 1000  # Wireshark divides by clock // 1000; below 1000 Hz it would divide by 0


_COMFORT_NOISE = np.zeros(256, dtype=bool)
_COMFORT_NOISE[list(COMFORT_NOISE_PTS)] = True  # per payload type 0..255


def _clock_table(clock_rates: Mapping[int, int], event_pts: frozenset[int]) -> NDArray[np.int64]:
    """Clock (Hz) per payload type 0..255; 0 where unknown, for events and below 1000 Hz."""
    table = np.zeros(256, dtype=np.int64)
    for pt, rate in clock_rates.items():
        if 0 <= pt < 256 and rate >= MIN_CLOCK_HZ and pt not in event_pts:
            table[pt] = rate
    return table


def _check(arrays: dict[str, NDArray[np.generic]]) -> int:
    n = np.size(arrays["frame"])
    if any(np.shape(a) != (n,) for a in arrays.values()):
        sizes = {name: np.shape(a) for name, a in arrays.items()}
        raise CallScopeError(f"RTP stream columns must be 1-D and the same length, got {sizes}")
    if n == 0:
        raise CallScopeError("cannot analyse an RTP stream without packets")
    return n


def analyse_stream(
    *,
    frame: NDArray[np.int64],
    time_ns: NDArray[np.int64],
    seq: NDArray[np.uint16],
    timestamp: NDArray[np.uint32],
    payload_type: NDArray[np.uint8],
    marker: NDArray[np.bool_],
    length: NDArray[np.int32],
    clock_rates: Mapping[int, int],
    event_pts: frozenset[int] = frozenset(),
    capture_start_ns: int,
    series: bool = True,
) -> tuple[StreamStats, StreamSeries]:
    """Wireshark-compatible statistics and per-packet series of one RTP stream.

    Inputs are the stream's packets in arrival (capture) order, shape (n,) each, n >= 1.
    ``clock_rates`` maps payload type -> RTP clock Hz as Wireshark would resolve it (static
    table below 96, SDP rtpmap or its MIME table above); missing or 0 means unknown (delta
    only). ``event_pts`` are RFC 4733 telephone-event payload types (no clock, as Wireshark).
    With ``series=False`` the series come back empty and are not computed (reports).
    """
    n = _check(dict(frame=frame, time_ns=time_ns, seq=seq, timestamp=timestamp,
                    payload_type=payload_type, marker=marker, length=length))
    pt = np.asarray(payload_type).astype(np.int64) & 0xFF
    mark = np.asarray(marker, dtype=bool)
    frames = np.asarray(frame, dtype=np.int64)
    t_ms = timing.relative_ms(np.asarray(time_ns, dtype=np.int64), capture_start_ns)

    in_seq, offset = timing.in_time(np.asarray(timestamp))
    clock = _clock_table(clock_rates, event_pts)[pt]
    not_first = np.arange(n) > 0
    clocked = in_seq & (clock > 0) & not_first
    tr = timing.transit(t_ms, offset, in_seq, clock, clocked)

    j_rows = jitter.interarrival_jitter(tr.diff[clocked])
    j_at = np.zeros(n, dtype=np.float64)  # jitter after each clocked row, 0 elsewhere
    j_at[clocked] = j_rows

    cn = _COMFORT_NOISE[pt]
    after_cn = np.concatenate(([False], cn[:-1]))
    regular = not_first & ~mark & ~cn & ~after_cn & in_seq
    reg_idx = regular.nonzero()[0]
    reg_clocked = (regular & clocked).nonzero()[0]

    ext_seq = sequence.unwrap(np.asarray(seq), 16)
    seq_flags = sequence.wireshark_sequence_flags(np.asarray(seq), in_seq, ext_seq)
    expected = sequence.wireshark_expected(np.asarray(seq), in_seq)
    order = sequence.order_counts(ext_seq)

    last_in_time = n - 1 - int(np.argmax(in_seq[::-1]))  # the first packet is in time
    drift = timing.drift(tr, clocked, clock, n, float(t_ms[last_in_time] - t_ms[0]))

    reg_delta = tr.delta[reg_idx]
    reg_jit = j_at[reg_clocked]
    max_delta, max_frame = 0.0, 0
    if reg_delta.size and reg_delta.max() > 0.0:
        k = int(np.argmax(reg_delta))
        max_delta, max_frame = float(reg_delta[k]), int(frames[reg_idx[k]])
    lost = expected - n
    stats = StreamStats(
        packets=n,
        expected=expected,
        lost=lost,
        lost_percent=lost * 100.0 / expected if expected else 0.0,
        sequence_errors=int(np.count_nonzero(seq_flags.error)),
        min_delta_ms=float(reg_delta.min()) if reg_delta.size else -1.0,
        mean_delta_ms=jitter.wireshark_running_mean(reg_delta, reg_idx),
        max_delta_ms=max_delta,
        max_delta_frame=max_frame,
        min_jitter_ms=float(reg_jit.min()) if reg_jit.size else -1.0,
        mean_jitter_ms=jitter.wireshark_running_mean(reg_jit, reg_clocked),
        max_jitter_ms=max(float(reg_jit.max()), 0.0) if reg_jit.size else 0.0,
        mean_delta_ms_true=float(reg_delta.sum() / reg_delta.size) if reg_delta.size else math.nan,
        mean_jitter_ms_true=float(reg_jit.sum() / reg_jit.size) if reg_jit.size else math.nan,
        max_skew_ms=drift.max_skew,
        clock_drift_ms=drift.clock_drift_ms,
        freq_drift_hz=drift.freq_drift_hz,
        freq_drift_percent=drift.freq_drift_percent,
        payload_changes=_payload_changes(pt, cn),
        marker_packets=int(np.count_nonzero(mark)),
        wrong_timestamps=int(np.count_nonzero(~in_seq)),
        duplicates=int(np.count_nonzero(order.duplicate)),
        out_of_order=int(np.count_nonzero(order.out_of_order)),
        problems=bool(seq_flags.error.any() or not in_seq.all()),
    )
    if not series:
        return stats, StreamSeries.empty()
    return stats, StreamSeries(
        frame=frames,
        time_s=t_ms / 1000.0,
        seq=ext_seq,
        rtp_timestamp=sequence.unwrap(np.asarray(timestamp), 32),
        payload_type=pt.astype(np.uint8),
        marker=mark,
        length=np.asarray(length, dtype=np.int32),
        delta_ms=timing.forward_fill(tr.delta, in_seq & not_first, 0.0),
        jitter_ms=timing.forward_fill(j_at, clocked, 0.0),
        skew_ms=timing.skew_series(tr, clocked),
        sequence_error=seq_flags.error,
        lost_before=order.lost_before,
        wrong_timestamp=~in_seq,
    )


def _payload_changes(pt: NDArray[np.int64], cn: NDArray[np.bool_]) -> int:
    """Wireshark's "Payload changed to PT=n": a non-CN packet whose PT differs from the last
    non-CN packet's (the first packet seeds the comparison even when it is CN)."""
    if not cn.any():  # no CN: each packet is compared with the one before it
        return int(np.count_nonzero(pt[1:] != pt[:-1]))
    seed = cn.copy()
    seed[0] = False
    last = timing.last_index_before(~seed)
    prev_pt = pt[np.maximum(last, 0)]
    return int(np.count_nonzero(~cn[1:] & (pt[1:] != prev_pt[1:])))
