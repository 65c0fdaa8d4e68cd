"""Strict validation of unsignalled RTP candidate streams."""

from __future__ import annotations

import numpy as np
from rtp_factory import Builder, rtp, stream_of

from callscope.core.capture.table import PacketTable
from callscope.core.rtp.grouping import group_streams
from callscope.core.rtp.header import parse_headers
from callscope.core.rtp.heuristic import MIN_PACKETS, conversation_ids, validate_groups
from callscope.core.rtp.stream_build import StreamColumns


def _verdicts(b: Builder) -> dict[int, bool]:
    """SSRC → accepted, for a capture of candidate rows only."""
    table = b.table()
    header = parse_headers(table)
    groups = group_streams(table, np.arange(len(table), dtype=np.int64), header.ssrc)
    ordered = StreamColumns.gather(table, header, np.zeros(len(table), np.int64), groups.rows)
    ok = validate_groups(groups, ordered)
    return {int(header.ssrc[groups.members(g)[0]]): bool(ok[g]) for g in range(len(groups))}


def test_a_regular_stream_passes_and_a_too_short_one_does_not() -> None:
    b = Builder()
    stream_of(b, "10.0.0.1", 4000, "10.0.0.2", 5000, 0x11, 50)
    stream_of(b, "10.0.0.1", 4002, "10.0.0.2", 5002, 0x22, MIN_PACKETS - 1)
    stream_of(b, "10.0.0.1", 4004, "10.0.0.2", 5004, 0x33, MIN_PACKETS)
    assert _verdicts(b) == {0x11: True, 0x22: False, 0x33: True}


def test_duplicates_reordering_loss_and_silence_are_tolerated() -> None:
    b = Builder()
    t = 0.0
    for seq in [1, 1, 2, 2, 3, 5, 4, 6, 7, 40, 41, 42]:  # dups, reorder, loss of 32
        t += 0.02 if seq != 40 else 5.0  # 5 s silence before 40 (DTX)
        b.add("10.0.0.1", 4000, "10.0.0.2", 5000, rtp(seq, seq * 160, 0x44), t)
    assert _verdicts(b) == {0x44: True}


def test_counters_without_timestamps_and_random_timestamps_are_refused() -> None:
    rng = np.random.default_rng(3)
    b = Builder()
    for i in range(30):  # sequence-like counter but random 32-bit "timestamps"
        b.add("10.0.0.1", 4000, "10.0.0.2", 5000,
              rtp(i, int(rng.integers(0, 2**32)), 0x55), i * 0.02)
    for i in range(30):  # constant "sequence" (e.g. DNS flags 0x0100) and "SSRC"
        b.add("10.0.0.1", 4100, "10.0.0.2", 5100, rtp(0x0100, 1, 0x66), i * 0.02)
    for i in range(30):  # sequence jumping around like a random 16-bit ID
        b.add("10.0.0.1", 4200, "10.0.0.2", 5200,
              rtp(int(rng.integers(0, 65536)), i * 160, 0x77), i * 0.02)
    assert _verdicts(b) == {0x55: False, 0x66: False, 0x77: False}


def test_payload_type_flapping_is_refused_but_dtmf_bursts_are_not() -> None:
    b = Builder()
    for i in range(40):
        b.add("10.0.0.1", 4000, "10.0.0.2", 5000, rtp(i, i * 160, 0x88, i % 5), i * 0.02)
    for i in range(40):
        pt = 101 if 10 <= i < 16 else 0
        b.add("10.0.0.1", 4100, "10.0.0.2", 5100, rtp(i, i * 160, 0x99, pt), i * 0.02)
    assert _verdicts(b) == {0x88: False, 0x99: True}


def test_timestamps_faster_than_any_clock_are_refused() -> None:
    b = Builder()
    for i in range(20):  # 10 M ticks per 20 ms packet
        b.add("10.0.0.1", 4000, "10.0.0.2", 5000, rtp(i, i * 10_000_000, 0xAB), i * 0.02)
    for i in range(20):  # padding probes: constant timestamp 0
        b.add("10.0.0.1", 4100, "10.0.0.2", 5100, rtp(i, 0, 0xAC), i * 0.001)
    assert _verdicts(b) == {0xAB: False, 0xAC: True}


def _conv(table: PacketTable) -> list[int]:
    return conversation_ids(table, np.arange(len(table), dtype=np.int64)).tolist()


def test_conversations_ignore_direction() -> None:
    b = Builder()
    b.add("10.0.0.1", 4000, "10.0.0.2", 5000, b"x", 0.0)
    b.add("10.0.0.2", 5000, "10.0.0.1", 4000, b"x", 0.1)
    b.add("10.0.0.2", 5000, "10.0.0.1", 4002, b"x", 0.2)
    ids = _conv(b.table())
    assert ids[0] == ids[1] != ids[2]
