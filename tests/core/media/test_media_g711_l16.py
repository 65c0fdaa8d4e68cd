"""G.711 and L16 decoding: ITU reference values and exact round trips."""

from __future__ import annotations

import numpy as np

from callscope.core.media.g711 import ALAW_TO_LINEAR, ULAW_TO_LINEAR, decode_alaw, decode_ulaw
from callscope.core.media.l16 import decode_l16


def test_ulaw_reference_values() -> None:
    # G.711 µ-law: 0xFF and 0x7F are the two zeros; 0x80 is the most positive code.
    assert ULAW_TO_LINEAR[0xFF] == 0
    assert ULAW_TO_LINEAR[0x7F] == 0
    assert ULAW_TO_LINEAR[0x80] == 32124
    assert ULAW_TO_LINEAR[0x00] == -32124


def test_alaw_reference_values() -> None:
    # G.711 A-law: 0xD5 decodes to +8, 0x55 to -8; 0xAA is the most positive code.
    assert ALAW_TO_LINEAR[0xD5] == 8
    assert ALAW_TO_LINEAR[0x55] == -8
    assert ALAW_TO_LINEAR[0xAA] == 32256
    assert ALAW_TO_LINEAR[0x2A] == -32256


def test_tables_are_monotonic_per_sign() -> None:
    for table in (ULAW_TO_LINEAR, ALAW_TO_LINEAR):
        values = np.sort(table.astype(np.int32))
        assert len(np.unique(values)) >= 255  # every code distinct except the µ-law zeros


def test_decoders_use_the_tables() -> None:
    codes = bytes(range(256))
    assert np.array_equal(decode_ulaw(codes), ULAW_TO_LINEAR)
    assert np.array_equal(decode_alaw(codes), ALAW_TO_LINEAR)


def test_l16_round_trip_is_exact_mono_and_stereo() -> None:
    rng = np.random.default_rng(7)
    mono = rng.integers(-32768, 32767, 480, dtype=np.int16)
    assert np.array_equal(decode_l16(mono.astype(">i2").tobytes())[:, 0], mono)
    stereo = rng.integers(-32768, 32767, (240, 2), dtype=np.int16)
    assert np.array_equal(decode_l16(stereo.astype(">i2").tobytes(), channels=2), stereo)


def test_l16_drops_a_trailing_odd_byte() -> None:
    assert decode_l16(b"\x00\x01\x02").shape == (1, 1)
