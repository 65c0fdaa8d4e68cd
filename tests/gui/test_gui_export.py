"""Exports: plots as PNG of the requested width and as SVG, series as CSV."""

from __future__ import annotations

import csv
from pathlib import Path

from fakes import fake_result
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from callscope.gui.export import SERIES_COLUMNS, export_png, export_svg, write_series_csv
from callscope.gui.views.stream_plot_view import StreamPlotView


def _plots(qtbot: QtBot) -> StreamPlotView:
    view = StreamPlotView()
    qtbot.addWidget(view)
    view.resize(1000, 700)
    view.show()
    view.show_streams(fake_result(n=1500).streams[:2])
    return view


def test_png_has_the_requested_width_and_content(qtbot: QtBot, tmp_path: Path) -> None:
    view = _plots(qtbot)
    path = tmp_path / "plots.png"
    width, height = export_png(view, path, 1600)
    image = QImage(str(path))
    assert not image.isNull()
    assert (image.width(), image.height()) == (width, height) == (1600, height)
    scene = view.graphics.scene().sceneRect()
    assert abs(height - 1600 * scene.height() / scene.width()) <= 1
    # Not a blank picture: the curves put many different colours on it.
    colours = {image.pixel(x, y) for x in range(0, 1600, 7) for y in range(0, height, 7)}
    assert len(colours) > 10


def test_svg_is_written(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "plots.svg"
    export_svg(_plots(qtbot), path)
    text = path.read_text(encoding="utf-8")
    assert "<svg" in text and "</svg>" in text
    assert text.count("<path") > 5


def test_series_csv_has_one_row_per_packet(tmp_path: Path) -> None:
    streams = fake_result(n=500).streams[:2]
    path = tmp_path / "series.csv"
    assert write_series_csv(streams, path) == sum(len(s.series.time_s) for s in streams)
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert tuple(rows[0]) == SERIES_COLUMNS
    first = dict(zip(rows[0], rows[1], strict=True))
    s = streams[0].series
    assert first["stream"] == "1" and first["ssrc"] == streams[0].ssrc_hex
    assert float(first["time_s"]) == round(float(s.time_s[0]), 6)
    assert int(first["seq"]) == int(s.seq[0])
    assert len(rows) - 1 == sum(len(st.series.time_s) for st in streams)
