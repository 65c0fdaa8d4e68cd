"""Peak-preserving decimation for the plots (pure numpy, no Qt)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from callscope.gui.views import decimate


def _series(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = np.cumsum(rng.exponential(0.02, n))
    y = rng.normal(20.0, 3.0, n)
    return x, y


def _columns(x: np.ndarray, lo: float, hi: float, pixels: int) -> np.ndarray:
    """Pixel column of each x (as the envelope's buckets cut [lo, hi])."""
    return np.floor((x - lo) / (hi - lo) * pixels).astype(np.int64)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    n=st.integers(2, 5000), seed=st.integers(0, 10_000), pixels=st.integers(1, 400),
    start=st.floats(-0.2, 0.9), width=st.floats(0.01, 1.5),
)  # fmt: skip
def test_each_pixel_column_keeps_its_minimum_and_maximum(
    n: int, seed: int, pixels: int, start: float, width: float
) -> None:
    x, y = _series(n, seed)
    lo = x[0] + start * (x[-1] - x[0])
    hi = lo + width * (x[-1] - x[0])
    dx, dy = decimate.peak_envelope(x, y, lo, hi, pixels)
    inside = (x >= lo) & (x <= hi)
    assert np.isin(dy, y).all()  # no value invented
    assert len(dx) == len(dy) <= max(2 * pixels, decimate.FULL_RESOLUTION_PER_PIXEL * pixels) + 2
    assert np.all(np.diff(dx) >= 0)
    if not inside.any():
        return
    shown = (dx >= lo) & (dx <= hi)
    assert dy[shown].max() == y[inside].max() and dy[shown].min() == y[inside].min()
    col, dcol = _columns(x[inside], lo, hi, pixels), _columns(dx[shown], lo, hi, pixels)
    y_in, dy_in = y[inside], dy[shown]
    # Spot-check 20 columns. A point on a column edge may be bucketed one column over
    # (float rounding of the edge), so compare each column with its neighbours.
    for c in np.unique(col)[:: max(1, len(np.unique(col)) // 20)]:
        near_shown = dy_in[np.abs(dcol - c) <= 1]
        assert y_in[col == c].max() in near_shown and y_in[col == c].min() in near_shown
        drawn = dy_in[dcol == c]
        near_true = y_in[np.abs(col - c) <= 1]
        if drawn.size:
            assert near_true.min() <= drawn.min() and drawn.max() <= near_true.max()


def test_few_points_are_returned_unchanged_with_their_neighbours() -> None:
    x, y = _series(1000, 1)
    lo, hi = float(x[100]), float(x[300])
    dx, dy = decimate.peak_envelope(x, y, lo, hi, pixels=800)
    np.testing.assert_array_equal(dx, x[99:302])  # one neighbour beyond each side
    np.testing.assert_array_equal(dy, y[99:302])


def test_a_dense_range_becomes_two_points_per_pixel() -> None:
    x, y = _series(200_000, 2)
    y[123_456] = 500.0  # a spike one packet wide
    y[7] = -40.0
    dx, dy = decimate.peak_envelope(x, y, float(x[0]), float(x[-1]), pixels=1000)
    assert len(dx) <= 2 * 1000 + 2
    assert dy.max() == 500.0 and dy.min() == -40.0
    spike_x = dx[np.argmax(dy)]
    assert abs(spike_x - x[123_456]) <= (x[-1] - x[0]) / 1000  # within its pixel


def test_gaps_stay_gaps_only_where_a_whole_pixel_is_nan() -> None:
    x = np.arange(10_000, dtype=np.float64)
    y = np.ones(10_000)
    y[5000:6000] = np.nan  # ten pixels of nothing
    y[100] = np.nan  # one NaN among a pixel's finite values
    dx, dy = decimate.peak_envelope(x, y, 0.0, 9999.0, pixels=100)
    assert np.isnan(dy[(dx >= 5000) & (dx < 6000)]).all()
    assert np.isfinite(dy[dx < 5000]).all()


def test_visible_slice_adds_one_neighbour_each_side() -> None:
    x = np.arange(10.0)
    assert decimate.visible_slice(x, 2.5, 6.5) == slice(2, 8)
    assert decimate.visible_slice(x, -5.0, 20.0) == slice(0, 10)
    assert decimate.visible_slice(x, 20.0, 30.0) == slice(9, 10)


def test_is_sorted() -> None:
    assert decimate.is_sorted(np.array([1.0, 1.0, 2.0]))
    assert not decimate.is_sorted(np.array([1.0, 3.0, 2.0]))
    assert decimate.is_sorted(np.zeros(0))


def test_wide_bins_stay_steps_and_narrow_bins_become_an_envelope() -> None:
    edges = np.arange(20_001, dtype=np.float64)
    values = np.zeros(20_000)
    values[12_345] = 9.0
    x, y, stepped = decimate.step_envelope(edges, values, 100.0, 300.0, pixels=1000)
    assert stepped and len(x) == len(y) + 1
    np.testing.assert_array_equal(x, edges[100:301])
    x, y, stepped = decimate.step_envelope(edges, values, 0.0, 20_000.0, pixels=1000)
    assert not stepped and len(x) == len(y) <= 2 * 1000 + 2
    assert y.max() == 9.0 and abs(x[np.argmax(y)] - 12_345.5) <= 20.0


def test_empty_bins_give_nothing_to_draw() -> None:
    x, y, stepped = decimate.step_envelope(np.zeros(1), np.zeros(0), 0.0, 1.0, 100)
    assert stepped and len(y) == 0 and len(x) == 1


def test_ticks_keep_one_event_per_pixel_column_that_has_any() -> None:
    rng = np.random.default_rng(3)
    times = np.sort(rng.uniform(0.0, 1000.0, 50_000))
    ticks = decimate.tick_times(times, 0.0, 1000.0, pixels=500)
    assert len(ticks) <= 500 and np.isin(ticks, times).all()
    assert set(_columns(ticks, 0.0, 1000.0, 500)) == set(_columns(times, 0.0, 1000.0, 500))
    few = decimate.tick_times(times[:10], 0.0, 1000.0, pixels=500)
    np.testing.assert_array_equal(few, times[:10])
