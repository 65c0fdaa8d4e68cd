"""Reduce long series to what a plot ``pixels`` wide can show, keeping every peak.

Presentation only: nothing is computed here that a technician reads as a number. Each
point returned is one of the series' own points or, per horizontal pixel, the series'
own minimum and maximum in that pixel's time slice, so spikes and dips look exactly as
when every point is drawn. Inputs: ``x`` sorted ascending (seconds), ``y`` float64 of
the same shape (n,); NaN in ``y`` is a gap and stays one when a whole slice is NaN.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]

FULL_RESOLUTION_PER_PIXEL = 4.0  # draw every point while at most this many per pixel


def is_sorted(x: F64) -> bool:
    """True when ``x`` never decreases (decimating by time needs it)."""
    return bool(len(x) < 2 or np.all(x[1:] >= x[:-1]))


def visible_slice(x: F64, lo: float, hi: float) -> slice:
    """Indices of the points with lo <= x <= hi, plus one neighbour on each side.

    The neighbours make lines that leave the view be drawn up to its edges.
    """
    start = max(int(np.searchsorted(x, lo, side="left")) - 1, 0)
    stop = min(int(np.searchsorted(x, hi, side="right")) + 1, len(x))
    return slice(start, max(start, stop))


def _bucket_starts(x: F64, lo: float, hi: float, buckets: int) -> NDArray[np.intp]:
    """First index of each non-empty slice of [lo, hi] cut in ``buckets`` equal parts."""
    edges = lo + (hi - lo) * (np.arange(buckets, dtype=np.float64) / buckets)
    starts = np.unique(np.searchsorted(x, edges, side="left"))
    return starts[starts < len(x)]


def peak_envelope(x: F64, y: F64, lo: float, hi: float, pixels: int) -> tuple[F64, F64]:
    """The part of (x, y) in [lo, hi], ready to draw as a line ``pixels`` wide.

    Returns the points themselves (views, no copy) when at most FULL_RESOLUTION_PER_PIXEL
    per pixel are visible; otherwise per pixel slice two points at the slice's first x:
    the minimum then the maximum of ``y`` (shape (2k,)). The nearest point outside each
    side of the range is kept unchanged.
    """
    window = visible_slice(x, lo, hi)
    xs, ys = x[window], y[window]
    if len(xs) <= FULL_RESOLUTION_PER_PIXEL * max(pixels, 1) or hi <= lo:
        return xs, ys
    first = 1 if xs[0] < lo else 0
    last = len(xs) - 1 if xs[-1] > hi else len(xs)
    xi, yi = xs[first:last], ys[first:last]
    if len(xi) == 0:
        return xs, ys
    starts = _bucket_starts(xi, lo, hi, pixels)
    lows = np.fmin.reduceat(yi, starts)  # fmin/fmax skip NaN unless the slice is all NaN
    highs = np.fmax.reduceat(yi, starts)
    ex = np.repeat(xi[starts], 2)
    ey = np.column_stack((lows, highs)).ravel()
    return (np.concatenate((xs[:first], ex, xs[last:])),
            np.concatenate((ys[:first], ey, ys[last:])))  # fmt: skip


def step_envelope(
    edges: F64, values: F64, lo: float, hi: float, pixels: int
) -> tuple[F64, F64, bool]:
    """Binned values (edges (k+1,), values (k,)) in [lo, hi] for a plot ``pixels`` wide.

    Returns ``(edges, values, True)`` for the visible bins, drawn as steps, while bins are
    at least a pixel wide; else ``(x, y, False)``: the peak envelope of the bin values at
    the bins' centres, drawn as a line (filled down to 0 it covers what the steps would).
    """
    k = len(values)
    first = max(int(np.searchsorted(edges, lo, side="right")) - 1, 0)
    last = min(int(np.searchsorted(edges, hi, side="left")), k)
    last = max(last, min(first + 1, k))
    if last - first <= max(pixels, 1):
        return edges[first : last + 1], values[first:last], True
    centres = (edges[first:last] + edges[first + 1 : last + 1]) / 2
    x, y = peak_envelope(centres, values[first:last], lo, hi, pixels)
    return x, y, False


def tick_times(times: F64, lo: float, hi: float, pixels: int) -> F64:
    """Event times in [lo, hi], at most one per pixel column (the first in each column).

    ``times`` must be sorted. A column holding any event still shows a tick.
    """
    window = slice(int(np.searchsorted(times, lo, side="left")),
                   int(np.searchsorted(times, hi, side="right")))  # fmt: skip
    visible = times[window]
    if len(visible) <= max(pixels, 1) or hi <= lo:
        return visible
    return visible[_bucket_starts(visible, lo, hi, pixels)]
