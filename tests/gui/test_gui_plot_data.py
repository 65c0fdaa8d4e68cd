"""The plots' bins and event times, and their preparation for every stream."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from fakes import fake_result

from callscope.core.errors import CancelledError
from callscope.gui.views import plot_data


def test_bins_equal_numpy_histograms_over_one_second_edges() -> None:
    s = fake_result(n=4000).streams[0].series
    edges = np.arange(np.floor(s.time_s[0]), np.floor(s.time_s[-1]) + 1.5, 1.0)
    counts, _ = np.histogram(s.time_s, bins=edges)
    lost, _ = np.histogram(s.time_s, bins=edges, weights=s.lost_before.astype(np.float64))
    rate = plot_data.packet_rate(s)
    np.testing.assert_array_equal(rate.edges, edges)
    np.testing.assert_array_equal(rate.values, counts)
    total = counts + lost
    expected_loss = np.divide(lost * 100.0, total, out=np.zeros_like(lost), where=total > 0)
    np.testing.assert_allclose(plot_data.loss_percent(s).values, expected_loss)
    np.testing.assert_allclose(plot_data.bitrate_kbps(s).values, counts * 172 * 8 / 1000)
    assert plot_data.loss_percent(s).values.max() > 0  # the fake stream does lose packets


def test_prepare_holds_the_bins_and_sorted_event_times() -> None:
    s = fake_result(n=2000).streams[0].series
    prepared = plot_data.prepare(s)
    assert prepared.time_sorted
    np.testing.assert_array_equal(prepared.packet_rate.values, plot_data.packet_rate(s).values)
    np.testing.assert_array_equal(prepared.events["lost"], s.time_s[s.lost_before > 0])
    # A capture whose clock steps back: times are not sorted, event times get sorted.
    stepped = replace(s, time_s=np.concatenate((s.time_s[:1000], s.time_s[1000:] - 30.0)))
    prepared = plot_data.prepare(stepped)
    assert not prepared.time_sorted
    for times in prepared.events.values():
        assert np.all(np.diff(times) >= 0)


def test_prepare_all_covers_every_stream_and_can_be_cancelled() -> None:
    streams = fake_result(n=500).streams
    prepared = plot_data.prepare_all(streams)
    assert sorted(prepared) == [s.id for s in streams]
    calls: list[int] = []

    def check() -> None:
        calls.append(1)
        if len(calls) == 2:
            raise CancelledError()

    with pytest.raises(CancelledError):
        plot_data.prepare_all(streams, check)
    assert len(calls) == 2
