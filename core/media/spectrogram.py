"""Spectrograms of decoded audio: a full STFT (content) and a coarse level view (not).

A magnitude spectrogram at speech resolution can be turned back into intelligible
speech, so the full one needs a grant like listening. The coarse view — at least
250 ms per column and at most 8 bands — shows silence, one-way audio, clipping and
noise but not words; it needs no grant.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

COARSE_MIN_COLUMN_S = 0.25
COARSE_MAX_BANDS = 8
FLOOR_DB = -120.0


@dataclass(frozen=True)
class Spectrogram:
    """Levels in dB re full scale: ``db`` shape (columns, bins), float32.

    ``times_s`` (columns,) are column centres relative to the audio's first sample;
    ``freqs_hz`` (bins,) are bin centres (band centres for the coarse view).
    """

    db: NDArray[np.float32]
    times_s: NDArray[np.float64]
    freqs_hz: NDArray[np.float64]


def stft(
    samples: NDArray[np.int16], sample_rate: int, *, size: int = 512, overlap: float = 0.75,
    window: str = "hann",
) -> Spectrogram:
    """Short-time Fourier transform magnitude in dBFS (window ``hann``/``hamming``/``rect``)."""
    if size < 16 or not 0 <= overlap < 1:
        raise ValueError("size must be >= 16 and overlap in [0, 1)")
    hop = max(1, int(size * (1 - overlap)))
    x = samples.astype(np.float32) / 32768.0
    if x.size < size:
        x = np.pad(x, (0, size - x.size))
    win = {"hann": np.hanning, "hamming": np.hamming}.get(window, np.ones)(size).astype(np.float32)
    frames = np.lib.stride_tricks.sliding_window_view(x, size)[::hop]
    spectrum = np.abs(np.fft.rfft(frames * win, axis=1)) / (win.sum() / 2)
    db = (20 * np.log10(np.maximum(spectrum, 10 ** (FLOOR_DB / 20)))).astype(np.float32)
    times = (np.arange(frames.shape[0]) * hop + size / 2) / sample_rate
    freqs = np.fft.rfftfreq(size, 1 / sample_rate).astype(np.float64)
    return Spectrogram(db, times, freqs)


def level_view(
    samples: NDArray[np.int16], sample_rate: int, *, column_s: float = COARSE_MIN_COLUMN_S,
    bands: int = COARSE_MAX_BANDS,
) -> Spectrogram:
    """Coarse band levels (dBFS): >= 250 ms per column, <= 8 octave-like bands. Not content."""
    column_s = max(column_s, COARSE_MIN_COLUMN_S)
    bands = min(max(bands, 1), COARSE_MAX_BANDS)
    n = int(column_s * sample_rate)
    columns = len(samples) // n
    if columns == 0:
        return Spectrogram(np.zeros((0, bands), np.float32), np.zeros(0), np.zeros(bands))
    x = samples[: columns * n].astype(np.float32).reshape(columns, n) / 32768.0
    power = np.abs(np.fft.rfft(x, axis=1)) ** 2
    freqs = np.fft.rfftfreq(n, 1 / sample_rate)
    nyquist = sample_rate / 2
    # One band below 150 Hz (hum, DC), the rest geometric up to Nyquist: where speech,
    # noise and clipping show, without the resolution to follow formants.
    inner = np.geomspace(150.0, nyquist, bands) if bands > 1 else np.zeros(0)
    edges = np.concatenate(([0.0], inner[:-1], [nyquist + 1]))
    band_of = np.clip(np.searchsorted(edges, freqs, side="right") - 1, 0, bands - 1)
    energy = np.zeros((columns, bands), np.float64)
    np.add.at(energy.T, band_of, power.T)
    db = (10 * np.log10(np.maximum(energy / (n * n / 4), 10 ** (FLOOR_DB / 10)))).astype(
        np.float32
    )
    times = ((np.arange(columns) + 0.5) * column_s).astype(np.float64)
    centres = (edges[:-1] + np.minimum(edges[1:], nyquist)) / 2
    return Spectrogram(db, times, centres)
