"""AMR depacketization (RFC 4867): both packings give the same frames and the same audio."""

from __future__ import annotations

import av
import numpy as np
import pytest

from callscope.core.media.amr import parse_amr, parse_bandwidth_efficient, parse_octet_aligned
from callscope.core.media.decoders import decoder_for
from callscope.core.model import Codec


def _encode_amr_nb(seconds: float = 0.5) -> list[bytes]:
    """AMR-NB 12.2 storage frames of a 440 Hz tone (libopencore encoder in PyAV)."""
    enc = av.CodecContext.create("libopencore_amrnb", "w")
    enc.sample_rate, enc.layout, enc.format, enc.bit_rate = 8000, "mono", "s16", 12200
    n = int(8000 * seconds)
    tone = (np.sin(2 * np.pi * 440 * np.arange(n) / 8000) * 8000).astype(np.int16)
    frames: list[bytes] = []
    for i in range(0, n, 160):
        frame = av.AudioFrame.from_ndarray(tone[None, i : i + 160], format="s16", layout="mono")
        frame.sample_rate, frame.pts = 8000, i
        frames.extend(bytes(p) for p in enc.encode(frame))
    return frames


def _octet_aligned(storage: bytes) -> bytes:
    return bytes([0xF0, storage[0] & 0x7C]) + storage[1:]


def _bandwidth_efficient(storage: bytes, bits: int = 244) -> bytes:
    frame_type = (storage[0] >> 3) & 0x0F
    speech = int.from_bytes(storage[1:], "big") >> (len(storage[1:]) * 8 - bits)
    value = (15 << (6 + bits)) | (((frame_type << 1) | 1) << bits) | speech
    nbits = 4 + 6 + bits
    nbytes = (nbits + 7) // 8
    return (value << (nbytes * 8 - nbits)).to_bytes(nbytes, "big")


@pytest.fixture(scope="module")
def storage_frames() -> list[bytes]:
    return _encode_amr_nb()


def test_both_packings_parse_to_the_storage_frame(storage_frames: list[bytes]) -> None:
    frame = storage_frames[3]
    oa = parse_octet_aligned(_octet_aligned(frame), wideband=False)
    be = parse_bandwidth_efficient(_bandwidth_efficient(frame), wideband=False)
    assert oa[0].storage == frame[:1] + frame[1:] and be[0].storage == oa[0].storage
    assert oa[0].frame_type == 7 and oa[0].is_speech


def test_packing_is_detected_without_sdp(storage_frames: list[bytes]) -> None:
    frame = storage_frames[5]
    assert parse_amr(_octet_aligned(frame), False, None)[0].storage == frame
    assert parse_amr(_bandwidth_efficient(frame), False, None)[0].storage == frame


def test_both_packings_decode_to_the_same_audio(storage_frames: list[bytes]) -> None:
    oa = decoder_for(Codec("AMR", 8000, 1, "octet-align=1"))
    be = decoder_for(Codec("AMR", 8000))
    pcm_oa = np.concatenate([oa.decode(_octet_aligned(f)) for f in storage_frames])
    pcm_be = np.concatenate([be.decode(_bandwidth_efficient(f)) for f in storage_frames])
    assert pcm_oa.shape == (160 * len(storage_frames),)
    assert np.array_equal(pcm_oa, pcm_be)
    assert np.abs(pcm_oa).max() > 1000  # real audio, not silence


def test_hostile_payloads_are_errors_not_exceptions() -> None:
    dec = decoder_for(Codec("AMR-WB", 16000))
    for payload in (b"", b"\xff" * 3, bytes(range(256)) * 4, b"\xf4" * 70000):
        assert dec.decode(payload).dtype == np.int16
    assert dec.errors >= 2  # the empty payload is a keep-alive, not an error
    assert dec.decode(b"").size == 0 and not dec.last_speech


def test_sid_frames_are_counted_and_decoded_as_comfort_noise() -> None:
    # AMR-WB octet-aligned: CMR 0xF0, ToC FT=9 (SID) Q=1, 5 bytes of SID bits.
    dec = decoder_for(Codec("AMR-WB", 16000, 1, "octet-align=1"))
    assert dec.decode(bytes([0xF0, (9 << 3) | 4]) + b"\x00" * 5).size == 320  # 20 ms of CN
    assert dec.frames_sid == 1 and not dec.last_speech
    assert dec.conceal(500, lost=False).size == 500  # NO_DATA frames continue the noise
