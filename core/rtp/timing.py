"""Arrival timing of one RTP stream as Wireshark 4.0 sees it: timestamp order, delta,
transit difference D, skew and clock drift (``rtppacket_analyse`` in
``ui/tap-rtp-analysis.c``, ``rtpstream_info_calculate`` in ``ui/tap-rtp-common.c``).

All times are ms as float64; arrays have shape (n,), one row per packet in arrival order.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

HALF_RANGE = 1 << 31
NS_PER_S = 1_000_000_000


def relative_ms(time_ns: NDArray[np.int64], capture_start_ns: int) -> NDArray[np.float64]:
    """Arrival in ms since the capture's first frame, computed as Wireshark's
    ``nstime_to_msec(&pinfo->rel_ts)``: ``secs * 1000 + nsecs / 1e6`` with both parts
    truncated toward zero."""
    rel = np.asarray(time_ns, dtype=np.int64) - np.int64(capture_start_ns)
    secs: NDArray[np.int64] = np.sign(rel) * (np.abs(rel) // NS_PER_S)
    nsecs = rel - secs * NS_PER_S
    ms: NDArray[np.float64] = secs.astype(np.float64) * 1000.0 + nsecs.astype(np.float64) / 1e6
    return ms


def in_time(timestamp: NDArray[np.uint32]) -> tuple[NDArray[np.bool_], NDArray[np.int64]]:
    """Wireshark 4.0's in-time test and nominal offset from the FIRST packet.

    ``offset = (ts - ts[0]) mod 2**32`` in RTP clock units; a packet is in time sequence
    when that offset is below 2**31 (exactly 2**31 counts only across the wrap). Packets
    not in time are Wireshark's "Incorrect timestamp" and never become the reference.
    """
    ts = np.asarray(timestamp).astype(np.int64)
    if ts.size == 0:
        return np.zeros(0, dtype=bool), ts
    offset = (ts - ts[0]) & 0xFFFFFFFF
    ok = (offset < HALF_RANGE) | ((ts < ts[0]) & (offset == HALF_RANGE))
    return ok, offset


def last_true_index(mask: NDArray[np.bool_]) -> NDArray[np.int64]:
    """For each row i, the last index j <= i with ``mask[j]`` (-1 if none); shape (n,).

    Shortcut for the usual case where every row after the first is set (no scan).
    """
    n = mask.size
    if n and bool(mask[1:].all()):
        idx = np.arange(n, dtype=np.int64)
        if not mask[0]:
            idx[0] = -1
        return idx
    found: NDArray[np.int64] = np.maximum.accumulate(
        np.where(mask, np.arange(n, dtype=np.int64), -1))
    return found


def last_index_before(mask: NDArray[np.bool_]) -> NDArray[np.int64]:
    """For each row i, the last index j < i with ``mask[j]`` (-1 if none); shape (n,)."""
    prev = np.empty(mask.size, dtype=np.int64)
    if mask.size:
        prev[0] = -1
        prev[1:] = last_true_index(mask[:-1])
    return prev


def forward_fill(values: NDArray[np.float64], mask: NDArray[np.bool_], initial: float) -> (
        NDArray[np.float64]):
    """Value of the last row j <= i with ``mask[j]`` (``initial`` before any); shape (n,)."""
    if mask.size and bool(mask[1:].all()):  # each row is its own last set row (or none)
        return np.where(mask, values, initial)
    idx = last_true_index(mask)
    return np.where(idx >= 0, values[np.maximum(idx, 0)], initial)


class Transit(NamedTuple):
    """Per-packet timing terms; rows outside their mask hold 0."""

    delta: NDArray[np.float64]  # t_i - t_ref, for in-time rows (ref = last in-time packet)
    diff: NDArray[np.float64]  # |t_i - (t_ref + nominal_i - nominal_prev)|, clocked rows
    nominal: NDArray[np.float64]  # RTP offset from the first packet in ms, clocked rows
    arrival: NDArray[np.float64]  # t_i - t_0


def transit(t_ms: NDArray[np.float64], offset: NDArray[np.int64], in_seq: NDArray[np.bool_],
            clock: NDArray[np.int64], clocked: NDArray[np.bool_]) -> Transit:
    """Delta and D of every packet the Wireshark way.

    ``clocked`` marks in-time rows (not the first) with a known clock; Wireshark divides by
    ``clock // 1000`` (integer division: L16 at 44100 Hz becomes 44 ticks per ms). The
    previous nominal time is that of the last clocked row (0 for the first packet), while
    the reference time is that of the last in-time row, clocked or not (a quirk: after
    telephone-event packets, which have no clock, D jumps).
    """
    n = t_ms.size
    ref = last_index_before(in_seq)
    t_ref = t_ms[np.maximum(ref, 0)]
    delta = np.where(in_seq, t_ms - t_ref, 0.0)
    delta[0] = 0.0
    nominal = np.zeros(n, dtype=np.float64)
    ticks = clock[clocked] // 1000
    nominal[clocked] = offset[clocked].astype(np.float64) / ticks.astype(np.float64)
    prev = last_index_before(clocked)
    prev_nominal = np.where(prev >= 0, nominal[np.maximum(prev, 0)], 0.0)
    expected = t_ref + (nominal - prev_nominal)
    diff = np.where(clocked, np.abs(t_ms - expected), 0.0)
    return Transit(delta, diff, nominal, t_ms - t_ms[0])


class Drift(NamedTuple):
    """Skew and clock drift (Wireshark's RTP Stream Analysis side panel)."""

    max_skew: float  # signed skew of largest magnitude (first one on ties)
    clock_drift_ms: float
    freq_drift_hz: float
    freq_drift_percent: float


def drift(tr: Transit, clocked: NDArray[np.bool_], clock: NDArray[np.int64], packets: int,
          duration_ms: float) -> Drift:
    """Largest skew (nominal - arrival) and drift = least-squares slope x of nominal on arrival.

    As ``rtpstream_info_calculate``: ``x = (n·ΣtT - Σt·ΣT) / (n·Σt² - (Σt)²)`` where n is
    the stream's packet count (not the number of clocked rows, a quirk) and the sums run
    over clocked rows in arrival order; drift = duration·(x - 1); "Hz" is
    ``x · trunc(clock · x)``; % = 100·(x - 1). ``duration_ms`` is last in-time - first.
    """
    arr = tr.arrival[clocked]
    nom = tr.nominal[clocked]
    skew_rows = nom - arr
    max_skew = 0.0
    if skew_rows.size:
        k = int(np.argmax(np.abs(skew_rows)))
        if abs(skew_rows[k]) > 0.0:
            max_skew = float(skew_rows[k])
    if arr.size == 0:
        return Drift(max_skew, 0.0, 0.0, 0.0)
    # sequential sums (cumsum along each row) so the cancellation below matches
    # Wireshark's loop; one call for the four sums
    terms = np.empty((4, arr.size))
    terms[0], terms[1] = arr, nom
    np.multiply(arr, arr, out=terms[2])
    np.multiply(arr, nom, out=terms[3])
    sumt, sum_ts, sumt2, sumt_ts = np.cumsum(terms, axis=1)[:, -1].tolist()
    denominator = packets * sumt2 - sumt * sumt
    if not sumt2 > 0 or denominator == 0:
        return Drift(max_skew, 0.0, 0.0, 0.0)
    x = (packets * sumt_ts - sumt * sum_ts) / denominator
    rate = _as_guint32(int(clock[clocked][-1]) * x)
    return Drift(max_skew, duration_ms * (x - 1.0), x * rate, 100.0 * (x - 1.0))


def skew_series(tr: Transit, clocked: NDArray[np.bool_]) -> NDArray[np.float64]:
    """Skew (nominal - arrival, ms) per packet, held between clocked rows; shape (n,)."""
    skew = forward_fill(tr.nominal - tr.arrival, clocked, 0.0)
    skew[0] = 0.0
    return skew


def _as_guint32(value: float) -> int:
    """C's ``(guint32)`` of a double as x86-64 does it: truncate to int64, keep 32 bits."""
    if not math.isfinite(value) or abs(value) >= 2.0**63:
        return 0
    return int(value) & 0xFFFFFFFF
