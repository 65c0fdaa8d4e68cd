"""The calls table: one row per SIP dialog, parties masked by the core."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt

from callscope.core.model import AnalysisResult, Call
from callscope.gui.models.headered_table_model import HeaderedTableModel
from callscope.gui.models.roles import SORT_ROLE, STREAM_ID_ROLE

Index = QModelIndex | QPersistentModelIndex


class CallColumn(IntEnum):
    """Columns of the calls table."""

    FROM = 0
    TO = 1
    START = 2
    DURATION = 3
    CODECS = 4
    STATE = 5
    STREAMS = 6


def call_codecs(call: Call) -> str:
    """Codec names announced in the call's SDP, without duplicates, in offer order."""
    names: list[str] = []
    for media in call.media:
        for pt in media.payload_types:
            codec = media.codecs.get(pt)
            if codec is not None and codec.name not in names:
                names.append(codec.name)
    return ", ".join(names)


class CallTableModel(HeaderedTableModel):
    """Rows are the calls of one AnalysisResult; times relative to the capture start."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._calls: list[Call] = []
        self._origin_ns = 0
        self._headers = [
            self.tr("From"), self.tr("To"), self.tr("Start (s)"), self.tr("Duration"),
            self.tr("Codecs"), self.tr("State"), self.tr("Streams"),
        ]  # fmt: skip
        self._tips = [
            self.tr("Caller, masked: only the last digits stay readable."),
            self.tr("Callee, masked: only the last digits stay readable."),
            self.tr("First SIP message of the call, in seconds since the capture started."),
            self.tr("Time from the first to the last SIP message of the call."),
            self.tr("Codecs offered or answered in SDP."),
            self.tr("How far the call got: set up, ringing, in call, completed, rejected..."),
            self.tr("RTP streams that belong to this call (both directions)."),
        ]  # fmt: skip

    def set_result(self, result: AnalysisResult | None) -> None:
        """Show the calls of ``result`` (or nothing)."""
        self.beginResetModel()
        self._calls = list(result.calls) if result is not None else []
        self._origin_ns = result.capture.start_ns if result is not None else 0
        self.endResetModel()

    def call_at(self, row: int) -> Call:
        """The call shown in ``row``."""
        return self._calls[row]

    def row_total(self) -> int:
        return len(self._calls)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        call = self._calls[index.row()]
        col = CallColumn(index.column())
        start_s = (call.start_ns - self._origin_ns) / 1e9
        duration_s = (call.end_ns - call.start_ns) / 1e9
        if role == Qt.ItemDataRole.DisplayRole:
            texts = {
                CallColumn.FROM: call.from_party,
                CallColumn.TO: call.to_party,
                CallColumn.START: f"{start_s:.3f}",
                CallColumn.DURATION: _duration_text(duration_s),
                CallColumn.CODECS: call_codecs(call),
                CallColumn.STATE: call.state,
                CallColumn.STREAMS: str(len(call.stream_ids)),
            }
            return texts[col]
        if role == SORT_ROLE:
            values: dict[CallColumn, Any] = {
                CallColumn.FROM: call.from_party,
                CallColumn.TO: call.to_party,
                CallColumn.START: start_s,
                CallColumn.DURATION: duration_s,
                CallColumn.CODECS: call_codecs(call),
                CallColumn.STATE: call.state,
                CallColumn.STREAMS: len(call.stream_ids),
            }
            return values[col]
        if role == STREAM_ID_ROLE:
            return list(call.stream_ids)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == CallColumn.START:
                t = datetime.fromtimestamp(call.start_ns / 1e9, tz=UTC)
                return t.strftime("%Y-%m-%d %H:%M:%S.%f UTC")
            return self._tips[col]
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (
            CallColumn.START, CallColumn.DURATION, CallColumn.STREAMS
        ):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


def _duration_text(seconds: float) -> str:
    """``m:ss.s`` for a call duration."""
    minutes, secs = divmod(max(seconds, 0.0), 60.0)
    return f"{int(minutes)}:{secs:04.1f}"
