"""Parse tshark's ``-q -z rtp,streams`` text output (the corpus's reference/ files).

A plain helper module for the RTP tests, not a test itself. Columns: start, end,
source address and port, destination address and port, SSRC, payload names
(may contain spaces: ``g711A, telephone-event``), packets, lost ``N (p%)``,
min/mean/max delta (ms), min/mean/max jitter (ms), and an ``X`` for problems.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ReferenceStream:
    """One row of tshark's RTP Streams table."""

    start_s: float
    end_s: float
    src: str
    sport: int
    dst: str
    dport: int
    ssrc: int
    payload: str
    packets: int
    lost: int
    lost_percent: float
    min_delta_ms: float
    mean_delta_ms: float
    max_delta_ms: float
    min_jitter_ms: float
    mean_jitter_ms: float
    max_jitter_ms: float
    problems: bool

    @property
    def key(self) -> tuple[str, int, str, int, int]:
        """(src, sport, dst, dport, ssrc): how tshark tells streams apart."""
        return (self.src, self.sport, self.dst, self.dport, self.ssrc)


def parse_line(line: str) -> ReferenceStream:
    """One data row; raises ValueError if it is not one."""
    tokens = line.split()
    problems = tokens[-1] == "X"
    if problems:
        tokens = tokens[:-1]
    if len(tokens) < 17:
        raise ValueError(f"not an RTP stream row: {line!r}")
    numbers = [float(t) for t in tokens[-6:]]
    percent = tokens[-7]
    if not (percent.startswith("(") and percent.endswith("%)")):
        raise ValueError(f"unexpected lost column in {line!r}")
    return ReferenceStream(
        start_s=float(tokens[0]),
        end_s=float(tokens[1]),
        src=tokens[2],
        sport=int(tokens[3]),
        dst=tokens[4],
        dport=int(tokens[5]),
        ssrc=int(tokens[6], 16),
        payload=" ".join(tokens[7:-9]),
        packets=int(tokens[-9]),
        lost=int(tokens[-8]),
        lost_percent=float(percent[1:-2]),
        min_delta_ms=numbers[0],
        mean_delta_ms=numbers[1],
        max_delta_ms=numbers[2],
        min_jitter_ms=numbers[3],
        mean_jitter_ms=numbers[4],
        max_jitter_ms=numbers[5],
        problems=problems,
    )


def parse_text(text: str) -> list[ReferenceStream]:
    """Every stream row of one tshark output, in the file's order."""
    streams = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("=") or stripped.startswith("Start time"):
            continue
        streams.append(parse_line(stripped))
    return streams


def reference_files(corpus: Path, capture_name: str) -> tuple[Path, Path | None]:
    """(default reference, heuristic reference or None) of one capture."""
    base = corpus / "reference" / f"{capture_name}.rtp_streams.txt"
    heuristic = corpus / "reference" / f"{capture_name}.rtp_streams_heuristic.txt"
    return base, heuristic if heuristic.exists() else None


def load(corpus: Path, capture_name: str) -> tuple[list[ReferenceStream], list[ReferenceStream]]:
    """(default streams, heuristic streams) of one capture; heuristic = default if absent."""
    base, heuristic = reference_files(corpus, capture_name)
    default = parse_text(base.read_text()) if base.exists() else []
    with_heuristic = parse_text(heuristic.read_text()) if heuristic is not None else default
    return default, with_heuristic
