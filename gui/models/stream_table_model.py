"""The RTP streams table: Wireshark's RTP Streams columns plus a verdict.

Each cell keeps its display text (DisplayRole) apart from the raw value it sorts
on (SORT_ROLE), so "Lost" sorts by the lost percentage, not by the text "72 (2.5%)".
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRegularExpression,
    QSortFilterProxyModel,
    Qt,
)

from callscope.core.model import AnalysisResult, Stream
from callscope.gui.models.headered_table_model import HeaderedTableModel
from callscope.gui.models.roles import SORT_ROLE, STREAM_ID_ROLE, VERDICT_ROLE
from callscope.gui.theme import verdict_dot, verdict_tint
from callscope.gui.verdict import Reason, StreamVerdict, Thresholds, Verdict, judge

Index = QModelIndex | QPersistentModelIndex


class Column(IntEnum):
    """Columns of the streams table, in display order."""

    VERDICT = 0
    SOURCE = 1
    DESTINATION = 2
    SSRC = 3
    PAYLOAD = 4
    PACKETS = 5
    LOST = 6
    MIN_DELTA = 7
    MEAN_DELTA = 8
    MAX_DELTA = 9
    MIN_JITTER = 10
    MEAN_JITTER = 11
    MAX_JITTER = 12
    PROBLEMS = 13


def format_ms(value: float) -> str:
    """Milliseconds with 3 decimals as tshark prints them; an em dash when unknown."""
    return f"{value:.3f}" if math.isfinite(value) else "—"


def _sort_float(value: float) -> float:
    # NaN breaks ordering: unknown values sort before every number.
    return value if math.isfinite(value) else -math.inf


def payload_text(stream: Stream) -> str:
    """Main codec and every payload type seen, e.g. ``PCMA (8, 101)``."""
    pts = ", ".join(str(pt) for pt in stream.payload_types)
    return f"{stream.codec} ({pts})" if stream.codec else f"PT {pts}"


@dataclass(frozen=True)
class _Row:
    stream: Stream
    verdict: StreamVerdict


class StreamTableModel(HeaderedTableModel):
    """Rows are the streams of one AnalysisResult, in the core's order (stream id)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[_Row] = []
        self._limits = Thresholds()
        self._headers = self._header_texts()
        self._tips = self._header_tips()

    # -- texts (direct self.tr calls so lupdate extracts them) ----------------------
    def _header_texts(self) -> list[str]:
        return [
            self.tr("Verdict"), self.tr("Source"), self.tr("Destination"), self.tr("SSRC"),
            self.tr("Payload"), self.tr("Packets"), self.tr("Lost"),
            self.tr("Min delta\n(ms)"), self.tr("Mean delta\n(ms)"), self.tr("Max delta\n(ms)"),
            self.tr("Min jitter\n(ms)"), self.tr("Mean jitter\n(ms)"),
            self.tr("Max jitter\n(ms)"),
            self.tr("Problems"),
        ]  # fmt: skip

    def _header_tips(self) -> list[str]:
        return [
            self.tr("Good, warning or bad, from the loss, jitter and delta thresholds "
                    "(View → Verdict Thresholds)."),
            self.tr("Sender of this one-way stream (IP address:UDP port)."),
            self.tr("Receiver of this one-way stream (IP address:UDP port)."),
            self.tr("Synchronisation source: the sender's random identifier; it changes "
                    "when a device restarts the stream."),
            self.tr("Codec of the stream and every RTP payload type number seen in it."),
            self.tr("RTP packets received in the capture for this stream."),
            self.tr("Packets that never arrived (expected minus received) and their share; "
                    "above about 1 % a listener hears gaps."),
            self.tr("Shortest time between two consecutive packets; much below the packet "
                    "interval means packets arrived bunched together."),
            self.tr("Average time between consecutive packets, normally the packet interval "
                    "(e.g. 20 ms)."),
            self.tr("Longest silence between two packets; a long one is a gap the listener "
                    "may hear as a dropout."),
            self.tr("Smallest RFC 3550 interarrival jitter: how regular the arrival times "
                    "were at best."),
            self.tr("Average RFC 3550 jitter: the typical irregularity a jitter buffer must "
                    "absorb."),
            self.tr("Worst RFC 3550 jitter; above the jitter buffer's depth, late packets "
                    "are discarded and heard as loss."),
            self.tr("X when Wireshark would flag the stream: sequence errors, wrong "
                    "timestamps or payload type changes."),
        ]  # fmt: skip

    def _reason_text(self, reason: Reason) -> str:
        if reason == Reason.LOSS:
            return self.tr("packet loss above the limit")
        if reason == Reason.JITTER:
            return self.tr("maximum jitter above the limit")
        return self.tr("maximum delta above the limit")

    def _verdict_text(self, level: Verdict) -> str:
        if level == Verdict.BAD:
            return self.tr("Bad")
        if level == Verdict.WARN:
            return self.tr("Warning")
        return self.tr("Good")

    # -- content ---------------------------------------------------------------------
    def set_result(self, result: AnalysisResult | None) -> None:
        """Show the streams of ``result`` (or nothing)."""
        self.beginResetModel()
        streams = result.streams if result is not None else []
        self._rows = [_Row(s, judge(s.stats, self._limits)) for s in streams]
        self.endResetModel()

    def set_thresholds(self, limits: Thresholds) -> None:
        """Re-judge every stream with new limits (only verdict data changes)."""
        self._limits = limits
        self._rows = [_Row(r.stream, judge(r.stream.stats, limits)) for r in self._rows]
        if self._rows:
            last = self.index(len(self._rows) - 1, len(Column) - 1)
            self.dataChanged.emit(self.index(0, 0), last)

    @property
    def thresholds(self) -> Thresholds:
        """The limits the verdicts are computed with."""
        return self._limits

    def stream_at(self, row: int) -> Stream:
        """The stream shown in ``row`` (source-model row)."""
        return self._rows[row].stream

    def verdict_at(self, row: int) -> StreamVerdict:
        """The verdict of ``row``."""
        return self._rows[row].verdict

    def row_of(self, stream_id: int) -> int:
        """Source-model row of a stream id (-1 if absent)."""
        for i, r in enumerate(self._rows):
            if r.stream.id == stream_id:
                return i
        return -1

    # -- Qt model API ------------------------------------------------------------------
    def row_total(self) -> int:
        return len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        col = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, col)
        if role == SORT_ROLE:
            return self._sort_value(row, col)
        if role == STREAM_ID_ROLE:
            return row.stream.id
        if role == VERDICT_ROLE:
            return row.verdict.level
        if role == Qt.ItemDataRole.BackgroundRole:
            return verdict_tint(row.verdict.level)
        if role == Qt.ItemDataRole.DecorationRole and col == Column.VERDICT:
            return verdict_dot(row.verdict.level)
        if role == Qt.ItemDataRole.TextAlignmentRole and col >= Column.PACKETS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, col)
        return None

    def _display(self, row: _Row, col: Column) -> str:
        s, st = row.stream, row.stream.stats
        texts: dict[Column, Callable[[], str]] = {
            Column.VERDICT: lambda: self._verdict_text(row.verdict.level),
            Column.SOURCE: lambda: s.src_label,
            Column.DESTINATION: lambda: s.dst_label,
            Column.SSRC: lambda: s.ssrc_hex,
            Column.PAYLOAD: lambda: payload_text(s),
            Column.PACKETS: lambda: str(st.packets),
            Column.LOST: lambda: f"{st.lost} ({st.lost_percent:.1f}%)",
            Column.MIN_DELTA: lambda: format_ms(st.min_delta_ms),
            Column.MEAN_DELTA: lambda: format_ms(st.mean_delta_ms),
            Column.MAX_DELTA: lambda: format_ms(st.max_delta_ms),
            Column.MIN_JITTER: lambda: format_ms(st.min_jitter_ms),
            Column.MEAN_JITTER: lambda: format_ms(st.mean_jitter_ms),
            Column.MAX_JITTER: lambda: format_ms(st.max_jitter_ms),
            Column.PROBLEMS: lambda: "X" if st.problems else "",
        }
        return texts[col]()

    def _sort_value(self, row: _Row, col: Column) -> Any:
        s, st = row.stream, row.stream.stats
        values: dict[Column, Callable[[], Any]] = {
            Column.VERDICT: lambda: int(row.verdict.level),
            Column.SOURCE: lambda: s.src_label,
            Column.DESTINATION: lambda: s.dst_label,
            Column.SSRC: lambda: s.ssrc,
            Column.PAYLOAD: lambda: payload_text(s),
            Column.PACKETS: lambda: st.packets,
            Column.LOST: lambda: _sort_float(st.lost_percent),
            Column.MIN_DELTA: lambda: _sort_float(st.min_delta_ms),
            Column.MEAN_DELTA: lambda: _sort_float(st.mean_delta_ms),
            Column.MAX_DELTA: lambda: _sort_float(st.max_delta_ms),
            Column.MIN_JITTER: lambda: _sort_float(st.min_jitter_ms),
            Column.MEAN_JITTER: lambda: _sort_float(st.mean_jitter_ms),
            Column.MAX_JITTER: lambda: _sort_float(st.max_jitter_ms),
            Column.PROBLEMS: lambda: int(st.problems),
        }
        return values[col]()

    def _tooltip(self, row: _Row, col: Column) -> str | None:
        st = row.stream.stats
        if col == Column.VERDICT:
            if not row.verdict.reasons:
                return self.tr("Loss, jitter and delta are within the limits.")
            return "; ".join(self._reason_text(r) for r in row.verdict.reasons)
        if col == Column.PROBLEMS and st.problems:
            return self.tr(
                "Sequence errors: {0}, wrong timestamps: {1}, payload changes: {2}"
            ).format(st.sequence_errors, st.wrong_timestamps, st.payload_changes)
        if col == Column.MAX_DELTA and math.isfinite(st.max_delta_ms):
            return self.tr("Longest gap ends at frame {0}").format(st.max_delta_frame)
        return self._tips[col]


class StreamFilterProxy(QSortFilterProxyModel):
    """Sorts on SORT_ROLE and keeps rows whose text in any column contains the filter."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setFilterKeyColumn(-1)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

    def set_filter_text(self, text: str) -> None:
        """Show only rows containing ``text`` (case-insensitive) in some column."""
        pattern = QRegularExpression(
            QRegularExpression.escape(text.strip()),
            QRegularExpression.PatternOption.CaseInsensitiveOption,
        )
        self.setFilterRegularExpression(pattern)
