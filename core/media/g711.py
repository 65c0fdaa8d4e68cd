"""G.711 µ-law and A-law decoding to 16-bit linear PCM (ITU-T G.711 §2, tables 1a/2a)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def _ulaw_table() -> NDArray[np.int16]:
    """All 256 µ-law code words → linear values (G.711 table 2a, bias 0x84)."""
    code = ~np.arange(256, dtype=np.int32) & 0xFF
    sign = code & 0x80
    exponent = (code >> 4) & 0x07
    mantissa = code & 0x0F
    magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84
    return np.where(sign != 0, -magnitude, magnitude).astype(np.int16)


def _alaw_table() -> NDArray[np.int16]:
    """All 256 A-law code words → linear values (G.711 table 1a, even bits inverted)."""
    code = np.arange(256, dtype=np.int32) ^ 0x55
    sign = code & 0x80
    exponent = (code >> 4) & 0x07
    mantissa = code & 0x0F
    magnitude = np.where(
        exponent == 0, (mantissa << 4) + 8, ((mantissa << 4) + 0x108) << (exponent - 1)
    )
    return np.where(sign != 0, magnitude, -magnitude).astype(np.int16)


ULAW_TO_LINEAR: NDArray[np.int16] = _ulaw_table()
ALAW_TO_LINEAR: NDArray[np.int16] = _alaw_table()


def decode_ulaw(payload: bytes | NDArray[np.uint8]) -> NDArray[np.int16]:
    """µ-law bytes (one sample per byte) → int16 samples, shape (len(payload),)."""
    return ULAW_TO_LINEAR[np.frombuffer(payload, np.uint8)]


def decode_alaw(payload: bytes | NDArray[np.uint8]) -> NDArray[np.int16]:
    """A-law bytes (one sample per byte) → int16 samples, shape (len(payload),)."""
    return ALAW_TO_LINEAR[np.frombuffer(payload, np.uint8)]
