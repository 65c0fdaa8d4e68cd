"""Hostile payloads: every decoder takes 2000 random payloads quickly, bounded, never raising."""

from __future__ import annotations

import time

import numpy as np
import pytest

from callscope.core.media.decoders import _AV_CODECS, MAX_PAYLOAD, decoder_for
from callscope.core.model import Codec

CODECS = [
    Codec("PCMU", 8000), Codec("PCMA", 8000), Codec("L16", 16000, 2), Codec("G729", 8000),
    Codec("iLBC", 8000), Codec("iLBC", 8000, 1, "mode=20"), Codec("AMR", 8000),
    Codec("AMR", 8000, 1, "octet-align=1"), Codec("AMR", 8000, 1, "octet-align=0"),
    Codec("AMR-WB", 16000), Codec("AMR-WB", 16000, 1, "octet-align=1"),
    *(Codec(name, 8000) for name in sorted(_AV_CODECS)),
]


def _payloads(seed: int, count: int = 2000) -> list[bytes]:
    rng = np.random.default_rng(seed)
    sizes = rng.integers(0, 320, count)
    sizes[::250] = MAX_PAYLOAD + 1  # a few oversized ones
    sizes[1::250] = MAX_PAYLOAD  # and a few at the limit
    out = [rng.integers(0, 256, int(n), dtype=np.uint8).tobytes() for n in sizes]
    # Plausible headers with random bodies: AMR ToC chains, Opus TOC with code 3, G.729 SID.
    out[2::50] = [b"\xf0" + b"\xbc" * 63 + bytes(10)] * len(out[2::50])
    out[3::50] = [b"\x4b\xbf" + bytes(40)] * len(out[3::50])
    out[4::50] = [b"\x01\x02"] * len(out[4::50])
    return out


@pytest.mark.parametrize("codec", CODECS, ids=lambda c: f"{c.name}{c.fmtp and '-' + c.fmtp}")
def test_random_payloads_are_bounded_and_never_raise(codec: Codec) -> None:
    decoder = decoder_for(codec)
    # Output is bounded by the payload: at most 2 s, or 64 samples per byte (G.723.1 SID
    # frames: 4 bytes → 240 samples) for the largest payload accepted (MAX_PAYLOAD).
    rate = decoder.sample_rate
    started = time.perf_counter()
    for payload in _payloads(hash(codec.name) & 0xFFFF):
        pcm = decoder.decode(payload)
        assert pcm.dtype == np.int16 and pcm.ndim == 1
        assert pcm.size <= max(2 * rate, 64 * len(payload))
    for n in (0, 1, 37, 160 * 7, 10**9):
        filled = decoder.conceal(n, lost=bool(n & 1))
        assert filled.dtype == np.int16 and filled.size <= min(n, 10 * decoder.sample_rate)
    elapsed = time.perf_counter() - started
    assert elapsed < 10.0, f"{codec.name}: {elapsed:.1f} s"
    assert decoder.errors > 0  # random bytes are mostly rejected, and counted
