"""Streams as CSV: one row per stream, the JSON stream fields as columns."""

from __future__ import annotations

import csv
import io

from callscope.core.model import AnalysisResult
from callscope.core.report.records import STREAM_FIELDS, stream_record


def render_csv(results: list[AnalysisResult], *, header: bool = True) -> str:
    """CSV text; a first ``capture`` column names the file each stream comes from."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if header:
        writer.writerow(["capture", *STREAM_FIELDS])
    for result in results:
        for stream in result.streams:
            rec = stream_record(stream, result.capture.start_ns)
            row = [result.capture.path]
            for name in STREAM_FIELDS:
                value = rec[name]
                if isinstance(value, list):
                    value = " ".join(str(v) for v in value)
                elif value is None:
                    value = ""
                row.append(value)
            writer.writerow(row)
    return out.getvalue()
