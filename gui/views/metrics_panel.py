"""Side panel with the selected streams' figures: the same numbers as ``callscope analyze``.

Values come from :func:`callscope.core.report.records.stream_record`, the record the
CLI prints; one column per selected stream so both directions read side by side.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from callscope.core.model import Stream
from callscope.core.report.records import stream_record
from callscope.gui.theme import series_colour

MAX_COLUMNS = 6


def format_value(value: Any, decimals: int = 3) -> str:
    """A record value as text: floats with fixed decimals, None/NaN as an em dash."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.{decimals}f}" if math.isfinite(value) else "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


class MetricsPanel(QTableWidget):
    """Rows are metrics, columns are the selected streams (in plot colour order)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows = self._metric_rows()
        self.setRowCount(len(self._rows))
        self.setColumnCount(0)
        self.setVerticalHeaderLabels([label for _, label, _ in self._rows])
        for i, (_, _, tip) in enumerate(self._rows):
            item = self.verticalHeaderItem(i)
            if item is not None:
                item.setToolTip(tip)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ContiguousSelection)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.setAlternatingRowColors(True)
        self.setToolTip(self.tr("The figures `callscope analyze` prints for the selected streams."))

    def _metric_rows(self) -> list[tuple[str, str, str]]:
        """(record key, label, one-sentence explanation) in reading order."""
        return [
            ("ssrc", self.tr("SSRC"), self.tr("The sender's stream identifier.")),
            ("codec", self.tr("Codec"), self.tr("Main codec of the stream.")),
            ("clock_rate", self.tr("Clock (Hz)"),
             self.tr("RTP timestamp rate; without it jitter cannot be computed.")),
            ("start_time", self.tr("Start (s)"),
             self.tr("First packet, seconds since the capture started.")),
            ("end_time", self.tr("End (s)"),
             self.tr("Last packet, seconds since the capture started.")),
            ("packets", self.tr("Packets"), self.tr("Packets received.")),
            ("expected", self.tr("Expected"),
             self.tr("Packets the sequence numbers say were sent.")),
            ("lost", self.tr("Lost"),
             self.tr("Expected minus received; negative when packets were duplicated.")),
            ("lost_percent", self.tr("Lost (%)"),
             self.tr("Share of packets lost; above about 1 % gaps become audible.")),
            ("sequence_errors", self.tr("Sequence errors"),
             self.tr("Gaps, late or repeated packets in the sequence numbering.")),
            ("duplicates", self.tr("Duplicates"), self.tr("Packets received twice.")),
            ("out_of_order", self.tr("Out of order"),
             self.tr("Packets that arrived after a later one; a jitter buffer may drop them.")),
            ("min_delta_ms", self.tr("Min delta (ms)"), self.tr("Shortest gap between packets.")),
            ("mean_delta_ms", self.tr("Mean delta (ms)"),
             self.tr("Average gap between packets, as Wireshark computes it.")),
            ("max_delta_ms", self.tr("Max delta (ms)"),
             self.tr("Longest gap between packets: the longest dropout a listener may hear.")),
            ("min_jitter_ms", self.tr("Min jitter (ms)"), self.tr("Lowest RFC 3550 jitter.")),
            ("mean_jitter_ms", self.tr("Mean jitter (ms)"),
             self.tr("Average RFC 3550 jitter, as Wireshark computes it.")),
            ("max_jitter_ms", self.tr("Max jitter (ms)"),
             self.tr("Worst RFC 3550 jitter; beyond the jitter buffer it turns into loss.")),
            ("mean_delta_ms_true", self.tr("Mean delta, true (ms)"),
             self.tr("Average gap over regular packets only (corrects Wireshark's mean).")),
            ("mean_jitter_ms_true", self.tr("Mean jitter, true (ms)"),
             self.tr("Average jitter over regular packets only (corrects Wireshark's mean).")),
            ("max_skew_ms", self.tr("Max skew (ms)"),
             self.tr("How far arrival drifted from the sender's timestamps at worst.")),
            ("clock_drift_ms", self.tr("Clock drift (ms)"),
             self.tr("Sender clock drift over the stream; large values hint at a bad clock.")),
            ("freq_drift_hz", self.tr("Freq. drift (Hz)"),
             self.tr("Sender clock frequency estimated from timestamps vs arrival.")),
            ("payload_changes", self.tr("Payload changes"),
             self.tr("Times the payload type changed (codec switch, DTMF...).")),
            ("marker_packets", self.tr("Marker packets"),
             self.tr("Packets starting a talk spurt (RTP marker bit).")),
            ("wrong_timestamps", self.tr("Wrong timestamps"),
             self.tr("Packets whose RTP timestamp went backwards.")),
            ("telephone_events", self.tr("DTMF events"),
             self.tr("RFC 4733 telephone-event packets (key presses).")),
            ("comfort_noise", self.tr("Comfort noise"),
             self.tr("Comfort-noise packets sent during silence.")),
            ("rtcp_reports", self.tr("RTCP reports"),
             self.tr("RTCP report blocks received about this stream.")),
            ("found_by", self.tr("Found by"),
             self.tr("How the stream was found: announced in SDP, or guessed heuristically.")),
            ("srtp", self.tr("SRTP"), self.tr("Encrypted media (SRTP): content cannot be read.")),
            ("problems", self.tr("Problems"),
             self.tr("Wireshark's problem flag: sequence errors, wrong timestamps or PT change.")),
        ]  # fmt: skip

    def show_streams(self, streams: list[Stream], capture_start_ns: int) -> None:
        """Fill one column per stream (at most MAX_COLUMNS)."""
        shown = streams[:MAX_COLUMNS]
        self.setColumnCount(len(shown))
        self.setHorizontalHeaderLabels([f"#{s.id}" for s in shown])
        for col, stream in enumerate(shown):
            header = self.horizontalHeaderItem(col)
            if header is not None:
                header.setForeground(series_colour(col))
                header.setToolTip(f"{stream.src_label} → {stream.dst_label}")
            record = stream_record(stream, capture_start_ns)
            for row, (key, _, tip) in enumerate(self._rows):
                decimals = 6 if key in ("start_time", "end_time") else 3
                item = QTableWidgetItem(format_value(record.get(key), decimals))
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                item.setToolTip(tip)
                self.setItem(row, col, item)

    def value(self, key: str, column: int = 0) -> str:
        """Displayed text of metric ``key`` in ``column`` (for tests and copy)."""
        for row, (k, _, _) in enumerate(self._rows):
            if k == key:
                item = self.item(row, column)
                return item.text() if item is not None else ""
        raise KeyError(key)
