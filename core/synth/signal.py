"""A speech-like test signal: synthetic vowels with a pitch contour, never a real voice.

Additive source-filter synthesis: every harmonic h·f0(t) of a glottal-like source
(-6 dB/octave after lip radiation) is weighted by a cascade of three formant
resonances that glide between vowel targets; syllables get a raised-sine envelope,
phrases a falling intonation, and phrases are separated by pauses. A short noise burst
at the start of some syllables stands in for consonants. Deterministic for a given seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

# Formant frequencies F1-F3 (Hz) of five vowels, rounded from Peterson & Barney (1952)
VOWEL_FORMANTS = np.array(
    [[730, 1090, 2440], [270, 2290, 3010], [300, 870, 2240], [530, 1840, 2480], [570, 840, 2410]],
    dtype=np.float64,
)
FORMANT_BANDWIDTHS = np.array([90.0, 110.0, 170.0])  # Hz


@dataclass(frozen=True)
class Voice:
    """How a synthetic talker sounds and paces: mean pitch, intonation, rhythm, level."""

    f0_hz: float = 120.0
    intonation: float = 0.2  # relative fall of f0 over a phrase (0.2 = 20 %)
    syllable_s: tuple[float, float] = (0.12, 0.28)  # syllable length range
    phrase_syllables: tuple[int, int] = (3, 9)
    pause_s: tuple[float, float] = (0.25, 0.8)  # gap between phrases
    level_dbfs: float = -14.0  # peak level


@dataclass(frozen=True)
class _Syllables:
    start: NDArray[np.float64]  # s
    end: NDArray[np.float64]
    vowel: NDArray[np.int64]
    accent: NDArray[np.float64]  # relative f0 offset of the syllable
    phrase_pos: NDArray[np.float64]  # 0 at a phrase's start, 1 at its end
    gain: NDArray[np.float64]


def _plan(duration_s: float, voice: Voice, active: Sequence[tuple[float, float]],
          rng: np.random.Generator) -> _Syllables:
    """Lay out syllables inside the active intervals (a loop per syllable)."""
    rows: list[tuple[float, float, int, float, float, float]] = []
    for lo, hi in active:
        t = max(0.0, lo) + rng.uniform(0.05, 0.3)
        hi = min(hi, duration_s)
        while t < hi - voice.syllable_s[0]:
            count = int(rng.integers(voice.phrase_syllables[0], voice.phrase_syllables[1] + 1))
            for i in range(count):
                d = rng.uniform(*voice.syllable_s)
                if t + d > hi:
                    break
                pos = i / max(count - 1, 1)
                rows.append((t, t + d, int(rng.integers(5)), rng.normal(0, 0.06), pos,
                             rng.uniform(0.55, 1.0)))
                t += d + rng.uniform(0.0, 0.04)
            t += rng.uniform(*voice.pause_s)
    if not rows:
        none = np.zeros(0)
        return _Syllables(none, none, np.zeros(0, np.int64), none, none, none)
    cols = list(zip(*rows, strict=True))
    return _Syllables(np.array(cols[0]), np.array(cols[1]), np.array(cols[2], dtype=np.int64),
                      np.array(cols[3]), np.array(cols[4]), np.array(cols[5]))


def _resonance(f: NDArray[np.float64], centre: NDArray[np.float64],
               bandwidth: float) -> NDArray[np.float64]:
    """Magnitude of a two-pole resonator with unit gain at 0 Hz: F² / |F² - f² + j·B·f|."""
    c2 = centre * centre
    out: NDArray[np.float64] = c2 / np.sqrt((c2 - f * f) ** 2 + (bandwidth * f) ** 2)
    return out


def speech_like(duration_s: float, sample_rate: int = 8000, voice: Voice | None = None,
                seed: int = 0,
                active: Sequence[tuple[float, float]] | None = None) -> NDArray[np.float64]:
    """Speech-like float signal in [-1, 1], shape (round(duration_s·sample_rate),).

    ``active``: (start_s, end_s) intervals where the talker talks (default: throughout);
    silence elsewhere, so two talkers can take turns.
    """
    voice = voice or Voice()
    rng = np.random.default_rng(seed)
    n = round(duration_s * sample_rate)
    t = np.arange(n) / sample_rate
    syl = _plan(duration_s, voice, active or [(0.0, duration_s)], rng)
    out = np.zeros(n)
    if len(syl.start) == 0:
        return out
    mid = (syl.start + syl.end) / 2
    # index of the syllable each sample belongs to (or -1), and its phase within it
    k = np.searchsorted(syl.start, t, side="right") - 1
    inside = (k >= 0) & (t < syl.end[np.maximum(k, 0)])
    kk = np.maximum(k, 0)
    u = np.clip((t - syl.start[kk]) / (syl.end[kk] - syl.start[kk]), 0.0, 1.0)
    envelope = np.where(inside, np.sin(np.pi * u) ** 0.7 * syl.gain[kk], 0.0)
    contour = 1 + voice.intonation * (0.5 - syl.phrase_pos) + syl.accent
    f0 = voice.f0_hz * np.interp(t, mid, contour) * (1 + 0.01 * np.sin(2 * np.pi * 5.0 * t))
    formants = [np.interp(t, mid, VOWEL_FORMANTS[syl.vowel, j]) for j in range(3)]
    phase = (2 * np.pi * np.cumsum(f0) / sample_rate)[inside]
    f0, voiced = f0[inside], np.zeros(int(inside.sum()))
    formants = [f[inside] for f in formants]
    nyquist_guard = 0.47 * sample_rate
    for h in range(1, int(nyquist_guard / (0.6 * voice.f0_hz)) + 1):
        fh = h * f0
        gain = np.where(fh < nyquist_guard, 1.0 / h, 0.0)
        for j in range(3):
            gain = gain * _resonance(fh, formants[j], FORMANT_BANDWIDTHS[j])
        voiced += gain * np.sin(h * phase)
    out[inside] = voiced * envelope[inside]
    # consonant-like noise: 30-60 ms of high-passed noise opening half the syllables
    noise = np.diff(rng.normal(0.0, 1.0, n + 1))
    onset = rng.random(len(syl.start)) < 0.5
    lead = np.where(onset, rng.uniform(0.03, 0.06, len(syl.start)), 0.0)
    burst = inside & (t - syl.start[kk] < lead[kk])
    out += np.where(burst, 0.04 * noise * np.max(np.abs(out)), 0.0)
    peak = np.max(np.abs(out))
    return out * (10 ** (voice.level_dbfs / 20) / peak) if peak > 0 else out


def to_pcm16(signal: NDArray[np.float64]) -> NDArray[np.int16]:
    """Float samples in [-1, 1] as 16-bit PCM (rounded, clipped)."""
    return np.clip(np.round(signal * 32767.0), -32768, 32767).astype(np.int16)


def tone(duration_s: float, frequency_hz: float, sample_rate: int = 8000,
         level_dbfs: float = -12.0) -> NDArray[np.float64]:
    """A sine tone, shape (round(duration_s·sample_rate),): filler for benchmark payloads."""
    t = np.arange(round(duration_s * sample_rate)) / sample_rate
    out: NDArray[np.float64] = 10 ** (level_dbfs / 20) * np.sin(2 * np.pi * frequency_hz * t)
    return out
