"""Every codec against an independent decoding of the same payloads, through the gate.

Expected data (tests/data/decoded/expected.json, made by make_expected.py there) come
from tshark's payloads, files built without CallScope's code and the FFmpeg CLI (or
Debian's opencore for AMR). Timelines start at each stream's first packet, so sample 0
of both is the same instant. Corpus figures were computed the same way and are below.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import wave
import zlib
from pathlib import Path

import numpy as np
import pytest
from privacy_fixtures import World, customer_parties, record_for, world

from callscope.core.analysis import analyze
from callscope.core.content.access import (
    ContentSource,
    coarse_levels,
    decode_for_listening,
    export_wav,
    full_spectrogram,
)
from callscope.core.content.evs_report import evs_report
from callscope.core.content.playback import GrantedPlayback
from callscope.core.errors import CallScopeError
from callscope.core.media.timeline import Timeline
from callscope.core.model import Codec
from callscope.core.privacy.consent_store import save_record
from callscope.core.privacy.gate import ContentGate
from callscope.core.privacy.grant import Grant

__all__ = ["world"]
DATA = Path(__file__).resolve().parents[2] / "data"
EXPECTED = json.loads((DATA / "decoded" / "expected.json").read_text())


class Opened:
    """A capture copied under the test's home, consented, analysed, granted ``listen``."""

    def __init__(self, w: World, folder: Path, capture: Path) -> None:
        path = folder / capture.name
        shutil.copyfile(capture, path)
        w.capture, w.sha = path, hashlib.sha256(path.read_bytes()).hexdigest()
        save_record(record_for(w, parties=customer_parties()), w.log, "alice")
        self.source = ContentSource(path, analyze(path))
        self.gate: ContentGate = w.gate()
        ids = [s.id for s in self.source.result.streams]
        self.grant: Grant = self.gate.request(w.sha, ids, {"listen", "spectrogram",
                                                           "export_audio"},
                                              case_ref="INC-1", reason="codec check")

    def stream_id(self, ssrc: int, sport: int) -> int:
        return next(s.id for s in self.source.result.streams
                    if s.ssrc == ssrc and s.sport == sport)

    def listen(self, ssrc: int, sport: int, decode_as: str | None = None) -> Timeline:
        codec = Codec(decode_as, 0) if decode_as else None
        return decode_for_listening(self.gate, self.grant, self.source,
                                    self.stream_id(ssrc, sport), codec=codec)


def _sha(pcm: np.ndarray) -> str:
    return hashlib.sha256(pcm.astype("<i2").tobytes()).hexdigest()


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_timeline_equals_the_independent_decoding(key: str, world: World, tmp_path: Path
                                                  ) -> None:
    e = EXPECTED[key]
    opened = Opened(world, tmp_path, DATA / e["capture"])
    pcm = opened.listen(e["ssrc"], e["sport"], e["decode_as"]).samples
    assert pcm.size == e["samples"]
    head = np.array(e["head"], np.int16)
    assert np.array_equal(pcm[e["offset"] : e["offset"] + head.size], head)
    if "block_crc32" not in e:
        assert _sha(pcm) == e["sha256"]  # bit-exact
        return
    # Opus: float decoders round a few samples (within 1e-4 of .5 LSB) the other way
    # between versions and SIMD paths: libopus 1.6.1 (PyAV) vs Debian's 1.3.1 (the
    # reference here): 13 of 408000 samples, by 1 LSB. Block sums then stay within a few
    # units, while a wrong frame, offset or gap would move them by thousands.
    blocks = pcm[: len(e["block_crc32"]) * 480].reshape(-1, 480)
    crcs = [zlib.crc32(b.astype("<i2").tobytes()) for b in blocks]
    differing = sum(a != b for a, b in zip(crcs, e["block_crc32"], strict=True))
    assert differing <= max(4, len(crcs) // 50)
    sums = blocks.astype(np.int64).sum(axis=1)
    assert int(np.abs(sums - np.array(e["block_sum"], np.int64)).max()) <= 8
    assert abs(float(np.sqrt(np.mean(pcm.astype(float) ** 2))) - e["rms"]) < 0.01


def test_telephone_events_and_loss_are_marked(world: World, tmp_path: Path) -> None:
    opened = Opened(world, tmp_path, DATA / "sip-g711a-rfc2833-dtmf_SIP_DTMF2.pcap")
    with_events = opened.listen(0x5711BF84, 4376)
    assert set(with_events.gap_kinds) == {"event"}
    assert all(not with_events.samples[a:b].any() for a, b in with_events.gaps)
    lossy = opened.listen(0x9A7B5382, 4374)
    assert lossy.gap_kinds == ["loss", "loss"]  # tshark: 2 packets of 30 ms lost
    assert sum(b - a for a, b in lossy.gaps) == 2 * 240


def test_amr_without_sdp_needs_decode_as_and_detects_the_packing(world: World, tmp_path: Path
                                                                 ) -> None:
    opened = Opened(world, tmp_path, DATA / "rtp-amr-nb-sll-duplicates_rtpdump-sample1.pcap")
    with pytest.raises(CallScopeError, match="Decode as"):
        opened.listen(0x710006B8, 1236)
    tl = opened.listen(0x710006B8, 1236, "AMR")
    assert tl.sample_rate == 8000 and tl.sid_frames == 19
    assert set(tl.gap_kinds) == {"dtx"}  # SID + no-data periods, no sequence gap


def test_evs_is_reported_per_packet_and_refused_as_audio(world: World, tmp_path: Path) -> None:
    opened = Opened(world, tmp_path, DATA / "ims-ipv6-rawip-sip-evs-24k4-dtx-rtcp_nokia-udp_"
                                           "voice_ott.pcap")
    stream = next(s for s in opened.source.result.streams if s.ssrc == 0x000EA61D)
    with pytest.raises(CallScopeError, match="EVS audio is not available"):
        opened.listen(stream.ssrc, stream.sport, "EVS")
    # No grant needed: payload sizes and ToC only. tshark: 886 payloads of 61 bytes
    # (compact 24.4 kbit/s Primary) and 335 of 6 bytes (compact SID).
    report = evs_report(opened.source, stream.id)
    assert report.summary == {"Primary 24.4": 886, "SID 2.4": 335}
    assert report.mode.shape == report.kbps.shape == (stream.stats.packets,)
    assert np.array_equal(report.kbps == 24.4, report.payload_bytes == 61)
    assert not report.header_full.any() and np.all(report.frames == 1)


def test_decode_as_reaches_every_content_path(world: World, tmp_path: Path) -> None:
    opened = Opened(world, tmp_path, DATA / "voip-rawip-opus-60ms-rtcp-stun_nokia-udp_volte.pcap")
    sid = opened.stream_id(0x28AA3478, 53634)
    opus = Codec("opus", 0)
    gate, grant, source = opened.gate, opened.grant, opened.source
    spec, _start = full_spectrogram(gate, grant, source, sid, codec=opus)
    coarse, _start = coarse_levels(source, sid, codec=opus)
    assert spec.freqs_hz[-1] == 24000 and coarse.db.shape[1] <= 8
    out = export_wav(gate, grant, source, [sid], tmp_path / "opus.wav", codec=opus)
    with wave.open(str(out)) as wav:
        assert wav.getframerate() == 48000 and wav.getnframes() == 3306240
    playback = GrantedPlayback(gate, grant, source, [sid], codec=opus, jitter_buffer_ms=None)
    assert playback.sample_rate == 48000 and playback.frames == 3306240
    with pytest.raises(CallScopeError, match="Decode as"):
        coarse_levels(source, sid)


# ---- corpus: captures whose licence keeps them out of tests/data -----------------------
# (capture, ssrc, sport, decode as) → (samples, RMS, SHA-256 of the int16 PCM), computed
# with tests/data/decoded/make_expected.py --corpus (tshark + Debian opencore / FFmpeg CLI).
CORPUS_EXPECTED = {
    ("sip-amr-wb-rtcp_nesfit-codecs3.pcap", 0xF7050FB8, 5074, None): (
        126400, 13731.477, "12d910f9d637b880ed8fb80c232870e79418fe688b8fd0f5dca2b81c6d403159"),
    ("rtp-amr-wb-rtcp-no-signalling_nesfit-codecs3-ns.pcap", 0xF7050FB8, 5074, "AMR-WB"): (
        126400, 13731.477, "12d910f9d637b880ed8fb80c232870e79418fe688b8fd0f5dca2b81c6d403159"),
    ("volte-s1u-gtpu-ipv6-amr-wb-esp-sip_amarisoft.pcap", 0x436A831A, 31008, "AMR-WB"): (
        71040, 154.111, "e49b18a2f8a125533274e7da0f5250e1df9ac7459a93f55b8e8e1bbf32e3b124"),
    ("sip-g729b-vad-dtx-rtcp_nesfit-codecs2.pcap", 0x059D0001, 17810, None): (
        211040, 376.732, "f1acf601af505ac00a227878f954da87c832f49c47651e4137f260f9ab6fb4bd"),
    ("sip-over-tls-rtp-b2bua-g711u_voipshark.pcap", 0x00294823, 4000, None): (
        191200, 615.986, "828c516e2081a8ddbf265177a8afad2e94bb639ec1ccc62fed975fe3523d1601"),
}


@pytest.mark.corpus
@pytest.mark.parametrize("stream", sorted(CORPUS_EXPECTED, key=str), ids=lambda s: s[0][:24])
def test_corpus_stream_equals_the_independent_decoding(
    stream: tuple[str, int, int, str | None], corpus: Path, world: World, tmp_path: Path,
) -> None:
    name, ssrc, sport, decode_as = stream
    samples, rms, sha = CORPUS_EXPECTED[stream]
    pcm = Opened(world, tmp_path, corpus / name).listen(ssrc, sport, decode_as).samples
    assert pcm.size == samples
    assert round(float(np.sqrt(np.mean(pcm.astype(float) ** 2))), 3) == rms
    assert _sha(pcm) == sha


@pytest.mark.corpus
def test_corpus_g729b_sid_periods_are_dtx(corpus: Path, world: World, tmp_path: Path) -> None:
    opened = Opened(world, tmp_path, corpus / "sip-g729b-vad-dtx-rtcp_nesfit-codecs2.pcap")
    tl = opened.listen(0x059D0001, 17810)
    # tshark: 364 two-byte SID payloads + 16 payloads of a speech frame and a SID.
    assert tl.sid_frames == 380 and set(tl.gap_kinds) == {"dtx"} and tl.undecodable == 0


@pytest.mark.corpus
def test_corpus_comfort_noise_follows_each_cn_level(corpus: Path, world: World, tmp_path: Path
                                                    ) -> None:
    # Stream 0x5a3361b3: CN levels 61, 64, 67 -dBov (tshark) at samples 1600, 2080, 3840;
    # speech resumes at 14400; a 4th CN packet ends the stream (nothing after it to fill).
    tl = Opened(world, tmp_path, corpus / "sip-over-tcp-g711a-cn.pcap").listen(0x5A3361B3, 6000)
    assert tl.gaps == [(1600, 14400)] and tl.gap_kinds == ["dtx"] and tl.cn_packets == 4

    def level(a: int, b: int) -> float:
        x = tl.samples[a:b].astype(float)
        return float(20 * np.log10(np.sqrt(np.mean(x**2)) / 32768))

    assert abs(level(1600, 2080) + 61) < 1.5
    assert abs(level(2080, 3840) + 64) < 1.0
    assert abs(level(3840, 14400) + 67) < 0.5
