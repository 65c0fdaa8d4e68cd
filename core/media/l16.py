"""L16 (RFC 3551 §4.5.11): 16-bit signed big-endian linear PCM, interleaved channels."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def decode_l16(payload: bytes, channels: int = 1) -> NDArray[np.int16]:
    """L16 bytes → int16 samples of shape (frames, channels); a trailing odd byte is dropped."""
    usable = len(payload) - len(payload) % (2 * max(channels, 1))
    samples = np.frombuffer(payload[:usable], dtype=">i2").astype(np.int16)
    return samples.reshape(-1, max(channels, 1))
