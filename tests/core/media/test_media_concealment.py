"""Loss concealment: a dropped packet's stretch, decoded by the codec's concealment.

G.729 (FFmpeg's frame erasure) is nearer the original waveform than silence. AMR-NB's
3GPP handling of a missing frame ("no data" outside DTX) is not (median -0.5 dB over 30
drops, measured): it keeps the level and spectrum going and fades, which is what a
handset plays, so it is kept, and tested for level continuity only.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from callscope.core.analysis import analyze
from callscope.core.content.access import ContentSource
from callscope.core.media.decoders import decoder_for
from callscope.core.media.timeline import build_timeline
from callscope.core.model import Codec

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.mark.parametrize(("capture", "ssrc", "codec"), [
    ("sip-g729a_sipp-freeswitch.pcap", 0x044559A1, Codec("G729", 8000)),
    ("vowifi-esp-in-udp-sip-amr-rtcp-sll_rtpdump-sample2.pcap", 0x20AE3805,
     Codec("AMR", 8000, 1, "octet-align=0")),
], ids=["G729", "AMR"])
def test_concealment_fills_a_lost_packet(capture: str, ssrc: int, codec: Codec) -> None:
    result = analyze(DATA / capture)
    stream = next(s for s in result.streams if s.ssrc == ssrc)
    packets = ContentSource(DATA / capture, result)._packets(stream)

    def timeline(keep: np.ndarray):
        idx = np.flatnonzero(keep)
        return build_timeline(
            decoder_for(codec), arrival_s=packets.arrival_s[idx], seq=packets.seq[idx],
            timestamp=packets.timestamp[idx], payloads=[packets.payloads[i] for i in idx],
            audio=np.ones(idx.size, bool), clock_rate=8000,
        )

    full = timeline(np.ones(packets.seq.size, bool)).samples.astype(float)
    gains, levels = [], []
    for k in range(20, packets.seq.size - 5, 23):
        keep = np.ones(packets.seq.size, bool)
        keep[k] = False
        tl = timeline(keep)
        (a, b), = tl.gaps_of("loss")
        original, concealed = full[a:b], tl.samples[a:b].astype(float)
        if np.mean(original**2) > 1e4 and concealed.any():  # speech there, not a pause
            # Silence has an error energy equal to the original's: 0 dB.
            gains.append(10 * np.log10(np.sum(original**2) / np.sum((concealed - original) ** 2)))
            levels.append(10 * np.log10(np.mean(concealed**2) / np.mean(original**2)))
    assert len(gains) >= 3
    assert -10 < np.median(levels) < 3  # the level goes on (silence: -inf), no blow-up
    if codec.name == "G729":
        assert np.median(gains) > 0.5  # measured: 2.5 dB (AMR-WB, corpus nesfit: 1.0 dB)
