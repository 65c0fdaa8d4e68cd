"""A whole synthetic call: SIP, RTP both ways, RTCP reports, truth and audio payload."""

from __future__ import annotations

import struct
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from synth_reader import Datagram

from callscope.core.errors import CallScopeError
from callscope.core.synth import g711
from callscope.core.synth.impairments import Impairments
from callscope.core.synth.scenario import CALLEE, CALLER, CallSpec, two_way_call
from callscope.core.synth.sip_call import Party

Reader = Callable[[Path], list[Datagram]]
SHORT = CallSpec(media_s=6.0, ring_s=0.5, rtcp_interval_s=2.0, seed=4,
                 forward=Impairments(loss=0.05), backward=Impairments(duplicates=0.05))


@pytest.fixture(scope="module")
def call_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    cap = two_way_call(SHORT)
    path = tmp_path_factory.mktemp("call") / "call.pcap"
    cap.write(path)
    return path, cap


def test_ports_carry_what_they_should(call_file: tuple[Path, object],
                                      read_capture: Reader) -> None:
    path, cap = call_file
    got = read_capture(path)
    kinds = Counter(d.dport for d in got)
    assert kinds[5060] == 7
    assert kinds[50000] == cap.truth[0].received and kinds[40000] == cap.truth[1].received
    assert kinds[50001] + kinds[40001] == len(cap.rtcp) >= 4
    assert [d.ts for d in got] == sorted(d.ts for d in got)
    first_rtp = min(i for i, d in enumerate(got) if d.dport in (40000, 50000))
    sip_before = [d.payload.split(b" ")[0] for d in got[:first_rtp] if d.dport == 5060]
    assert sip_before == [b"INVITE", b"SIP/2.0", b"SIP/2.0", b"SIP/2.0"]  # media after 200 OK
    assert got[-1].payload.startswith(b"SIP/2.0 200 OK")  # ends with BYE's answer


def test_rtcp_packets_match_their_recorded_blocks(call_file: tuple[Path, object],
                                                  read_capture: Reader) -> None:
    path, cap = call_file
    rtcp = [d for d in read_capture(path) if d.dport in (40001, 50001)]
    for d, fact in zip(rtcp, cap.rtcp, strict=True):
        head, pt, words = struct.unpack_from("!BBH", d.payload)
        assert head == 0x81 and pt == 200
        sr_len = 4 * (words + 1)
        assert struct.unpack_from("!BB", d.payload, sr_len)[1] == 202  # SDES follows
        assert sr_len + 4 * (struct.unpack_from("!H", d.payload, sr_len + 2)[0] + 1) == \
            len(d.payload)
        sender, = struct.unpack_from("!I", d.payload, 4)
        packets, = struct.unpack_from("!I", d.payload, 20)
        ssrc, lost_word, highest, jitter, lsr, dlsr = struct.unpack_from("!6I", d.payload, 28)
        cumulative = lost_word & 0xFFFFFF
        cumulative -= (1 << 24) if cumulative >> 23 else 0
        assert (sender, packets, ssrc, lost_word >> 24, cumulative, highest, jitter, lsr, dlsr) == (
            fact["reporter_ssrc"], fact["sender_packets"], fact["ssrc"], fact["fraction_lost"],
            fact["cumulative_lost"], fact["highest_seq"], fact["jitter"], fact["lsr"],
            fact["dlsr"])
    assert any(f["cumulative_lost"] > 0 for f in cap.rtcp)  # forward loss shows up
    assert any(f["cumulative_lost"] < 0 for f in cap.rtcp)  # backward duplicates too
    assert all(f["lsr"] for f in cap.rtcp[1:])  # everyone heard an SR before reporting


def test_truth_json_and_streams(call_file: tuple[Path, object]) -> None:
    _, cap = call_file
    doc = cap.truth_json()
    fwd, bwd = doc["streams"]
    assert (fwd["src"], fwd["dport"], bwd["src"], bwd["dport"]) == (
        CALLER.address, CALLEE.rtp_port, CALLEE.address, CALLER.rtp_port)
    assert fwd["lost"] > 0 and bwd["lost"] < 0 and fwd["codec"] == "PCMA"
    assert fwd["sent"] == bwd["sent"] == 300
    assert doc["sip"]["messages"][0]["summary"] == "INVITE"
    assert doc["sip"]["caller"] == "+3225550100" and doc["packets"] == len(cap.frames)


def test_given_pcm_is_what_the_payload_carries(tmp_path: Path, read_capture: Reader) -> None:
    pcm = (np.arange(8000 * 2) % 300 * 50 - 7500).astype(np.int16)
    spec = CallSpec(codec="pcmu", media_s=2.0, ring_s=0.3, forward_audio=pcm,
                    backward_audio=pcm[::-1].copy())
    path = tmp_path / "x.pcap"
    two_way_call(spec).write(path)
    payload = b"".join(d.payload[12:] for d in read_capture(path) if d.dport == 50000)
    assert payload == g711.encode_ulaw(pcm).tobytes()


def test_default_audio_is_speech_in_both_directions(call_file: tuple[Path, object],
                                                    read_capture: Reader) -> None:
    path, _ = call_file
    for port in (40000, 50000):
        codes = np.frombuffer(b"".join(d.payload[12:] for d in read_capture(path)
                                       if d.dport == port), np.uint8)
        assert len(np.unique(codes)) > 40  # not a constant or a bare tone


def test_ipv6_call_and_bad_spec(tmp_path: Path, read_capture: Reader) -> None:
    spec = CallSpec(media_s=1.0, ring_s=0.3, caller=Party("+3225550100", "2001:db8::10"),
                    callee=Party("+3225550199", "2001:db8::20", "example.net", rtp_port=50000))
    path = tmp_path / "v6.pcap"
    two_way_call(spec).write(path)
    got = read_capture(path)
    assert all(len(d.src) == 16 for d in got) and sum(d.dport == 5060 for d in got) == 7
    with pytest.raises(CallScopeError, match="media"):
        two_way_call(CallSpec(media_s=0.0))
