"""RFC 3550 jitter (blocked scan) and Wireshark's running mean (closed form) equal a plain loop."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callscope.core.rtp.jitter import BLOCK, interarrival_jitter, wireshark_running_mean


def loop_jitter(diff: list[float]) -> list[float]:
    """Wireshark's J = (15·J + D) / 16 from J = 0."""
    out, j = [], 0.0
    for d in diff:
        j = (15 * j + d) / 16
        out.append(j)
    return out


@pytest.mark.parametrize("n", [0, 1, BLOCK - 1, BLOCK, BLOCK + 1, 5 * BLOCK + 3, 20_000])
def test_jitter_matches_loop_at_block_edges(n: int) -> None:
    diff = np.abs(np.random.default_rng(n).normal(0.0, 50.0, n))
    got = interarrival_jitter(diff)
    assert got.shape == (n,)
    np.testing.assert_allclose(got, loop_jitter(diff.tolist()), rtol=1e-12, atol=1e-9)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.floats(0.0, 20_000.0), max_size=400))
def test_jitter_matches_wireshark_loop_within_1e9_ms(diff: list[float]) -> None:
    got = interarrival_jitter(np.array(diff, dtype=np.float64))
    np.testing.assert_allclose(got, loop_jitter(diff), rtol=0, atol=1e-9)


def test_jitter_on_a_long_stream_with_spikes() -> None:
    rng = np.random.default_rng(1)
    diff = np.abs(rng.normal(0.0, 2.0, 300_000))
    diff[::997] += 9_000.0  # long gaps: D of several seconds
    got = interarrival_jitter(diff)
    np.testing.assert_allclose(got, loop_jitter(diff.tolist()), rtol=0, atol=1e-9)
    assert got.max() > 500.0


def test_constant_transit_difference_converges_to_it() -> None:
    got = interarrival_jitter(np.full(2000, 0.25))
    assert got[0] == pytest.approx(0.25 / 16)
    assert got[-1] == pytest.approx(0.25, rel=1e-12)


def loop_running_mean(values: list[float], counts: list[int]) -> float:
    mean = 0.0
    for x, n in zip(values, counts, strict=True):
        mean = (mean * (n - 1) + x) / n
    return mean


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.floats(-50.0, 5_000.0), st.integers(1, 4)), max_size=300))
def test_running_mean_matches_wiresharks_update(samples: list[tuple[float, int]]) -> None:
    values = [v for v, _ in samples]
    counts = np.cumsum([gap for _, gap in samples]).tolist()  # strictly increasing N >= 1
    got = wireshark_running_mean(np.array(values), np.array(counts, dtype=np.int64))
    assert got == pytest.approx(loop_running_mean(values, counts), rel=1e-12, abs=1e-9)


def test_running_mean_with_every_packet_is_the_plain_mean() -> None:
    values = np.arange(1.0, 101.0)
    assert wireshark_running_mean(values, np.arange(1, 101)) == pytest.approx(50.5, rel=1e-13)
    assert wireshark_running_mean(np.zeros(0), np.zeros(0, dtype=np.int64)) == 0.0


def test_running_mean_of_a_long_stream_with_gaps_matches_the_loop() -> None:
    rng = np.random.default_rng(7)
    gaps = np.where(rng.random(50_000) < 0.02, rng.integers(2, 400, 50_000), 1)
    counts = np.cumsum(gaps)  # skipped packets here and there, long runs without
    values = rng.uniform(0.0, 80.0, counts.size)
    want = loop_running_mean(values.tolist(), counts.tolist())
    assert wireshark_running_mean(values, counts) == pytest.approx(want, rel=1e-12)
    assert want < values.mean() * 0.99  # the quirk is really exercised
