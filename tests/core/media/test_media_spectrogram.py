"""Spectrograms: a tone shows at its frequency; the coarse view cannot resolve speech."""

from __future__ import annotations

import numpy as np

from callscope.core.media.spectrogram import level_view, stft


def _tone(freq: float, rate: int = 8000, seconds: float = 2.0) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (np.sin(2 * np.pi * freq * t) * 10000).astype(np.int16)


def test_stft_peak_is_at_the_tone_frequency() -> None:
    spec = stft(_tone(1234.0), 8000, size=1024)
    peak = spec.freqs_hz[int(np.argmax(spec.db.mean(axis=0)))]
    assert abs(peak - 1234.0) <= 8000 / 1024
    assert spec.db.shape[1] == 513 and spec.times_s.shape[0] == spec.db.shape[0]


def test_level_view_is_coarse_by_construction() -> None:
    view = level_view(_tone(1000.0), 8000, column_s=0.01, bands=64)
    assert view.db.shape[1] <= 8
    assert np.all(np.diff(view.times_s) >= 0.25 - 1e-9)


def test_level_view_shows_silence_and_signal() -> None:
    samples = np.concatenate([np.zeros(8000, np.int16), _tone(500.0, seconds=1.0)])
    view = level_view(samples, 8000)
    assert view.db[:4].max() <= -100  # first second silent
    assert view.db[4:].max() > -30
