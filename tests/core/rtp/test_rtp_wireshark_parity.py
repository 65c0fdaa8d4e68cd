"""End to end: ``analyze()`` of every corpus capture against tshark 4.0.17's readings.

For every capture with a reference in ``reference/``: the same streams (source,
destination, SSRC), packets and lost exactly equal, start/end within 1 µs, min/mean/max
delta and jitter within 0.01 ms, the same Problems? flag. Signalled streams are checked
against tshark's default run, the others against its rtp_udp heuristic run.
Known divergences are listed below with their reason; nothing is skipped silently.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import wireshark_reference
from test_rtp_streams import DIFFERENT_COUNT, EXTRA_IN_OURS, MISSING_FROM_OURS

from callscope.core.analysis import analyze
from callscope.core.errors import CaptureError
from callscope.core.model import Stream

TOLERANCE_MS = 0.01

METRIC_DIVERGENCES: dict[str, str] = {
    "sip-t38-fax-g711a-cn-loss_FAX-Call-t38-CA-TDM-SIP-FB-1.pcap": (
        "stream 0x0EAF0EAF: Wireshark turns 10.23.1.52:16756 to T.38 on a declined "
        "re-INVITE and a MEGACO SDP, then counts only 1838 of its 3848 RTP packets "
        "(packet-sdp.c sets up the UDPTL conversation before the 488 answer); we keep "
        "RTP, so every figure of that stream differs by construction"
    ),
}
"""Captures where a stream's figures differ from tshark's, with the reason."""


def _capture_names(corpus: Path) -> list[str]:
    return sorted(
        p.name.removesuffix(".rtp_streams.txt")
        for p in (corpus / "reference").glob("*.rtp_streams.txt")
    )


def _close(ours: float, theirs: float) -> bool:
    return abs(ours - theirs) <= TOLERANCE_MS


def _compare(name: str, ours: Stream, ref: wireshark_reference.ReferenceStream,
             start_ns: int) -> list[str]:
    s = ours.stats
    problems = []
    if (s.packets, s.lost) != (ref.packets, ref.lost):
        problems.append(f"packets/lost {s.packets}/{s.lost} vs {ref.packets}/{ref.lost}")
    start = (ours.start_ns - start_ns) / 1e9
    end = (ours.end_ns - start_ns) / 1e9
    if abs(start - ref.start_s) > 1e-6 or abs(end - ref.end_s) > 1e-6:
        problems.append(f"start/end {start:.6f}/{end:.6f} vs {ref.start_s}/{ref.end_s}")
    pairs = {
        "min_delta": (s.min_delta_ms, ref.min_delta_ms),
        "mean_delta": (s.mean_delta_ms, ref.mean_delta_ms),
        "max_delta": (s.max_delta_ms, ref.max_delta_ms),
        "min_jitter": (s.min_jitter_ms, ref.min_jitter_ms),
        "mean_jitter": (s.mean_jitter_ms, ref.mean_jitter_ms),
        "max_jitter": (s.max_jitter_ms, ref.max_jitter_ms),
    }
    for label, (mine, theirs) in pairs.items():
        mine = 0.0 if math.isnan(mine) else mine  # tshark prints 0.000 where nothing counted
        if not _close(mine, theirs):
            problems.append(f"{label} {mine:.4f} vs {theirs:.3f}")
    if s.problems != ref.problems:
        problems.append(f"problems flag {s.problems} vs {ref.problems}")
    return [f"{name} {ours.ssrc_hex} {ours.src_label}->{ours.dst_label}: {p}" for p in problems]


@pytest.mark.corpus
def test_every_corpus_stream_matches_tshark(corpus: Path) -> None:
    names = _capture_names(corpus)
    assert len(names) >= 40
    assert _check(corpus, names) >= 100


def test_every_bundled_stream_matches_tshark(data_dir: Path) -> None:
    """The permissively licensed captures copied into tests/data (no corpus needed)."""
    names = _capture_names(data_dir)
    assert len(names) >= 14
    assert _check(data_dir, names) >= 25


def _check(folder: Path, names: list[str]) -> int:
    """Compare every capture; return how many streams were compared."""
    corpus = folder
    failures: list[str] = []
    compared = 0
    for name in names:
        default, heuristic = wireshark_reference.load(corpus, name)
        refs = {r.key: r for r in heuristic} | {r.key: r for r in default}
        try:
            result = analyze(corpus / name)
        except CaptureError:
            assert not refs, name
            continue
        for key in {**EXTRA_IN_OURS.get(name, {}), **MISSING_FROM_OURS.get(name, {})}:
            refs.pop(key, None)
        for stream in result.streams:
            key = (stream.src, stream.sport, stream.dst, stream.dport, stream.ssrc)
            ref = refs.pop(key, None)
            if ref is None:
                assert key in EXTRA_IN_OURS.get(name, {}), (name, key)
                continue
            found = _compare(name, stream, ref, result.capture.start_ns)
            if found and name in METRIC_DIVERGENCES and key in DIFFERENT_COUNT.get(name, {}):
                continue
            failures.extend(found)
            compared += 1
        assert not refs, (name, sorted(refs))
    assert failures == []
    return compared
