"""G.711 encoders against values fixed by ITU-T G.711 / G.191 (decoder comes later)."""

from __future__ import annotations

import numpy as np
import pytest

from callscope.core.synth import g711

ALL = np.arange(-32768, 32768, dtype=np.int16)


def test_zero_and_extremes_have_the_standard_codes() -> None:
    assert g711.encode_ulaw(np.int16(0)) == 0xFF
    assert g711.encode_alaw(np.int16(0)) == 0xD5
    assert g711.encode_ulaw(np.int16(-1)) == 0x7F  # negative zero
    assert g711.encode_alaw(np.int16(-1)) == 0x55
    assert g711.encode_ulaw(np.int16(32767)) == 0x80
    assert g711.encode_ulaw(np.int16(-32768)) == 0x00
    assert g711.encode_alaw(np.int16(32767)) == 0xAA
    assert g711.encode_alaw(np.int16(-32768)) == 0x2A


@pytest.mark.parametrize("boundary", [31, 95, 223, 479, 991, 2015, 4063])
def test_ulaw_segment_boundaries(boundary: int) -> None:
    # G.711 Table 2a: segment ends on the 14-bit magnitude scale (input is 14 bits << 2)
    below, at = g711.encode_ulaw(np.array([boundary * 4 - 1, boundary * 4], dtype=np.int16))
    seg_below, seg_at = (~below >> 4) & 7, (~at >> 4) & 7
    assert seg_at == seg_below + 1
    assert (~below & 0x0F) == 0x0F and (~at & 0x0F) == 0  # last step of one, first of next


@pytest.mark.parametrize("segment", range(1, 8))
def test_alaw_segment_boundaries(segment: int) -> None:
    # G.711 Table 1a: segment s >= 1 starts at 12-bit magnitude 16·2^s (input is 13 bits << 3)
    start = (16 << segment) * 8
    below, at = g711.encode_alaw(np.array([start - 1, start], dtype=np.int16)) ^ 0x55
    assert (below >> 4) & 7 == segment - 1 and (at >> 4) & 7 == segment
    assert below & 0x0F == 0x0F and at & 0x0F == 0


def test_ulaw_chord_steps_double_each_segment() -> None:
    codes = g711.encode_ulaw(ALL[ALL >= 0]).astype(np.int64)
    widths = np.bincount(codes, minlength=256)[0x80:]  # inputs per code, positive half
    step = {s: widths[0x7F - (s << 4) - 5] for s in range(8)}  # a mid-segment code
    assert [step[s] // 4 for s in range(7)] == [2, 4, 8, 16, 32, 64, 128]


def test_codes_are_monotonic_symmetric_and_complete() -> None:
    u, a = g711.encode_ulaw(ALL), g711.encode_alaw(ALL)
    level_u = np.where(u >= 0x80, 0xFF - u.astype(int), u.astype(int) - 0x80)
    level_a = np.where((a ^ 0x55) >= 0x80, (a ^ 0x55).astype(int) - 0x80,
                       -1 - (a ^ 0x55).astype(int))
    assert np.all(np.diff(level_u) >= 0) and np.all(np.diff(level_a) >= 0)
    positive = ALL >= 0
    # one's complement symmetry (G.191): x and -x-1 differ only in the sign bit
    assert np.array_equal(u[~positive][::-1], u[positive] & 0x7F)
    assert np.array_equal(a[~positive][::-1] ^ 0x80, a[positive])
    assert len(np.unique(u)) == 256 and len(np.unique(a)) == 256


def test_encode_dispatch_and_bad_input() -> None:
    x = np.array([0, 1000, -1000], dtype=np.int16)
    assert np.array_equal(g711.encode(x, "PCMU"), g711.encode_ulaw(x))
    assert np.array_equal(g711.encode(x, "pcma"), g711.encode_alaw(x))
    assert g711.encode_ulaw(x).shape == (3,) and g711.encode_ulaw(x).dtype == np.uint8
    with pytest.raises(ValueError, match="integer"):
        g711.encode_ulaw(np.array([0.5]))
    with pytest.raises(ValueError, match="16-bit"):
        g711.encode_alaw(np.array([40000]))
    with pytest.raises(ValueError, match=r"G\.711"):
        g711.encode(x, "g722")
