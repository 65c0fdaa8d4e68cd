"""RFC 3389 comfort noise: the level (and spectral shape, if sent) of a CN payload → PCM.

Byte 0 is the noise level in -dBov (0–127). dBov is relative to the overload point
(ITU-T G.100.1: a full-scale square wave is 0 dBov), so the noise RMS is
``32768 * 10 ** (-level / 20)``. Optional bytes 1.. are quantized reflection
coefficients ``k_i = (byte - 127) / 128`` (RFC 3389 §3.2) of an all-pole model; the
noise is shaped by that model's magnitude response in the frequency domain (numpy
FFT, no per-sample loop) and scaled to the level. The generator is seeded so a
timeline is reproducible.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

MAX_ORDER = 32


def noise_rms(level_dbov: int) -> float:
    """RMS (int16 units) of noise at ``-level_dbov`` dBov (RFC 3389 §3.1)."""
    return float(32768.0 * 10.0 ** (-min(max(level_dbov, 0), 127) / 20.0))


def reflection_to_lpc(k: NDArray[np.float64]) -> NDArray[np.float64]:
    """Step-up recursion: reflection coefficients → A(z) = 1 + a1 z^-1 + ... (shape p+1)."""
    a = np.ones(1)
    for ki in k:
        ext = np.concatenate([a, [0.0]])
        a = ext + ki * ext[::-1]
    return a


def comfort_noise(payload: bytes, n_samples: int, *, seed: int = 0) -> NDArray[np.int16]:
    """``n_samples`` of comfort noise as the CN ``payload`` describes; empty if no payload."""
    if not payload or n_samples <= 0:
        return np.zeros(0, np.int16)
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal(n_samples)
    k = (np.frombuffer(payload[1 : 1 + MAX_ORDER], np.uint8).astype(np.float64) - 127) / 128
    if k.size:
        size = 1 << max(int(n_samples - 1).bit_length(), 1)
        response = np.abs(np.fft.rfft(reflection_to_lpc(k), size))
        shaped = np.fft.irfft(np.fft.rfft(noise, size) / np.maximum(response, 1e-3), size)
        noise = shaped[:n_samples]
    rms = float(np.sqrt(np.mean(noise**2))) or 1.0
    out = noise * (noise_rms(payload[0] & 0x7F) / rms)
    return np.clip(np.rint(out), -32768, 32767).astype(np.int16)
