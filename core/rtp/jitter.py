"""Vectorized first-order recursions: RFC 3550 interarrival jitter and Wireshark's running mean.

Both are ``y[k] = a[k]·y[k-1] + b[k]`` with 0 < a <= 1. A blocked scan solves it without a
Python loop per row: inside a block of ``BLOCK`` rows, with ``A[k] = a[1]···a[k]``,
``y[k] = A[k]·(y_in + Σ_{m<=k} b[m]/A[m])``; a short loop over blocks (one scalar step per
block) carries ``y_in``. With a >= 15/16 or a >= 1/2 and BLOCK = 64, 1/A stays below ~130,
so the result matches a plain loop to ~1e-14 relative.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

BLOCK = 64
JITTER_GAIN = 1.0 / 16.0  # RFC 3550 §6.4.1 / A.8: J += (|D| - J) / 16


def _blocks(a: NDArray[np.float64], b: NDArray[np.float64]) -> tuple[
        NDArray[np.float64], NDArray[np.float64]]:
    """``a``, ``b`` padded with the identity step (a=1, b=0) and shaped (blocks, BLOCK)."""
    size = a.size + (-a.size % BLOCK)
    a2 = np.ones(size)
    a2[: a.size] = a
    b2 = np.zeros(size)
    b2[: b.size] = b
    return a2.reshape(-1, BLOCK), b2.reshape(-1, BLOCK)


def _carry(block_prod: list[float], block_local: list[float], y0: float) -> tuple[
        list[float], float]:
    """State entering each block, and the final state: one scalar step per block."""
    carry_in = []
    state = y0
    for prod, local in zip(block_prod, block_local, strict=True):
        carry_in.append(state)
        state = local + prod * state
    return carry_in, state


def linear_recurrence(a: NDArray[np.float64], b: NDArray[np.float64], y0: float = 0.0) -> (
        NDArray[np.float64]):
    """Solve ``y[k] = a[k]·y[k-1] + b[k]`` for k = 0..n-1 with ``y[-1] = y0``; shape (n,).

    Every ``a`` must lie in (0, 1] (checked by the callers' construction, not here).
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.size == 0:
        return np.zeros(0, dtype=np.float64)
    a2, b2 = _blocks(a, b)
    prod = np.cumprod(a2, axis=1)
    local = prod * np.cumsum(b2 / prod, axis=1)  # block solution from a zero start
    carry_in, _ = _carry(prod[:, -1].tolist(), local[:, -1].tolist(), float(y0))
    y: NDArray[np.float64] = (local + prod * np.array(carry_in)[:, None]).reshape(-1)
    return y[: a.size]


def linear_recurrence_last(a: NDArray[np.float64], b: NDArray[np.float64],
                           y0: float = 0.0) -> float:
    """The last value of :func:`linear_recurrence` without building the whole series."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.size == 0:
        return float(y0)
    a2, b2 = _blocks(a, b)
    prod = np.cumprod(a2, axis=1)
    local_end = prod[:, -1] * np.sum(b2 / prod, axis=1)
    return _carry(prod[:, -1].tolist(), local_end.tolist(), float(y0))[1]


def interarrival_jitter(diff: NDArray[np.float64]) -> NDArray[np.float64]:
    """RFC 3550 jitter after each of the given D values (ms, shape (m,)), from J = 0.

    Wireshark's form ``J = (15·J + D) / 16``, equal to ``J += (D - J) / 16``.
    """
    d = np.asarray(diff, dtype=np.float64)
    return linear_recurrence(np.full(d.size, 1.0 - JITTER_GAIN), d * JITTER_GAIN)


def wireshark_running_mean(values: NDArray[np.float64], counts: NDArray[np.int64]) -> float:
    """Final value of Wireshark's mean update ``mean = (mean·(N-1) + x) / N``.

    ``values`` are the samples that update the mean, ``counts`` their N: the number of
    packets of the stream before the sample's packet (its 0-based index), not the number
    of samples. Packets that skip the update (marker, CN, wrong timestamp...) therefore
    weigh in at the running mean and the first skipped ones at 0: Wireshark's quirk.
    """
    x = np.asarray(values, dtype=np.float64)
    if x.size == 0:
        return 0.0
    nn = np.asarray(counts, dtype=np.float64)
    a = (nn - 1.0) / nn
    a[a <= 0.0] = 1.0  # N = 1: the previous mean (0) is multiplied by 0 anyway
    return linear_recurrence_last(a, x / nn)
