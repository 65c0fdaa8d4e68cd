"""Sequence extension, Wireshark 4.0's sequence errors and expected count, our order counts."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callscope.core.rtp.sequence import (
    order_counts,
    unwrap,
    wireshark_expected,
    wireshark_sequence_flags,
)


def loop_flags(seq: list[int], in_time: list[bool]) -> tuple[list[bool], list[bool]]:
    """rtppacket_analyse's four sequence branches, packet by packet."""
    good = seq[0]
    errors, advances = [False], [True]
    for s, t in zip(seq[1:], in_time[1:], strict=True):
        if t and (good + 1 == s or (good == 65535 and s == 0)):
            good, err, adv = s, False, True
        elif t and (good + 1 < s or good - s > 0xFF00):
            good, err, adv = s, True, True
        else:
            err, adv = good + 1 > s, False
        errors.append(err)
        advances.append(adv)
    return errors, advances


def loop_expected(seq: list[int], in_time: list[bool]) -> int:
    first, stop, cycles, under = seq[0], seq[0], 0, False
    for s, t in zip(seq[1:], in_time[1:], strict=True):
        if t and not under and (s < first or (s == 0 and stop == 65535)):
            cycles, under = cycles + 1, True
        elif t and under and s > first:
            under = False
        stop = s
    return stop + cycles * 65536 - first + 1


STEP = st.one_of(st.just(1), st.just(1), st.just(1), st.just(1), st.integers(-3, 5),
                 st.integers(-300, 300), st.integers(-65535, 65535))


@st.composite
def sequences(draw: st.DrawFn) -> tuple[list[int], list[bool]]:
    """Sequence numbers with losses, late/duplicate packets, wraps and wild jumps."""
    s = draw(st.sampled_from([0, 65535, 65400, 30000]) | st.integers(0, 65535))
    steps = draw(st.lists(STEP, min_size=1, max_size=300))
    seq = [s]
    for step in steps:
        seq.append((seq[-1] + step) % 65536)
    in_time = draw(st.lists(st.booleans() | st.just(True) | st.just(True),
                            min_size=len(seq), max_size=len(seq)))
    in_time[0] = True
    return seq, in_time


@settings(max_examples=400, deadline=None)
@given(sequences())
def test_sequence_flags_match_wireshark_loop(case: tuple[list[int], list[bool]]) -> None:
    seq, in_time = case
    flags = wireshark_sequence_flags(np.array(seq, dtype=np.uint16), np.array(in_time))
    errors, advances = loop_flags(seq, in_time)
    assert flags.error.tolist() == errors
    assert flags.advances.tolist() == advances


@settings(max_examples=400, deadline=None)
@given(sequences())
def test_expected_matches_wireshark_loop(case: tuple[list[int], list[bool]]) -> None:
    seq, in_time = case
    got = wireshark_expected(np.array(seq, dtype=np.uint16), np.array(in_time))
    assert got == loop_expected(seq, in_time)


def test_forward_jump_across_the_wrap_leaves_wireshark_stuck() -> None:
    # 65500 -> 300 is a forward jump of 336; Wireshark reads it as 65200 late packets
    # (not > 0xFF00 below), so every following packet stays "late" until 65501.
    seq = list(range(65490, 65501)) + list(range(300, 1300))
    flags = wireshark_sequence_flags(np.array(seq, dtype=np.uint16), np.ones(len(seq), bool))
    errors, advances = loop_flags(seq, [True] * len(seq))
    assert flags.error.tolist() == errors and flags.advances.tolist() == advances
    assert flags.error[11:].all() and not flags.error[:11].any()


def test_clean_wrap_and_gaps() -> None:
    seq = [65534, 65535, 0, 1, 5, 6, 4, 6]
    flags = wireshark_sequence_flags(np.array(seq, dtype=np.uint16), np.ones(8, bool))
    assert flags.error.tolist() == [False, False, False, False, True, False, True, True]
    assert wireshark_expected(np.array(seq, dtype=np.uint16), np.ones(8, bool)) == 9


def test_expected_uses_first_and_last_not_min_and_max() -> None:
    seq = np.array([100, 101, 102, 99, 103, 98], dtype=np.uint16)  # ends on a late packet
    in_time = np.array([True, True, True, False, True, False])
    assert wireshark_expected(seq, in_time) == 98 - 100 + 1  # Wireshark 4.0: may go < 1


def test_unwrap_follows_the_nearest_value() -> None:
    got = unwrap(np.array([65530, 65535, 3, 65533, 10, 40000, 2], dtype=np.uint16), 16)
    assert got.tolist() == [65530, 65535, 65539, 65533, 65546, 40000, 65538]
    back = unwrap(np.array([5, 65535, 65534], dtype=np.uint16), 16)  # shifted to stay >= 0
    assert back.tolist() == [65541, 65535, 65534]
    ts = unwrap(np.array([4294967000, 200, 4294967290], dtype=np.uint32), 32)
    assert ts.tolist() == [4294967000, 4294967496, 4294967290]
    assert unwrap(np.zeros(0, dtype=np.uint16), 16).size == 0


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 65535), min_size=1, max_size=200))
def test_unwrap_keeps_values_and_small_steps(raw: list[int]) -> None:
    got = unwrap(np.array(raw, dtype=np.uint16), 16)
    assert (got % 65536).tolist() == raw
    assert got.min() >= 0 and (np.abs(np.diff(got)) <= 32768).all()


def test_order_counts() -> None:
    ext = np.array([10, 11, 11, 14, 12, 13, 12, 15, 20], dtype=np.int64)
    got = order_counts(ext)
    assert got.duplicate.tolist() == [False, False, True, False, False, False, True, False,
                                      False]
    assert got.out_of_order.tolist() == [False] * 4 + [True, True] + [False] * 3
    assert got.lost_before.tolist() == [0, 0, 0, 2, 0, 0, 0, 0, 4]


@pytest.mark.parametrize("n", [0, 1])
def test_tiny_inputs(n: int) -> None:
    seq = np.arange(n, dtype=np.uint16)
    flags = wireshark_sequence_flags(seq, np.ones(n, bool))
    assert flags.error.size == n and flags.advances.tolist() == [True] * n
    assert order_counts(seq.astype(np.int64)).duplicate.size == n
