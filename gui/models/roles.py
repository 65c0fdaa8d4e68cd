"""Custom item-data roles shared by CallScope's models and views."""

from __future__ import annotations

from PySide6.QtCore import Qt

SORT_ROLE = int(Qt.ItemDataRole.UserRole) + 1
"""Raw value (number or plain string) a column sorts on, never the display text."""

STREAM_ID_ROLE = int(Qt.ItemDataRole.UserRole) + 2
"""The core's stream id(s) of a row: int for a stream row, list[int] for a call row."""

VERDICT_ROLE = int(Qt.ItemDataRole.UserRole) + 3
"""The row's :class:`~callscope.gui.verdict.Verdict`."""
