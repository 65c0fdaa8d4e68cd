"""ITU-T G.711 encoders (µ-law and A-law) for 16-bit linear PCM, vectorized.

Follows the ITU-T G.191 reference software (STL ``g711.c``): the input is 16-bit
left-justified PCM (µ-law uses its top 14 bits, A-law its top 13), negative values
use their one's complement so the quantizer is symmetric about -0.5, and the
segment/mantissa codes are those of G.711 Tables 1a and 2a.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

_BIT_LENGTH = np.array([int(i).bit_length() for i in range(256)], dtype=np.int32)
ULAW_ZERO = 0xFF  # µ-law code of linear 0 (what silence looks like in PCMU)
ALAW_ZERO = 0xD5  # A-law code of linear 0


def _as_pcm16(pcm: ArrayLike) -> NDArray[np.int32]:
    """Integer PCM within the int16 range, widened to int32 for the bit arithmetic."""
    x = np.asarray(pcm)
    if not np.issubdtype(x.dtype, np.integer):
        raise ValueError(f"G.711 encodes integer 16-bit PCM, got dtype {x.dtype}")
    if x.size and (x.min() < -32768 or x.max() > 32767):
        raise ValueError("G.711 input out of the 16-bit range")
    return x.astype(np.int32)


def encode_ulaw(pcm: ArrayLike) -> NDArray[np.uint8]:
    """µ-law codes (uint8, same shape) of 16-bit PCM samples (G.711 Table 2a)."""
    x = _as_pcm16(pcm)
    negative = x < 0
    magnitude = np.where(negative, ~x, x) >> 2  # 14-bit magnitude, 0..8191
    biased = np.minimum(magnitude + 33, 0x1FFF)  # bias 33 makes segments powers of two
    segment = _BIT_LENGTH[biased >> 6]  # 0..7
    mantissa = (biased >> (segment + 1)) & 0x0F
    code = 0x7F - ((segment << 4) | mantissa)  # the code is sent inverted
    out: NDArray[np.uint8] = (code | np.where(negative, 0, 0x80)).astype(np.uint8)
    return out


def encode_alaw(pcm: ArrayLike) -> NDArray[np.uint8]:
    """A-law codes (uint8, same shape) of 16-bit PCM samples (G.711 Table 1a)."""
    x = _as_pcm16(pcm)
    negative = x < 0
    magnitude = np.where(negative, ~x, x) >> 4  # 0..2047: segments 0 and 1 share step 2
    segment = _BIT_LENGTH[magnitude >> 4]  # 0..7
    mantissa = np.where(segment == 0, magnitude, magnitude >> np.maximum(segment - 1, 0)) & 0x0F
    code = (segment << 4) | mantissa | np.where(negative, 0, 0x80)
    out: NDArray[np.uint8] = (code ^ 0x55).astype(np.uint8)  # even bits inverted on the line
    return out


def encode(pcm: ArrayLike, law: str) -> NDArray[np.uint8]:
    """Encode with ``law`` = "pcmu"/"ulaw" or "pcma"/"alaw"."""
    name = law.lower()
    if name in ("pcmu", "ulaw", "mulaw", "u-law"):
        return encode_ulaw(pcm)
    if name in ("pcma", "alaw", "a-law"):
        return encode_alaw(pcm)
    raise ValueError(f"not a G.711 law: {law!r}")
