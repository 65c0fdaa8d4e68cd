"""The streams table: rows equal the core's figures, sorting on raw values, filter, CSV."""

from __future__ import annotations

import csv
import dataclasses
import io

from fakes import fake_result
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from callscope.core.model import AnalysisResult
from callscope.gui.models.roles import SORT_ROLE, STREAM_ID_ROLE, VERDICT_ROLE
from callscope.gui.models.stream_table_model import Column
from callscope.gui.verdict import Thresholds, Verdict
from callscope.gui.views.stream_table_view import (
    StreamTableView,
    call_stream_ids,
    reverse_stream_ids,
)


def _table(qtbot: QtBot, result: AnalysisResult | None = None) -> StreamTableView:
    table = StreamTableView()
    qtbot.addWidget(table)
    table.source_model.set_result(result or fake_result())
    return table


def _column(table: StreamTableView, col: Column, role: int = SORT_ROLE) -> list[object]:
    proxy = table.proxy
    return [proxy.data(proxy.index(r, col), role) for r in range(proxy.rowCount())]


def test_rows_show_the_core_figures(qtbot: QtBot) -> None:
    table = _table(qtbot)
    result = fake_result()
    model = table.source_model
    assert model.rowCount() == len(result.streams)
    for row, stream in enumerate(result.streams):
        text = [model.index(row, c).data() for c in Column]
        st = stream.stats
        assert text[Column.SOURCE] == stream.src_label
        assert text[Column.SSRC] == stream.ssrc_hex
        assert text[Column.PACKETS] == str(st.packets)
        assert text[Column.LOST] == f"{st.lost} ({st.lost_percent:.1f}%)"
        assert text[Column.MAX_JITTER] == f"{st.max_jitter_ms:.3f}"
        assert model.index(row, Column.MAX_DELTA).data(SORT_ROLE) == st.max_delta_ms


def test_sorting_by_lost_uses_the_percentage_not_the_text(qtbot: QtBot) -> None:
    result = fake_result()
    s4 = result.streams[3]
    s4.stats = dataclasses.replace(s4.stats, lost=120, lost_percent=4.0)
    table = _table(qtbot, result)
    table.sortByColumn(Column.LOST, Qt.SortOrder.DescendingOrder)
    percents = _column(table, Column.LOST)
    assert percents == sorted(percents, reverse=True)
    # Sorting the text would put "58 (1.9%)" before "120 (4.0%)".
    shown = _column(table, Column.LOST, Qt.ItemDataRole.DisplayRole)
    assert shown[:2] == ["120 (4.0%)", "58 (1.9%)"]
    table.sortByColumn(Column.PACKETS, Qt.SortOrder.AscendingOrder)
    assert _column(table, Column.PACKETS) == [2942, 2975, 3000, 3000]


def test_filter_keeps_matching_rows(qtbot: QtBot) -> None:
    table = _table(qtbot)
    table.proxy.set_filter_text("amr-WB")
    assert sorted(_column(table, Column.SOURCE, STREAM_ID_ROLE)) == [3, 4]
    table.proxy.set_filter_text("0x1a2b3c4d")
    assert _column(table, Column.SOURCE, STREAM_ID_ROLE) == [1]
    table.proxy.set_filter_text("")
    assert table.proxy.rowCount() == 4


def test_copy_as_csv_puts_selected_rows_on_the_clipboard(qtbot: QtBot) -> None:
    table = _table(qtbot)
    table.select_stream_ids([1, 3])
    table.copy_selection_as_csv()
    rows = list(csv.reader(io.StringIO(QApplication.clipboard().text())))
    assert rows[0][Column.SSRC] == "SSRC"
    assert [r[Column.SSRC] for r in rows[1:]] == ["0x1a2b3c4d", "0x0badf00d"]
    assert rows[1][Column.LOST] == "58 (1.9%)"


def test_reverse_and_call_selection(qtbot: QtBot) -> None:
    table = _table(qtbot)
    streams = fake_result().streams
    assert reverse_stream_ids(streams, [1]) == [2]
    assert call_stream_ids(streams, [4]) == [3, 4]
    seen: list[list[int]] = []
    table.streams_selected.connect(seen.append)
    table.select_stream_ids([3])
    table.select_reverse()
    assert table.selected_stream_ids() == [3, 4]
    table.select_stream_ids([2])
    table.select_call()
    assert table.selected_stream_ids() == [1, 2]
    assert seen[-1] == [1, 2]
    table.step(1)
    assert table.selected_stream_ids() == [2]


def test_thresholds_change_the_verdict(qtbot: QtBot) -> None:
    table = _table(qtbot)
    model = table.source_model
    verdicts = [model.index(r, 0).data(VERDICT_ROLE) for r in range(4)]
    assert verdicts == [Verdict.WARN, Verdict.GOOD, Verdict.BAD, Verdict.GOOD]
    with qtbot.waitSignal(model.dataChanged):
        model.set_thresholds(Thresholds(lost_percent_warn=0.5, lost_percent_bad=1.5,
                                        max_delta_ms_warn=1000, max_delta_ms_bad=2000))
    verdicts = [model.index(r, 0).data(VERDICT_ROLE) for r in range(4)]
    assert verdicts == [Verdict.BAD, Verdict.GOOD, Verdict.WARN, Verdict.GOOD]
    assert model.index(0, Column.VERDICT).data() == "Bad"
