"""Timeline gaps: loss vs DTX vs events, comfort noise, concealment, timestamp jumps."""

from __future__ import annotations

import numpy as np
import pytest

from callscope.core.errors import CallScopeError
from callscope.core.media.comfort_noise import comfort_noise, noise_rms, reflection_to_lpc
from callscope.core.media.decoders import decoder_for
from callscope.core.media.timeline import build_timeline, media_offsets
from callscope.core.model import Codec

PCMA = Codec("PCMA", 8000)


def _build(seq, ts, payloads, *, audio=None, cn=None, events=None, codec=PCMA, clock=8000,
           arrival=None, jitter_buffer_ms=None):
    seq = np.asarray(seq, np.int64)
    n = len(seq)
    return build_timeline(
        decoder_for(codec), arrival_s=np.asarray(arrival if arrival is not None
                                                 else 1.0 + np.arange(n) * 0.02, float),
        seq=seq, timestamp=np.asarray(ts, np.int64), payloads=payloads,
        audio=np.ones(n, bool) if audio is None else np.asarray(audio),
        clock_rate=clock, jitter_buffer_ms=jitter_buffer_ms,
        comfort_noise_pt=None if cn is None else np.asarray(cn),
        events=None if events is None else np.asarray(events),
    )


def test_missing_sequence_numbers_are_loss_and_a_pause_is_dtx() -> None:
    # seq 0,1 | 2 lost | 3 | pause of 5 frames with unbroken seq | 4
    tl = _build([0, 1, 3, 4], [0, 160, 480, 1440], [b"\xd4" * 160] * 4)
    assert tl.gaps == [(320, 480), (640, 1440)]
    assert tl.gap_kinds == ["loss", "dtx"]
    assert tl.gaps_of("loss") == [(320, 480)]


def test_telephone_events_leave_an_event_gap_not_audio() -> None:
    # audio 0,1 | events 2,3 (same SSRC, PT 101) | audio 4: the event packets are never decoded
    payloads = [b"\xd4" * 160, b"\xd4" * 160, b"\x01\x8a\x00\xa0", b"\x01\x8a\x01\x40",
                b"\xd4" * 160]
    tl = _build([0, 1, 2, 3, 4], [0, 160, 320, 320, 640], payloads,
                audio=[1, 1, 0, 0, 1], events=[0, 0, 1, 1, 0])
    assert tl.gaps == [(320, 640)] and tl.gap_kinds == ["event"]
    assert np.all(tl.samples[320:640] == 0) and len(tl.samples) == 800


def test_comfort_noise_fills_the_pause_at_the_announced_level() -> None:
    # audio at ts 0, CN (level 40 -dBov) at ts 160, next audio at ts 8160 (1 s later)
    payloads = [b"\xd5" * 160, bytes([40]), b"\xd5" * 160]
    tl = _build([0, 1, 2], [0, 160, 8160], payloads, audio=[1, 0, 1], cn=[0, 1, 0])
    assert tl.gaps == [(160, 8160)] and tl.gap_kinds == ["dtx"] and tl.cn_packets == 1
    noise = tl.samples[160:8160].astype(float)
    level_db = 20 * np.log10(np.sqrt(np.mean(noise**2)) / 32768)
    assert abs(level_db - -40) < 0.5


def test_comfort_noise_spectrum_follows_the_reflection_coefficients() -> None:
    # A first-order model with k1 = -0.9 (byte 12) is a low-pass: more energy below 1 kHz.
    pcm = comfort_noise(bytes([30, 12]), 16000, seed=1).astype(float)
    spectrum = np.abs(np.fft.rfft(pcm)) ** 2
    low, high = spectrum[: len(spectrum) // 8].mean(), spectrum[-len(spectrum) // 4 :].mean()
    assert low > 10 * high
    assert abs(np.sqrt(np.mean(pcm**2)) - noise_rms(30)) < 1
    assert np.allclose(reflection_to_lpc(np.array([0.5])), [1.0, 0.5])


def test_jitter_buffer_drops_are_late_gaps() -> None:
    arrival = 1.0 + np.arange(5) * 0.02
    arrival[2] += 0.2
    tl = _build(range(5), np.arange(5) * 160, [b"\xd4" * 160] * 5, arrival=arrival,
                jitter_buffer_ms=50)
    assert tl.late_drops == 1 and tl.gap_kinds == ["late"] and tl.gaps == [(320, 480)]


def test_g722_places_16k_samples_on_an_8k_clock() -> None:
    tl = _build(range(3), [0, 160, 480], [bytes(160)] * 3, codec=Codec("G722", 8000))
    assert tl.sample_rate == 16000
    assert len(tl.samples) == 1280 and tl.gaps == [(640, 960)]


def test_amr_several_frames_per_packet_and_concealment_of_a_lost_packet() -> None:
    # Octet-aligned AMR-NB, 3 frames of 12.2 kbit/s per packet (60 ms).
    frame = bytes(range(1, 32))
    payload = bytes([0xF0, 0x80 | (7 << 3) | 4, 0x80 | (7 << 3) | 4, (7 << 3) | 4]) + frame * 3
    codec = Codec("AMR", 8000, 1, "octet-align=1")
    tl = _build([0, 1, 3], [0, 480, 1440], [payload] * 3, codec=codec)
    assert len(tl.samples) == 4 * 480 and tl.gaps == [(960, 1440)]
    assert tl.gap_kinds == ["loss"]
    assert np.any(tl.samples[960:1440] != 0)  # AMR's error concealment, not silence


def test_a_timestamp_stepping_back_starts_the_timeline_earlier() -> None:
    tl = _build(range(3), [320, 0, 160], [b"\xd5" * 160] * 3)
    assert len(tl.samples) == 480 and tl.gaps == [] and abs(tl.start_s - 0.96) < 1e-9


def test_a_timestamp_jump_is_re_anchored_on_arrival() -> None:
    offsets = media_offsets(np.array([0, 160, 160 + 8000 * 3600]), np.array([0.0, 0.02, 0.04]),
                            8000)
    assert np.allclose(offsets, [0.0, 0.02, 0.04])
    tl = _build(range(3), [0, 160, 160 + 8000 * 3600], [b"\xd5" * 160] * 3)
    assert len(tl.samples) == 480


def test_an_absurd_span_is_refused_plainly() -> None:
    n = 3000
    ts = np.arange(n, dtype=np.int64) * 8000 * 5  # each step 5 s ahead, arrival agrees
    arrival = np.arange(n) * 5.0
    with pytest.raises(CallScopeError, match="4 hours"):
        _build(range(n), ts, [b"\xd5"] * n, arrival=arrival)


def test_undecodable_payloads_are_loss() -> None:
    tl = _build([0, 1, 2], [0, 240, 480], [bytes(50), b"\x00" * 17, bytes(50)],
                codec=Codec("iLBC", 8000))
    assert tl.undecodable == 1 and tl.gap_kinds == ["loss"] and tl.gaps == [(240, 480)]


def test_random_headers_build_a_bounded_timeline_or_a_plain_refusal() -> None:
    rng = np.random.default_rng(11)
    for _ in range(200):
        n = int(rng.integers(1, 40))
        seq = rng.integers(0, 60, n)
        ts = rng.integers(-(2**20), 2**20, n) * int(rng.choice([1, 160, 8000 * 3600]))
        if rng.random() < 0.5:  # small steps, some backwards
            ts = np.cumsum(rng.integers(-400, 800, n))
        arrival = np.sort(rng.uniform(0, 30, n))
        try:
            tl = _build(seq, ts, [b"\xd5" * int(k) for k in rng.integers(0, 400, n)],
                        arrival=arrival, jitter_buffer_ms=float(rng.choice([20.0, 1e9])))
        except CallScopeError as exc:
            assert "4 hours" in str(exc)
            continue
        # Each step is bounded by the arrival step (<= 30 s, any sign) + TS_JUMP_S.
        assert tl.samples.size <= 8000 * 35 * n + 400
        assert all(0 <= a < b <= tl.samples.size for a, b in tl.gaps)
