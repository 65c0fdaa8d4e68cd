"""Network impairments of synthetic RTP streams: loss, loss bursts, delay, jitter, reordering.

Applied to one generation window at a time, to rows sorted by (stream, slot); every
random draw has a fixed size per window so the result depends only on the seed.
Arrival = send + base + |N(0, σ)| (+ episode bump) (+ reorder hold-back).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from callscope.core.errors import CallScopeError

NS_PER_MS = 1_000_000


@dataclass(frozen=True)
class JitterEpisode:
    """A congestion episode: extra delay shaped sin(π·u) over the episode (u: 0→1).

    Times are seconds of stream time (since the stream's first slot). ``delay_ms`` is
    the peak of the smooth bump, ``jitter_ms`` the σ of extra |N(0, σ)| noise, both
    scaled by the same envelope. Large values reorder packets, as real queues do.
    """

    start_s: float
    duration_s: float
    delay_ms: float = 40.0
    jitter_ms: float = 10.0


@dataclass(frozen=True)
class Impairments:
    """What the network does to one stream.

    ``loss``: independent loss probability per packet. ``burst_rate``: probability
    that a loss burst starts at a packet, bursts lasting Geometric(1/``burst_mean``)
    packets. ``loss_windows``: (start_s, duration_s) of stream time in which every
    packet is lost. ``reorder``: probability a packet is held back 1.2-2.8 ptimes.
    ``duplicates``: probability a received packet arrives twice (10 µs-1 ms apart).
    """

    loss: float = 0.0
    burst_rate: float = 0.0
    burst_mean: float = 4.0
    loss_windows: tuple[tuple[float, float], ...] = ()
    base_delay_ms: float = 10.0
    jitter_ms: float = 0.0
    episodes: tuple[JitterEpisode, ...] = ()
    reorder: float = 0.0
    duplicates: float = 0.0

    def validate(self) -> None:
        """Raise a one-line CallScopeError on an impossible setting."""
        for name in ("loss", "burst_rate", "reorder", "duplicates"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise CallScopeError(f"{name} must be a probability in [0, 1], got {value}")
        if self.burst_mean < 1.0:
            raise CallScopeError(f"burst_mean must be at least 1 packet, got {self.burst_mean}")
        if self.base_delay_ms < 0 or self.jitter_ms < 0:
            raise CallScopeError("delays and jitter must not be negative")
        if any(d < 0 for _, d in self.loss_windows) or any(
            e.duration_s < 0 or e.delay_ms < 0 or e.jitter_ms < 0 for e in self.episodes
        ):
            raise CallScopeError("loss windows and jitter episodes need non-negative values")


def _slot(seconds: float, ptime_ns: int) -> int:
    """First slot sent at or after ``seconds`` of stream time."""
    return -(-round(seconds * 1e9) // ptime_ns)


@dataclass(frozen=True)
class ImpairmentTable:
    """Per-stream impairment parameters as arrays of shape (S,) (+ per-stream lists)."""

    loss: NDArray[np.float64]
    burst_rate: NDArray[np.float64]
    burst_mean: NDArray[np.float64]
    base_ns: NDArray[np.float64]
    sigma_ns: NDArray[np.float64]
    reorder: NDArray[np.float64]
    duplicates: NDArray[np.float64]
    ptime_ns: NDArray[np.int64]
    loss_slots: list[list[tuple[int, int]]]  # per stream: [first, end) slots always lost
    episodes: list[list[JitterEpisode]]

    @classmethod
    def build(cls, items: Sequence[Impairments], ptime_ns: NDArray[np.int64]) -> ImpairmentTable:
        """Gather the streams' settings (validated) into arrays."""
        for item in items:
            item.validate()

        def col(name: str) -> NDArray[np.float64]:
            return np.array([getattr(i, name) for i in items], dtype=np.float64)

        return cls(
            col("loss"), col("burst_rate"), col("burst_mean"),
            col("base_delay_ms") * NS_PER_MS, col("jitter_ms") * NS_PER_MS,
            col("reorder"), col("duplicates"), ptime_ns,
            [[(_slot(a, int(p)), _slot(a + d, int(p))) for a, d in i.loss_windows]
             for i, p in zip(items, ptime_ns, strict=True)],
            [list(i.episodes) for i in items],
        )

    @property
    def min_base_ns(self) -> int:
        """Smallest possible delay of any packet (arrival >= send + this)."""
        return int(self.base_ns.min()) if len(self.base_ns) else 0


def stream_bounds(stream: NDArray[np.int32], count: int) -> tuple[NDArray[np.int64], ...]:
    """(first, end) row of each stream's run in rows sorted by stream, shape (S,) each."""
    ids = np.arange(count)
    return (np.searchsorted(stream, ids, "left").astype(np.int64),
            np.searchsorted(stream, ids, "right").astype(np.int64))


def lost_rows(table: ImpairmentTable, stream: NDArray[np.int32], slot: NDArray[np.int64],
              rng: np.random.Generator,
              carry: NDArray[np.int64]) -> tuple[NDArray[np.bool_], NDArray[np.int64]]:
    """Which rows are lost, and the burst packets still owed per stream (next window)."""
    m, count = len(stream), len(carry)
    first, end = stream_bounds(stream, count)
    lost = rng.random(m) < table.loss[stream]
    starts = np.flatnonzero(rng.random(m) < table.burst_rate[stream])
    lengths = rng.geometric(1.0 / table.burst_mean[stream[starts]])
    stop = starts + lengths
    owed = np.maximum(carry - (end - first), 0)
    np.maximum.at(owed, stream[starts], stop - end[stream[starts]])
    head = np.flatnonzero(carry > 0)
    opens = np.concatenate([starts, first[head]])
    closes = np.concatenate([np.minimum(stop, end[stream[starts]]),
                             np.minimum(first[head] + carry[head], end[head])])
    depth = np.cumsum(np.bincount(opens, minlength=m + 1) - np.bincount(closes, minlength=m + 1))
    lost |= depth[:m] > 0
    for s, windows in enumerate(table.loss_slots):
        for lo, hi in windows:
            rows = slice(first[s], end[s])
            lost[rows] |= (slot[rows] >= lo) & (slot[rows] < hi)
    return lost, owed


def delays_ns(table: ImpairmentTable, stream: NDArray[np.int32], slot: NDArray[np.int64],
              rng: np.random.Generator) -> NDArray[np.float64]:
    """Network delay of each row in ns: base + |N(0,σ)| + episode bump + reorder hold-back."""
    m = len(stream)
    delay = table.base_ns[stream] + np.abs(rng.standard_normal(m)) * table.sigma_ns[stream]
    episode_noise = np.abs(rng.standard_normal(m))
    held = rng.random(m) < table.reorder[stream]
    hold = rng.uniform(1.2, 2.8, m) * table.ptime_ns[stream]
    delay += np.where(held, hold, 0.0)
    first, end = stream_bounds(stream, len(table.loss))
    for s, episodes in enumerate(table.episodes):
        rows = slice(first[s], end[s])
        t_ns = slot[rows] * table.ptime_ns[s]
        for ep in episodes:
            u = (t_ns - ep.start_s * 1e9) / max(ep.duration_s * 1e9, 1.0)
            env = np.where((u >= 0) & (u < 1), np.sin(np.pi * np.clip(u, 0, 1)), 0.0)
            delay[rows] += env * (ep.delay_ms + episode_noise[rows] * ep.jitter_ms) * NS_PER_MS
    return delay


def duplicate_rows(table: ImpairmentTable, stream: NDArray[np.int32],
                   rng: np.random.Generator) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Rows (of received packets) that arrive twice, and each copy's lag in ns (>= 10 µs)."""
    m = len(stream)
    rows = np.flatnonzero(rng.random(m) < table.duplicates[stream])
    lag = rng.integers(10_000, 1_000_000, len(rows), dtype=np.int64)
    return rows, lag
