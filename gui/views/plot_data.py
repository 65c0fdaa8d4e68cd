"""Arrays the stream plots draw, derived from the core's per-packet series.

Nothing here measures anything: it only re-bins the core's per-packet columns for
display (packets, bytes and missing sequence numbers per time bin) and lists the
times of per-packet flags the core already set. All arrays are float64, shape (k,).
:func:`prepare` computes all of them for one stream; the worker runs it for every
stream of a capture so that selecting a stream of a million packets costs no binning
on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from callscope.core.model import Stream, StreamSeries

F64 = NDArray[np.float64]


@dataclass(frozen=True)
class Binned:
    """Per-bin values: ``edges`` has shape (k+1,), ``values`` shape (k,)."""

    edges: F64
    values: F64


def _edges(time_s: F64, bin_s: float) -> F64:
    """Equal bins of ``bin_s`` from the first packet's bin to the last packet's bin."""
    start = np.floor(time_s[0] / bin_s) * bin_s
    stop = np.floor(time_s[-1] / bin_s) * bin_s + bin_s
    count = max(1, round((stop - start) / bin_s))
    edges: F64 = np.linspace(start, stop, count + 1)
    return edges


def _histogram(time_s: F64, edges: F64, weights: F64 | None = None) -> F64:
    """np.histogram over equal ``edges`` by its uniform-bin path (no sort: ~6x faster)."""
    counts, _ = np.histogram(
        time_s, bins=len(edges) - 1, range=(edges[0], edges[-1]), weights=weights
    )
    return counts.astype(np.float64)


def packet_rate(series: StreamSeries, bin_s: float = 1.0) -> Binned:
    """Packets received per second, in bins of ``bin_s`` seconds."""
    if len(series.time_s) == 0:
        return Binned(np.zeros(1), np.zeros(0))
    edges = _edges(series.time_s, bin_s)
    return Binned(edges, _histogram(series.time_s, edges) / bin_s)


def bitrate_kbps(series: StreamSeries, bin_s: float = 1.0) -> Binned:
    """UDP payload bit rate in kbit/s (RTP header + payload, no IP/UDP headers)."""
    if len(series.time_s) == 0:
        return Binned(np.zeros(1), np.zeros(0))
    edges = _edges(series.time_s, bin_s)
    sums = _histogram(series.time_s, edges, series.length.astype(np.float64))
    return Binned(edges, sums * 8.0 / 1000.0 / bin_s)


def loss_percent(series: StreamSeries, bin_s: float = 1.0) -> Binned:
    """Share of sequence numbers missing per bin: lost / (lost + received) x 100.

    A gap is counted in the bin of the packet that arrived after it (``lost_before``).
    """
    if len(series.time_s) == 0:
        return Binned(np.zeros(1), np.zeros(0))
    edges = _edges(series.time_s, bin_s)
    received = _histogram(series.time_s, edges)
    lost = _histogram(
        series.time_s, edges, np.maximum(series.lost_before, 0).astype(np.float64)
    )
    total = received + lost
    share = np.divide(lost * 100.0, total, out=np.zeros_like(lost), where=total > 0)
    return Binned(edges, share)


def event_times(series: StreamSeries) -> dict[str, F64]:
    """Arrival times (s) of packets carrying each per-packet flag of the core.

    Keys: ``lost`` (packet right after missing sequence numbers), ``seq_error``,
    ``wrong_ts``, ``marker``, ``pt_change`` (payload type differs from the previous packet).
    """
    t = series.time_s
    pt = series.payload_type
    changed = np.zeros(len(pt), dtype=np.bool_)
    if len(pt) > 1:
        changed[1:] = pt[1:] != pt[:-1]
    return {
        "lost": t[series.lost_before > 0],
        "seq_error": t[series.sequence_error],
        "wrong_ts": t[series.wrong_timestamp],
        "marker": t[series.marker],
        "pt_change": t[changed],
    }


@dataclass(frozen=True)
class StreamPlotSeries:
    """What the plots draw for one stream besides its per-packet columns.

    ``events`` maps each lane key of :func:`event_times` to its times, sorted ascending.
    ``time_sorted`` is False when arrival times ever decrease (clock steps in the
    capture); the curves are then drawn without decimation by time.
    """

    time_sorted: bool
    loss: Binned
    packet_rate: Binned
    bitrate: Binned
    events: dict[str, F64]


def prepare(series: StreamSeries) -> StreamPlotSeries:
    """Bins and event times of one stream (~40 ms per million packets)."""
    t = series.time_s
    time_sorted = bool(len(t) < 2 or np.all(t[1:] >= t[:-1]))
    events = event_times(series)
    if not time_sorted:
        events = {key: np.sort(times) for key, times in events.items()}
    return StreamPlotSeries(
        time_sorted, loss_percent(series), packet_rate(series), bitrate_kbps(series), events
    )


def prepare_all(
    streams: list[Stream], check: Callable[[], None] = lambda: None
) -> dict[int, StreamPlotSeries]:
    """:func:`prepare` for each stream, by stream id; ``check()`` runs between streams
    (it raises to cancel)."""
    prepared: dict[int, StreamPlotSeries] = {}
    for stream in streams:
        check()
        prepared[stream.id] = prepare(stream.series)
    return prepared


def tick_segments(times: F64, centre: float, half_height: float) -> tuple[F64, F64]:
    """x, y for vertical ticks drawn as one curve with ``connect="pairs"``."""
    x = np.repeat(times, 2)
    y = np.tile(np.array([centre - half_height, centre + half_height]), len(times))
    return x, y


def nearest_index(time_s: F64, t: float) -> int:
    """Index of the packet whose arrival time is nearest to ``t`` (-1 if none)."""
    n = len(time_s)
    if n == 0:
        return -1
    i = int(np.searchsorted(time_s, t))
    if i <= 0:
        return 0
    if i >= n:
        return n - 1
    return i if time_s[i] - t < t - time_s[i - 1] else i - 1
