"""Analysis results as plain dicts: the documented JSON schema, also the CSV columns.

Times are seconds since the capture's first frame (as tshark prints them), durations
in ms, SSRC as ``"0x1a2b3c4d"``. Parties are masked upstream; nothing here is content.
"""

from __future__ import annotations

import math
from typing import Any

from callscope.core.model import AnalysisResult, Call, CaptureInfo, Stream

SCHEMA_VERSION = 1

STREAM_FIELDS: tuple[str, ...] = (
    "id", "ssrc", "src", "dst", "transport", "teid", "payload_types", "codec", "clock_rate",
    "call_id", "found_by", "start_time", "end_time", "packets", "expected", "lost",
    "lost_percent", "sequence_errors", "min_delta_ms", "mean_delta_ms", "max_delta_ms",
    "min_jitter_ms", "mean_jitter_ms", "max_jitter_ms", "mean_delta_ms_true",
    "mean_jitter_ms_true", "max_skew_ms", "clock_drift_ms", "freq_drift_hz", "payload_changes",
    "marker_packets", "wrong_timestamps", "duplicates", "out_of_order", "telephone_events",
    "comfort_noise", "rtcp_reports", "problems", "srtp",
)
"""Per-stream fields, in JSON order and as CSV columns."""


def _num(value: float) -> float | None:
    """A finite float for JSON, or None (JSON has no NaN/inf)."""
    return value if math.isfinite(value) else None


def capture_record(info: CaptureInfo) -> dict[str, Any]:
    """The ``capture`` object of the JSON report."""
    return {
        "path": info.path,
        "sha256": info.sha256,
        "size_bytes": info.size_bytes,
        "packets": info.packets,
        "link_types": list(info.link_types),
        "start_time": info.start_time if info.packets else None,
        "duration_s": info.duration_s,
    }


def stream_record(stream: Stream, capture_start_ns: int) -> dict[str, Any]:
    """One stream as a flat dict with exactly :data:`STREAM_FIELDS`."""
    s = stream.stats
    rec: dict[str, Any] = {
        "id": stream.id,
        "ssrc": stream.ssrc_hex,
        "src": stream.src_label,
        "dst": stream.dst_label,
        "transport": stream.transport,
        "teid": stream.teid or None,
        "payload_types": list(stream.payload_types),
        "codec": stream.codec,
        "clock_rate": stream.clock_rate,
        "call_id": stream.call_id,
        "found_by": stream.found_by,
        "start_time": (stream.start_ns - capture_start_ns) / 1e9,
        "end_time": (stream.end_ns - capture_start_ns) / 1e9,
        "packets": s.packets,
        "expected": s.expected,
        "lost": s.lost,
        "lost_percent": _num(s.lost_percent),
        "sequence_errors": s.sequence_errors,
        "min_delta_ms": _num(s.min_delta_ms),
        "mean_delta_ms": _num(s.mean_delta_ms),
        "max_delta_ms": _num(s.max_delta_ms),
        "min_jitter_ms": _num(s.min_jitter_ms),
        "mean_jitter_ms": _num(s.mean_jitter_ms),
        "max_jitter_ms": _num(s.max_jitter_ms),
        "mean_delta_ms_true": _num(s.mean_delta_ms_true),
        "mean_jitter_ms_true": _num(s.mean_jitter_ms_true),
        "max_skew_ms": _num(s.max_skew_ms),
        "clock_drift_ms": _num(s.clock_drift_ms),
        "freq_drift_hz": _num(s.freq_drift_hz),
        "payload_changes": s.payload_changes,
        "marker_packets": s.marker_packets,
        "wrong_timestamps": s.wrong_timestamps,
        "duplicates": s.duplicates,
        "out_of_order": s.out_of_order,
        "telephone_events": stream.telephone_events,
        "comfort_noise": stream.comfort_noise,
        "rtcp_reports": len(stream.rtcp),
        "problems": s.problems,
        "srtp": stream.srtp,
    }
    return rec


def call_record(call: Call, capture_start_ns: int) -> dict[str, Any]:
    """One call: masked parties, state, times relative to the capture start."""
    codecs = sorted({c.name for m in call.media for c in m.codecs.values()})
    return {
        "call_id": call.call_id,
        "from": call.from_party,
        "to": call.to_party,
        "state": call.state,
        "protocol": call.protocol,
        "transport": call.transport,
        "start_time": (call.start_ns - capture_start_ns) / 1e9,
        "end_time": (call.end_ns - capture_start_ns) / 1e9,
        "duration_s": (call.end_ns - call.start_ns) / 1e9,
        "messages": call.messages,
        "codecs": codecs,
        "streams": list(call.stream_ids),
    }


def result_record(result: AnalysisResult) -> dict[str, Any]:
    """The whole JSON report of one capture (schema documented in README)."""
    start = result.capture.start_ns
    return {
        "schema": SCHEMA_VERSION,
        "capture": capture_record(result.capture),
        "calls": [call_record(c, start) for c in result.calls],
        "streams": [stream_record(s, start) for s in result.streams],
        "warnings": list(result.warnings),
    }
