"""RTCP builders: packet layout, signed loss, NTP time and the RFC 3550 jitter."""

from __future__ import annotations

import struct

import numpy as np

from callscope.core.synth.rtcp import (
    ReceptionState,
    ReportBlock,
    interarrival_jitter,
    ntp_middle,
    ntp_time,
    receiver_report,
    reception_block,
)


def test_jitter_equals_the_rfc3550_recurrence() -> None:
    rng = np.random.default_rng(1)
    send = np.arange(2000, dtype=np.int64) * 20_000_000
    arrival = send + 30_000_000 + (np.abs(rng.normal(0, 3e6, 2000))).astype(np.int64)
    j = 0.0
    for i in range(1, 2000):  # RFC 3550 §6.4.1, in timestamp units at 8 kHz
        d = ((arrival[i] - arrival[i - 1]) - (send[i] - send[i - 1])) * 8000 / 1e9
        j += (abs(d) - j) / 16
    assert abs(interarrival_jitter(arrival, send, 8000) - j) < 1e-9 * max(j, 1)
    assert interarrival_jitter(arrival[:1], send[:1], 8000) == 0.0


def test_receiver_report_layout_and_negative_loss() -> None:
    block = ReportBlock(ssrc=0xCAFE, fraction_lost=12, cumulative_lost=-3,
                        highest_seq=0x1_0005, jitter=40, lsr=7, dlsr=9)
    pkt = receiver_report(0xBEEF, [block])
    head, pt, words = struct.unpack_from("!BBH", pkt)
    assert (head, pt, len(pkt)) == (0x81, 201, 4 * (words + 1)) and len(pkt) == 32
    sender, ssrc, lost, highest, jitter, lsr, dlsr = struct.unpack_from("!7I", pkt, 4)
    assert (sender, ssrc, lost >> 24, lost & 0xFFFFFF) == (0xBEEF, 0xCAFE, 12, 0xFFFFFD)
    assert (highest, jitter, lsr, dlsr) == (0x1_0005, 40, 7, 9)


def test_ntp_time_and_reception_block() -> None:
    assert ntp_time(0) == (2_208_988_800, 0)
    assert ntp_time(1_500_000_000) == (2_208_988_801, 1 << 31)
    assert ntp_middle(1_500_000_000) == ((2_208_988_801 & 0xFFFF) << 16) | 0x8000
    ext = np.array([10, 11, 13, 14, 14], dtype=np.int64)  # 12 lost, 14 duplicated
    arrival = np.arange(5, dtype=np.int64) * 20_000_000
    dup = np.array([False, False, False, False, True])
    state = ReceptionState()
    b = reception_block(1, arrival, arrival - 5_000_000, ext, dup, 8000, 10**9, state)
    assert (b.cumulative_lost, b.highest_seq, b.fraction_lost, b.lsr) == (0, 14, 0, 0)
    first = reception_block(1, arrival, arrival, ext, dup, 8000, 30_000_000, ReceptionState())
    assert first.cumulative_lost == 0 and first.fraction_lost == 0 and first.highest_seq == 11
    third = reception_block(1, arrival[:3], arrival[:3], ext[:3], dup[:3], 8000, 10**9,
                            ReceptionState())
    assert third.cumulative_lost == 1 and third.fraction_lost == 256 // 4
