"""Timelines: audio placed by RTP timestamp, gaps marked, late packets dropped."""

from __future__ import annotations

import numpy as np

from callscope.core.media.decoders import decoder_for
from callscope.core.media.timeline import build_timeline
from callscope.core.model import Codec


def _stream(n: int = 10, lost: tuple[int, ...] = (), late: tuple[int, ...] = ()):
    seq = np.array([i for i in range(n) if i not in lost], np.int64)
    ts = seq * 160
    arrival = 1.0 + seq * 0.02
    for i in late:
        arrival[np.flatnonzero(seq == i)] += 0.2
    payloads = [bytes([0xD5 ^ (i & 1)]) * 160 for i in seq]
    return arrival, seq, ts, payloads


def test_packets_are_placed_by_timestamp_and_gaps_marked() -> None:
    arrival, seq, ts, payloads = _stream(lost=(3, 4))
    tl = build_timeline(decoder_for(Codec("PCMA", 8000)), arrival_s=arrival, seq=seq,
                        timestamp=ts, payloads=payloads, audio=np.ones(len(seq), bool),
                        clock_rate=8000)
    assert len(tl.samples) == 1600
    assert tl.gaps == [(480, 800)]
    assert np.all(tl.samples[480:800] == 0) and np.all(tl.samples[:480] != 0)
    assert abs(tl.start_s - 1.0) < 1e-9


def test_jitter_buffer_drops_late_packets() -> None:
    arrival, seq, ts, payloads = _stream(late=(5,))
    tl = build_timeline(decoder_for(Codec("PCMA", 8000)), arrival_s=arrival, seq=seq,
                        timestamp=ts, payloads=payloads, audio=np.ones(len(seq), bool),
                        clock_rate=8000, jitter_buffer_ms=50)
    assert tl.late_drops == 1
    assert tl.gaps == [(800, 960)]


def test_duplicates_are_decoded_once() -> None:
    arrival, seq, ts, payloads = _stream(n=4)
    arrival = np.concatenate([arrival, arrival[-1:] + 0.001])
    seq, ts = np.concatenate([seq, seq[-1:]]), np.concatenate([ts, ts[-1:]])
    tl = build_timeline(decoder_for(Codec("PCMU", 8000)), arrival_s=arrival, seq=seq,
                        timestamp=ts, payloads=[*payloads, payloads[-1]],
                        audio=np.ones(5, bool), clock_rate=8000)
    assert len(tl.samples) == 640 and tl.gaps == []
