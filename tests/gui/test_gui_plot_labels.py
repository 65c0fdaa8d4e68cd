"""Axis titles fit short stacked plots: the name above its unit, never overlapping."""

from __future__ import annotations

from fakes import fake_result
from pytestqt.qtbot import QtBot

from callscope.gui.views.plot_stack import two_lines
from callscope.gui.views.stream_plot_view import StreamPlotView


def test_unit_goes_below_the_name() -> None:
    assert two_lines("Jitter (ms)") == "Jitter<br>(ms)"
    assert two_lines("Rate") == "Rate"


def test_every_left_axis_label_is_at_most_two_short_lines(qtbot: QtBot) -> None:
    view = StreamPlotView()
    qtbot.addWidget(view)
    view.show_streams(fake_result(n=200).streams[:2])
    labels = [p.getAxis("left").labelText for p in view.plots.values()]
    assert "Jitter<br>(ms)" in labels and "Rate<br>(packets/s)" in labels
    for label in labels:
        assert all(len(line) <= 11 for line in label.split("<br>")), label
