"""Ground truth of synthetic RTP streams, counted from the packets actually written.

Semantics follow Wireshark 4.0's RTP Streams (``ui/tap-rtp-common.c``): ``received`` counts
every packet in the file (duplicates included), ``expected`` = last - first + 1 of the
extended sequence numbers of the first and the last packet to *arrive* (not the lowest and
highest: a late packet arriving last lowers it), ``lost`` = expected - received (negative
with duplicates). ``lost_unique`` counts the distinct numbers between the lowest and the
highest never received.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

_GROUP = np.int64(1) << np.int64(40)  # keeps each stream's extended sequence numbers apart


@dataclass(frozen=True)
class StreamTruth:
    """What a correct analyser must report for one synthetic stream."""

    index: int  # position in the generator's stream list
    ssrc: int
    src: str
    sport: int
    dst: str
    dport: int
    teid: int
    codec: str
    payload_type: int
    clock_rate: int
    ptime_ms: int
    sent: int  # packets the sender emitted (lost ones included, duplicates not)
    received: int  # packets in the capture, duplicates included
    expected: int  # last arrival's number - first arrival's + 1
    lost: int  # expected - received, Wireshark's definition
    lost_unique: int  # distinct missing sequence numbers
    duplicates: int
    out_of_order: int  # late: below the highest sequence seen so far, not a duplicate
    marker_packets: int
    first_seq: int  # lowest extended sequence number received (its low 16 bits on the wire)
    last_seq: int
    start_ns: int  # first arrival
    end_ns: int  # last arrival

    @property
    def ssrc_hex(self) -> str:
        """SSRC as ``0x1a2b3c4d``."""
        return f"0x{self.ssrc:08x}"

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (with ``ssrc_hex`` added for reading by eye)."""
        return {**asdict(self), "ssrc_hex": self.ssrc_hex}


class TruthCounter:
    """Accumulates per-stream counts over batches of written packets (arrival order)."""

    def __init__(self, streams: int) -> None:
        self.received = np.zeros(streams, dtype=np.int64)
        self.duplicates = np.zeros(streams, dtype=np.int64)
        self.late = np.zeros(streams, dtype=np.int64)
        self.markers = np.zeros(streams, dtype=np.int64)
        self.min_seq = np.full(streams, np.iinfo(np.int64).max)
        self.max_seq = np.full(streams, -1, dtype=np.int64)
        self.first_arrival = np.full(streams, -1, dtype=np.int64)  # its extended number
        self.last_arrival = np.full(streams, -1, dtype=np.int64)
        self.start_ns = np.full(streams, np.iinfo(np.int64).max)
        self.end_ns = np.zeros(streams, dtype=np.int64)

    def add(self, stream: NDArray[np.int32], ext_seq: NDArray[np.int64],
            duplicate: NDArray[np.bool_], marker: NDArray[np.bool_],
            time_ns: NDArray[np.int64]) -> None:
        """Count one batch; rows are in arrival order, batches follow each other in time."""
        count = len(self.received)
        self.received += np.bincount(stream, minlength=count)
        self.duplicates += np.bincount(stream, weights=duplicate, minlength=count).astype(np.int64)
        self.markers += np.bincount(stream, weights=marker, minlength=count).astype(np.int64)
        np.minimum.at(self.min_seq, stream, ext_seq)
        seen, first_row = np.unique(stream, return_index=True)
        new = self.first_arrival[seen] < 0
        self.first_arrival[seen[new]] = ext_seq[first_row[new]]
        seen, from_end = np.unique(stream[::-1], return_index=True)
        self.last_arrival[seen] = ext_seq[len(stream) - 1 - from_end]
        np.minimum.at(self.start_ns, stream, time_ns)
        np.maximum.at(self.end_ns, stream, time_ns)
        order = np.argsort(stream, kind="stable")
        s, seq, dup = stream[order], ext_seq[order], duplicate[order]
        key = seq + s.astype(np.int64) * _GROUP
        running = np.maximum.accumulate(key)
        before = np.empty_like(running)
        before[1:] = running[:-1]
        head = np.ones(len(s), dtype=bool)
        head[1:] = s[1:] != s[:-1]
        before[head] = self.max_seq[s[head]] + s[head].astype(np.int64) * _GROUP
        late = (key < before) & ~dup
        self.late += np.bincount(s, weights=late, minlength=count).astype(np.int64)
        np.maximum.at(self.max_seq, stream, ext_seq)

    def counts(self, index: int) -> dict[str, int]:
        """The counted fields of stream ``index`` (as StreamTruth names them)."""
        received = int(self.received[index])
        if received == 0:
            first = last = expected = span = 0
        else:
            first, last = int(self.min_seq[index]), int(self.max_seq[index])
            span = last - first + 1
            expected = int(self.last_arrival[index]) - int(self.first_arrival[index]) + 1
        unique = received - int(self.duplicates[index])
        return {
            "received": received, "expected": expected, "lost": expected - received,
            "lost_unique": span - unique, "duplicates": int(self.duplicates[index]),
            "out_of_order": int(self.late[index]), "marker_packets": int(self.markers[index]),
            "first_seq": first, "last_seq": last,
            "start_ns": int(self.start_ns[index]) if received else 0,
            "end_ns": int(self.end_ns[index]),
        }


def write_truth(path: str | Path, truths: list[StreamTruth], **meta: Any) -> None:
    """Write ``{...meta, "streams": [...]}`` as indented JSON (stable key order)."""
    doc = {**meta, "streams": [t.to_json() for t in truths]}
    Path(path).write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
