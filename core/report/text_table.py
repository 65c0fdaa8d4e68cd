"""A human table of RTP streams laid out like ``tshark -q -z rtp,streams``."""

from __future__ import annotations

import math

from callscope.core.model import AnalysisResult, Stream

HEADER = (
    f"{'Start time':>13} {'End time':>13} {'Src':>21} {'Dst':>21} {'SSRC':>10} "
    f"{'Payload':>12} {'Pkts':>7} {'Lost':>14} {'Min Δ(ms)':>10} {'Mean Δ(ms)':>10} "
    f"{'Max Δ(ms)':>10} {'Min J(ms)':>10} {'Mean J(ms)':>10} {'Max J(ms)':>10} Problems?"
)


def _ms(value: float) -> str:
    return f"{value:10.3f}" if math.isfinite(value) else f"{'-':>10}"


def stream_line(stream: Stream, capture_start_ns: int) -> str:
    """One stream as one table line; times in s since capture start, figures in ms."""
    s = stream.stats
    start = (stream.start_ns - capture_start_ns) / 1e9
    end = (stream.end_ns - capture_start_ns) / 1e9
    lost = f"{s.lost} ({s.lost_percent:.1f}%)"
    return (
        f"{start:13.6f} {end:13.6f} {stream.src_label:>21} {stream.dst_label:>21} "
        f"{stream.ssrc_hex:>10} {stream.codec[:12]:>12} {s.packets:7d} {lost:>14} "
        f"{_ms(s.min_delta_ms)} {_ms(s.mean_delta_ms)} {_ms(s.max_delta_ms)} "
        f"{_ms(s.min_jitter_ms)} {_ms(s.mean_jitter_ms)} {_ms(s.max_jitter_ms)} "
        f"{'X' if s.problems else ''}"
    )


def render_table(result: AnalysisResult) -> str:
    """The whole report for one capture: a title line, the table, then warnings."""
    info = result.capture
    lines = [
        f"== {info.path}  ({info.packets} frames, {info.duration_s:.3f} s, "
        f"{len(result.calls)} calls, {len(result.streams)} RTP streams)",
    ]
    if result.streams:
        lines.append(HEADER)
        lines.extend(stream_line(s, info.start_ns) for s in result.streams)
    else:
        lines.append("no RTP streams found")
    lines.extend(f"warning: {w}" for w in result.warnings)
    return "\n".join(lines)
