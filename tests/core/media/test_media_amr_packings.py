"""AMR-WB in both RFC 4867 packings decodes to the same audio (nesfit capture, corpus)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from callscope.core.analysis import analyze
from callscope.core.content.access import ContentSource
from callscope.core.media.decoders import decoder_for
from callscope.core.media.stream_codec import with_packing
from callscope.core.media.timeline import build_timeline
from callscope.core.model import Codec

WB_BITS = [132, 177, 253, 285, 317, 365, 397, 461, 477, 40] + [0] * 6
# SHA-256 of the stream's PCM from Debian's opencore over tshark's payloads (see
# tests/data/decoded/make_expected.py --corpus and test_content_codecs.py).
NESFIT_SHA = "12d910f9d637b880ed8fb80c232870e79418fe688b8fd0f5dca2b81c6d403159"


def octet_to_bandwidth_efficient(payload: bytes) -> bytes:
    """Repack an octet-aligned AMR-WB payload (RFC 4867 §4.4) as bandwidth-efficient (§4.3)."""
    bits = "".join(f"{b:08b}" for b in payload)
    out, pos, toc = bits[:4], 8, []
    while True:
        entry = bits[pos : pos + 8]
        pos += 8
        toc.append(entry)
        out += entry[:6]
        if entry[0] == "0":
            break
    for entry in toc:
        size = WB_BITS[int(entry[1:5], 2)]
        out += bits[pos : pos + size]
        pos += -(-size // 8) * 8
    out += "0" * (-len(out) % 8)
    return int(out, 2).to_bytes(len(out) // 8, "big")


@pytest.mark.corpus
def test_amr_wb_octet_aligned_and_bandwidth_efficient_give_the_same_audio(corpus: Path) -> None:
    path = corpus / "sip-amr-wb-rtcp_nesfit-codecs3.pcap"
    result = analyze(path)
    stream = next(s for s in result.streams if s.ssrc == 0xF7050FB8)
    packets = ContentSource(path, result)._packets(stream)
    octet = packets.payloads
    efficient = [octet_to_bandwidth_efficient(p) for p in octet]
    assert all(len(b) < len(a) for a, b in zip(octet, efficient, strict=True))
    detected = [with_packing(Codec("AMR-WB", 16000), p).fmtp for p in (octet, efficient)]
    assert detected == ["octet-align=1", "octet-align=0"]

    def decode(payloads: list[bytes], fmtp: str) -> np.ndarray:
        return build_timeline(
            decoder_for(Codec("AMR-WB", 16000, 1, fmtp)), arrival_s=packets.arrival_s,
            seq=packets.seq, timestamp=packets.timestamp, payloads=payloads,
            audio=np.ones(len(payloads), bool), clock_rate=16000,
        ).samples

    a, b = decode(octet, "octet-align=1"), decode(efficient, "octet-align=0")
    assert a.size == 126400 and np.array_equal(a, b)
    assert hashlib.sha256(a.astype("<i2").tobytes()).hexdigest() == NESFIT_SHA
