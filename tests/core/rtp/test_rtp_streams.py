"""find_streams end to end on synthetic captures (metrics stubbed): what is a stream, whose."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
import wireshark_reference
from rtp_factory import (
    Builder,
    rtcp_rr,
    rtp,
    stream_of,
    stub_analyse_stream,
)

from callscope.core.capture.capture import TcpStream
from callscope.core.capture.reader import read_capture
from callscope.core.capture.table import Transport
from callscope.core.errors import CancelledError, CaptureError
from callscope.core.model import Call, Codec, MediaDescription
from callscope.core.progress import CancelToken, Progress
from callscope.core.rtp import stream_build
from callscope.core.rtp.streams import find_streams
from callscope.core.sip.calls import build_calls
from callscope.core.sip.find import find_sip_messages

STUN = struct.pack("!HHI", 0x0001, 0, 0x2112A442) + bytes(12)
DTLS = bytes([22, 0xFE, 0xFD]) + bytes(8) + struct.pack("!H", 40) + bytes(40)
DNS = bytes([0x80, 0x12, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]) + b"\x03www\x00\x00\x01\x00\x01"


@pytest.fixture(autouse=True)
def _stub_metrics(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream_build, "analyse_stream", stub_analyse_stream)


def sdp_call(call_id: str, address: str, port: int, frame: int, protocol: str = "RTP/AVP",
             codecs: dict[int, Codec] | None = None, crypto: bool = False) -> Call:
    media = MediaDescription(address, port, "audio", protocol, tuple(codecs or {}),
                             codecs or {}, has_crypto=crypto, frame=frame)
    return Call(call_id, "a", "b", "IN CALL", 0, 0, media=[media])


def test_signalled_and_unsignalled_streams_with_junk_around() -> None:
    b = Builder()
    b.add("10.0.0.5", 5060, "10.0.0.6", 5060, b"INVITE (SDP)", 0.0)  # frame 1
    for i in range(30):
        t = 0.01 + i * 0.02
        pt = 101 if 10 <= i < 13 else 99
        b.add("10.0.0.9", 7000, "10.0.0.1", 4000, rtp(i, i * 320, 0xA1, pt), t)  # to SDP
        b.add("10.0.0.3", 6000, "10.0.0.4", 6002, rtp(i + 50, i * 160, 0xB2, 0), t + 0.001)
        b.add("10.0.0.3", 53, "10.0.0.4", 40000, DNS, t + 0.002)
        b.add("10.0.0.3", 3478, "10.0.0.4", 40002, STUN, t + 0.003)
    b.add("10.0.0.7", 6000, "10.0.0.8", 6000, rtp(1, 1, 0xC3), 1.0)  # lone packets
    b.add("10.0.0.7", 6000, "10.0.0.8", 6000, rtp(2, 161, 0xC3), 1.02)
    codecs = {99: Codec("AMR-WB", 16000), 101: Codec("telephone-event", 8000)}
    call = sdp_call("call-1", "10.0.0.1", 4000, 1, codecs=codecs)
    streams, warnings = find_streams(b.capture(), [call])
    assert warnings == []
    assert [(s.id, s.ssrc, s.found_by) for s in streams] == [
        (1, 0xA1, "sdp"), (2, 0xB2, "heuristic")]
    sdp, heuristic = streams
    assert (sdp.call_id, sdp.codec, sdp.clock_rate, sdp.payload_types) == (
        "call-1", "AMR-WB", 16000, [99, 101])
    assert sdp.telephone_events == 3 and sdp.stats.packets == 30
    assert (heuristic.call_id, heuristic.codec, heuristic.clock_rate) == (None, "PCMU", 8000)
    assert (heuristic.src_label, heuristic.dst_label) == ("10.0.0.3:6000", "10.0.0.4:6002")
    assert call.stream_ids == [1]
    find_streams(b.capture(), [call])
    assert call.stream_ids == [1]  # analysing again does not duplicate


def test_rtp_lookalikes_in_a_quic_conversation_are_not_streams() -> None:
    b = Builder()
    b.add("10.0.0.1", 50000, "10.0.0.2", 443, bytes([0xC3]) + struct.pack("!I", 1) + bytes(40), 0)
    stream_of(b, "10.0.0.2", 443, "10.0.0.1", 50000, 0x31, 20, start_s=0.1)
    stream_of(b, "10.0.0.2", 443, "10.0.0.1", 50002, 0x32, 20, start_s=0.1)  # no QUIC here
    streams, _ = find_streams(b.capture(), [])
    assert [s.ssrc for s in streams] == [0x32]


def test_packets_before_the_sdp_are_not_counted() -> None:
    b = Builder()
    stream_of(b, "10.0.0.9", 7000, "10.0.0.1", 4000, 0xA1, 5)  # frames 1..5
    b.add("10.0.0.5", 5060, "10.0.0.6", 5060, b"200 OK (SDP)", 0.2)  # frame 6
    stream_of(b, "10.0.0.9", 7000, "10.0.0.1", 4000, 0xA1, 5, start_s=0.3, first_seq=105)
    streams, _ = find_streams(b.capture(), [sdp_call("c", "10.0.0.1", 4000, 6)])
    assert len(streams) == 1
    assert streams[0].series.frame.tolist() == [7, 8, 9, 10, 11]


def test_after_a_t38_offer_rtp_streams_go_on_and_udptl_is_not_rtp() -> None:
    b = Builder()
    b.add("10.0.0.5", 5060, "10.0.0.6", 5060, b"INVITE audio", 0.0)  # frame 1
    stream_of(b, "10.0.0.2", 6000, "10.0.0.1", 4000, 0x51, 10, start_s=0.01)  # frames 2..11
    b.add("10.0.0.5", 5060, "10.0.0.6", 5060, b"re-INVITE image", 0.3)  # frame 12
    stream_of(b, "10.0.0.2", 6000, "10.0.0.1", 4000, 0x51, 10, start_s=0.31, first_seq=110)
    for i in range(10):  # UDPTL: sequence number then IFP, version bits 2 by chance
        udptl = struct.pack("!H", 0x8000 + i) + bytes([0x06, 0x80 + i]) + bytes(range(i, i + 20))
        b.add("10.0.0.2", 6002, "10.0.0.1", 4000, udptl, 0.32 + i * 0.02)
    audio = MediaDescription("10.0.0.1", 4000, "audio", "RTP/AVP", (8,), {}, frame=1)
    image = MediaDescription("10.0.0.1", 4000, "image", "udptl", (), {}, frame=12)
    call = Call("fax", "a", "b", "IN CALL", 0, 0, media=[audio, image])
    streams, _ = find_streams(b.capture(), [call])
    assert [(s.ssrc, s.stats.packets, s.found_by) for s in streams] == [(0x51, 20, "sdp")]


def test_one_ssrc_on_two_legs_and_two_tunnels_makes_separate_streams() -> None:
    b = Builder()
    for i in range(10):
        t = i * 0.02
        b.add("10.0.0.1", 4000, "10.0.0.2", 4000, rtp(i, i * 160, 0xD4), t)
        b.add("10.0.0.2", 5000, "10.0.0.3", 5000, rtp(i, i * 160, 0xD4), t + 0.001)
        for teid in (11, 12):
            b.add("fd00::1", 6000, "fd00::2", 6000, rtp(i, i * 160, 0xE5), t + 0.002,
                  transport=Transport.GTPU_UDP, teid=teid)
    streams, _ = find_streams(b.capture(), [])
    assert sorted((s.ssrc, s.transport, s.teid, s.stats.packets) for s in streams) == [
        (0xD4, "udp", 0, 10), (0xD4, "udp", 0, 10),
        (0xE5, "gtpu-udp", 11, 10), (0xE5, "gtpu-udp", 12, 10)]


def test_rtcp_reports_reach_the_stream_they_describe() -> None:
    b = Builder()
    stream_of(b, "10.0.0.1", 4000, "10.0.0.2", 5000, 0xF6, 20)
    stream_of(b, "10.0.0.3", 4000, "10.0.0.2", 5000, 0xF6, 20, start_s=0.005)  # same SSRC
    b.add("10.0.0.2", 5001, "10.0.0.1", 4001, rtcp_rr(0x77, [(0xF6, 26, 5, 119, 80)]), 0.5)
    streams, _ = find_streams(b.capture(), [])
    by_source = {s.src: s for s in streams}
    (report,) = by_source["10.0.0.1"].rtcp
    assert by_source["10.0.0.3"].rtcp == []
    assert (report.frame, report.reporter_ssrc, report.cumulative_lost) == (41, 0x77, 5)
    assert report.fraction_lost == pytest.approx(26 / 256)
    assert report.jitter_ms == pytest.approx(10.0)  # 80 ticks at 8 kHz
    assert report.time_s == pytest.approx(0.5)


def test_srtp_from_sdp_dtls_tag_size_and_srtcp_but_not_stun() -> None:
    b = Builder()
    tag = bytes(10)
    for i in range(20):
        t = i * 0.02
        b.add("10.0.1.1", 4000, "10.0.1.2", 4000, rtp(i, i * 160, 0x01), t)  # SDP SAVP
        b.add("10.0.2.1", 4000, "10.0.2.2", 4000, rtp(i, i * 960, 0x02, 111), t)  # + DTLS
        b.add("10.0.6.1", 4000, "10.0.6.2", 4000, rtp(i, i * 960, 0x06, 111), t)  # + STUN
        b.add("10.0.3.1", 4000, "10.0.3.2", 4000,
              rtp(i, i * 160, 0x03, 8, payload=bytes(160) + tag), t)  # G.711 + HMAC tag
        b.add("10.0.4.1", 4000, "10.0.4.2", 4000, rtp(i, i * 160, 0x04, 8), t)  # plain
        b.add("10.0.5.1", 4000, "10.0.5.2", 4000, rtp(i, i * 960, 0x05, 111), t)  # + SRTCP
    b.add("10.0.2.2", 4000, "10.0.2.1", 4000, DTLS, 0.5)
    b.add("10.0.6.2", 4000, "10.0.6.1", 4000, STUN, 0.5)
    srtcp = rtcp_rr(0x99, [(0x05, 0, 0, 0, 0)])
    srtcp = srtcp[:8] + bytes(len(srtcp) - 8) + struct.pack("!I", 0x80000001) + tag
    b.add("10.0.5.2", 4001, "10.0.5.1", 4001, srtcp, 0.6)
    call = sdp_call("c", "10.0.1.2", 4000, 0, "RTP/SAVP")
    streams, _ = find_streams(b.capture(), [call])
    assert {s.ssrc: s.srtp for s in streams} == {1: True, 2: True, 3: True, 4: False, 5: True,
                                                 6: False}
    assert next(s for s in streams if s.ssrc == 5).rtcp == []  # encrypted: no reports


def test_rtp_over_tcp_and_ids_in_first_packet_order() -> None:
    b = Builder()
    stream_of(b, "10.0.0.1", 4000, "10.0.0.2", 5000, 0x10, 10, start_s=0.5)  # frames 1..10
    units = [rtp(i, i * 160, 0x20) for i in range(6)]
    data = b"".join(struct.pack("!H", len(u)) + u for u in units)
    ends = np.cumsum([174] * 6)
    tcp = TcpStream("10.0.9.1", 40000, "10.0.9.2", 5004, 0, False, data, ends.astype(np.int64),
                    np.array([1, 2, 3, 4, 5, 6], np.int64), np.arange(6, dtype=np.int64), [])
    streams, _ = find_streams(b.capture([tcp]), [])
    assert [(s.id, s.ssrc, s.transport) for s in streams] == [(1, 0x10, "udp"), (2, 0x20, "tcp")]
    assert streams[1].stats.packets == 6


def test_progress_cancel_and_empty_capture() -> None:
    b = Builder()
    stream_of(b, "10.0.0.1", 4000, "10.0.0.2", 5000, 0x10, 10)
    stream_of(b, "10.0.0.1", 4002, "10.0.0.2", 5002, 0x11, 10)
    seen: list[Progress] = []
    streams, _ = find_streams(b.capture(), [], progress=seen.append)
    assert [(p.stage, p.done, p.total, p.streams_found) for p in seen] == [
        ("streams", 1, 2, 1), ("streams", 2, 2, 2)]
    token = CancelToken()
    token.cancel()
    with pytest.raises(CancelledError):
        find_streams(b.capture(), [], cancel=token)
    assert find_streams(Builder().capture(), []) == ([], [])
    assert len(streams) == 2


# --- The corpus against tshark 4.0.17 ----------------------------------------------------------

Key = tuple[str, int, str, int, int]

EXTRA_IN_OURS: dict[str, dict[Key, tuple[int, str]]] = {
    "rtp-mixed-tcp-rfc4571-vlan-rtpevent-h263_ndpi.pcapng": {
        ("172.16.168.24", 40252, "172.16.168.64", 5000, 0): (
            17, "RTP over TCP (RFC 4571) with no signalling: tshark 4.0 has no RFC 4571 "
            "heuristic (packet-rtp.c registers rtp_rfc4571 only for SDP/Decode As)"),
    },
}
MISSING_FROM_OURS: dict[str, dict[Key, str]] = {
    "broken-fuzzed-sip-rtp_aaa-fuzz-2006-06-26-2594.pcap": {
        ("81.168.1.2", 30000, "212.242.33.36", 40392, 0x3796CB71):
            "one packet whose source address the fuzzer changed: Wireshark's rtp_udp heuristic "
            "takes any version-2 datagram; ours needs MIN_PACKETS consistent packets",
        ("192.168.1.3", 30000, "212.242.33.36", 40392, 0x3796CB71):
            "same: a single fuzzed packet, not a stream",
    },
}
DIFFERENT_COUNT: dict[str, dict[Key, tuple[int, str]]] = {
    "sip-t38-fax-g711a-cn-loss_FAX-Call-t38-CA-TDM-SIP-FB-1.pcap": {
        ("10.35.60.100", 15580, "10.23.1.52", 16756, 0x0EAF0EAF): (
            3848, "Wireshark hands 10.23.1.52:16756 to T.38 on the T.38 re-INVITE (frame 3100, "
            "declined with 488) and on a MEGACO SDP announcing audio and image on one port "
            "(frame 3146; apply_sdp_transport registers T.38 after RTP), so it reads the RTP "
            "that goes on (same SSRC, continuous sequence) as malformed UDPTL: 1838 packets"),
    },
}

NOT_SIP_SIGNALLED: dict[str, tuple[set[Key] | None, str]] = {
    "sip-g711a-rtcp_SIP_CALL_RTP_G711.pcap": (
        {("200.57.7.202", 30000, "200.57.7.196", 40362, 0x2E3D)},
        "announced by MGCP's SDP (frames 2945/2946), which CallScope does not parse"),
    "skinny-sccp-g711u-6streams_ndpi.pcap": (
        None, "set up by Skinny (SCCP) OpenReceiveChannel/StartMediaTransmission"),
}
"""Streams in tshark's default run that we find by heuristic (None: all of the capture's)."""


def _corpus_captures(corpus: Path) -> list[str]:
    names = [p.name for p in sorted(corpus.iterdir()) if p.suffix in (".pcap", ".pcapng")]
    return [n for n in names if (corpus / "reference" / f"{n}.rtp_streams.txt").exists()]


@pytest.mark.corpus
def test_corpus_streams_equal_tsharks(corpus: Path) -> None:
    """Same streams (5-tuple + SSRC) and packet counts as tshark, exceptions listed above.

    Signalled streams are compared with tshark's default run, the others with its
    rtp_udp heuristic run; found_by must say which.
    """
    exact = 0
    names = _corpus_captures(corpus)
    assert len(names) >= 40
    for name in names:
        default, with_heuristic = wireshark_reference.load(corpus, name)
        expected: dict[Key, tuple[int, str]] = {r.key: (r.packets, "heuristic")
                                                for r in with_heuristic}
        expected.update({r.key: (r.packets, "sdp") for r in default})
        if name in NOT_SIP_SIGNALLED:
            keys = NOT_SIP_SIGNALLED[name][0] or {r.key for r in default}
            expected.update({k: (expected[k][0], "heuristic") for k in keys})
        try:
            capture = read_capture(corpus / name)
        except CaptureError:
            assert not expected, name
            continue
        try:
            streams, _ = find_streams(capture, build_calls(find_sip_messages(capture)))
        finally:
            capture.close()
        ours = {(s.src, s.sport, s.dst, s.dport, s.ssrc): (s.stats.packets, s.found_by)
                for s in streams}
        for key, (packets, _reason) in EXTRA_IN_OURS.get(name, {}).items():
            assert ours.pop(key)[0] == packets, (name, key)
        for key in MISSING_FROM_OURS.get(name, {}):
            assert key not in ours and expected.pop(key), (name, key)
        for key, (packets, _reason) in DIFFERENT_COUNT.get(name, {}).items():
            assert ours[key][0] == packets and expected[key][0] != packets, (name, key)
            expected[key] = ours[key]
        assert ours == expected, name
        exact += name not in EXTRA_IN_OURS | MISSING_FROM_OURS | DIFFERENT_COUNT
    assert exact == len(names) - 3
