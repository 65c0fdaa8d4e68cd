"""The speech-like signal: level, pauses, turn-taking, pitch, determinism."""

from __future__ import annotations

import numpy as np

from callscope.core.synth.signal import Voice, speech_like, to_pcm16, tone


def _pitch_hz(x: np.ndarray, rate: int = 8000) -> float:
    """Median autocorrelation pitch over loud 64 ms frames (an independent estimate)."""
    frames = x[: len(x) // 512 * 512].reshape(-1, 512)
    loud = frames[np.sqrt((frames**2).mean(axis=1)) > 0.3 * np.abs(x).max() / 3]
    estimates = []
    for f in loud:
        ac = np.correlate(f, f, "full")[511:]
        lo, hi = rate // 400, rate // 60
        estimates.append(rate / (lo + int(np.argmax(ac[lo:hi]))))
    return float(np.median(estimates))


def test_level_length_and_pauses() -> None:
    x = speech_like(10.0, seed=3, voice=Voice(level_dbfs=-14.0))
    assert x.shape == (80000,)
    assert abs(20 * np.log10(np.abs(x).max()) + 14.0) < 0.01
    silent = np.mean(np.abs(x) < 1e-9)
    assert 0.1 < silent < 0.7  # phrases separated by real pauses, but mostly talking


def test_two_voices_have_their_pitch() -> None:
    low = _pitch_hz(speech_like(6.0, voice=Voice(f0_hz=110.0), seed=1))
    high = _pitch_hz(speech_like(6.0, voice=Voice(f0_hz=220.0), seed=2))
    assert 85 < low < 140 and 170 < high < 280


def test_talks_only_in_active_turns_and_is_deterministic() -> None:
    turns = [(0.0, 2.0), (5.0, 7.0)]
    x = speech_like(8.0, seed=9, active=turns)
    t = np.arange(len(x)) / 8000
    quiet = (t >= 2.0) & (t < 5.0) | (t >= 7.0)
    assert np.all(x[quiet] == 0) and np.any(x[t < 2.0] != 0) and np.any(x[(t > 5) & (t < 7)])
    assert np.array_equal(x, speech_like(8.0, seed=9, active=turns))
    assert not np.array_equal(x, speech_like(8.0, seed=10, active=turns))


def test_no_energy_above_nyquist_guard() -> None:
    x = speech_like(4.0, seed=5, voice=Voice(f0_hz=100.0))
    voiced = np.abs(np.fft.rfft(x))
    freqs = np.fft.rfftfreq(len(x), 1 / 8000)
    assert voiced[freqs > 3800].max() < 0.05 * voiced.max()


def test_pcm16_and_tone() -> None:
    assert to_pcm16(np.array([0.0, 1.0, -1.0, 2.0])).tolist() == [0, 32767, -32767, 32767]
    t = tone(1.0, 1000.0, level_dbfs=-6.0)
    assert t.shape == (8000,) and abs(np.abs(t).max() - 10 ** (-6 / 20)) < 1e-3
