"""One call does it all: a capture path in, calls and RTP streams with metrics out."""

from __future__ import annotations

import os

from callscope.core.analysis_payloads import analysis_payloads
from callscope.core.capture.reader import read_capture
from callscope.core.model import AnalysisResult
from callscope.core.progress import CancelToken, Progress, ProgressCallback, no_progress
from callscope.core.rtp.streams import find_streams
from callscope.core.sip.calls import build_calls
from callscope.core.sip.find import find_sip_messages


def analyze(
    path: str | os.PathLike[str],
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    series: bool = True,
    hash_thread: bool = True,
) -> AnalysisResult:
    """Read ``path`` and return its calls and RTP streams (headers only, no content).

    Raises CaptureError for an unreadable capture and CancelledError when ``cancel``
    is set; reports Progress through ``progress`` (stages: reading, signalling, streams).
    ``series=False`` skips the per-packet series (plots, content access) for reports
    that need only each stream's statistics: less memory on large captures.
    ``hash_thread=False`` hashes the file in this thread (see ``read_capture``).
    """
    report = progress or no_progress
    capture = read_capture(path, progress=report, cancel=cancel, hash_thread=hash_thread,
                           keep=analysis_payloads)  # gzip streams through memory
    try:
        report(Progress("signalling", 0, 1))
        calls = build_calls(find_sip_messages(capture))
        if cancel is not None:
            cancel.raise_if_cancelled()
        streams, warnings = find_streams(
            capture, calls, progress=report, cancel=cancel, series=series
        )
        report(Progress("done", 1, 1, streams_found=len(streams)))
    finally:
        capture.close()
    return AnalysisResult(
        capture=capture.info,
        calls=calls,
        streams=streams,
        warnings=[*capture.warnings, *warnings],
    )
