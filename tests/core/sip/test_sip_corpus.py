"""SIP → calls on real captures of the shared corpus (read with the capture reader)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from callscope.core.model import Call
from callscope.core.sip.calls import build_calls
from callscope.core.sip.find import find_sip_messages
from callscope.core.sip.message import SipMessage

pytestmark = pytest.mark.corpus


def sip_of(path: Path) -> tuple[list[SipMessage], list[Call]]:
    """SIP messages and calls of one capture file."""
    reader = pytest.importorskip("callscope.core.capture.reader")
    capture = reader.read_capture(path)
    try:
        messages = find_sip_messages(capture)
    finally:
        capture.close()
    return messages, build_calls(messages)


def codec_names(call: Call) -> set[str]:
    return {codec.name for media in call.media for codec in media.codecs.values()}


def test_g711_call_with_rtcp(corpus: Path) -> None:
    """Two INVITE dialogs: one answered (PCMA offered and answered), one left ringing."""
    messages, calls = sip_of(corpus / "sip-g711a-rtcp_SIP_CALL_RTP_G711.pcap")
    assert len(messages) == 14
    assert [(c.call_id, c.state) for c in calls] == [
        ("12013223@200.57.7.195", "IN CALL"),
        ("12015624@200.57.7.195", "RINGING"),
    ]
    answered = calls[0]
    assert [(m.address, m.port, m.frame) for m in answered.media] == [
        ("200.57.7.196", 40376, 1), ("200.57.7.204", 8000, 498)
    ]  # fmt: skip
    assert all(m.codecs[8].name == "PCMA" for m in answered.media)
    assert answered.to_party == "sip:f***@bestel.com:55060"


def test_sip_over_tcp(corpus: Path) -> None:
    messages, calls = sip_of(corpus / "sip-over-tcp-g711a-cn.pcap")
    assert [m.summary for m in messages] == [
        "INVITE", "100 Trying", "180 Ringing", "200 OK", "ACK", "BYE", "200 OK"
    ]  # fmt: skip
    assert [m.frame for m in messages] == [3, 5, 7, 9, 11, 81, 83]
    (call,) = calls
    assert (call.transport, call.state, call.messages) == ("tcp", "COMPLETED", 7)
    assert {"PCMA", "CN", "telephone-event"} <= codec_names(call)


def test_rejected_and_cancelled_dialogs(corpus: Path) -> None:
    messages, calls = sip_of(corpus / "sip-g711a-short-call_aaa.pcap")
    assert len(messages) == 81
    assert Counter(c.state for c in calls) == {"REJECTED": 3, "CANCELLED": 1}
    cancelled = next(c for c in calls if c.state == "CANCELLED")
    assert cancelled.call_id == "105090259-446faf7a@192.168.1.2"
    assert all("REGISTER" not in c.call_id for c in calls) and len(calls) == 4


def test_l16_variants_rates_and_channels(corpus: Path) -> None:
    _, calls = sip_of(corpus / "sip-l16-4variants_sipp-freeswitch.pcap")
    assert [c.state for c in calls] == ["COMPLETED"] * 4
    l16 = [
        {(codec.clock_rate, codec.channels) for m in c.media for codec in m.codecs.values()
         if codec.name == "L16"}
        for c in calls
    ]  # fmt: skip
    assert l16 == [{(8000, 2)}, {(16000, 2)}, {(11025, 1)}, {(48000, 1)}]
    assert [(m.direction) for m in calls[0].media] == ["recvonly", "sendonly"]


def test_sip_over_fragmented_ipv6(corpus: Path) -> None:
    messages, calls = sip_of(corpus / "sip-ipv6-fragmented-sll_sngrep.pcap")
    assert len(messages) == 32
    invite = messages[0]
    assert (invite.frame, invite.method, invite.src) == (
        2, "INVITE", "fd17:625c:f037:2:a00:27ff:feb9:1521"
    )  # fmt: skip
    assert len(invite.body) > 0
    (call,) = calls
    assert call.state == "COMPLETED" and call.messages == 32
    assert call.media[0].address == "fd17:625c:f037:2:a00:27ff:feb9:1521"
    assert "AMR-WB" in codec_names(call)


def test_http_on_port_5060_is_not_sip(corpus: Path) -> None:
    messages, calls = sip_of(corpus / "nonvoip-http-on-sip-port-5060_ndpi.pcap")
    assert messages == [] and calls == []


def test_fuzzed_sip_is_survived(corpus: Path) -> None:
    messages, calls = sip_of(corpus / "broken-fuzzed-sip-rtp_aaa-fuzz-2006-06-26-2594.pcap")
    assert len(messages) > 20 and len(calls) >= 4


def test_every_capture_parses_and_parties_stay_masked(corpus: Path) -> None:
    files = sorted(p for p in corpus.iterdir() if p.suffix in (".pcap", ".pcapng"))
    assert len(files) > 30
    total_calls = 0
    for path in files:
        try:
            _, calls = sip_of(path)
        except Exception as error:  # only the reader may refuse a file
            assert type(error).__name__ == "CaptureError", (path.name, error)
            continue
        total_calls += len(calls)
        for call in calls:
            for party in (call.from_party, call.to_party):
                no_port = re.sub(r":\d{1,5}(?=;|$)", "", party.split("@", 1)[0])
                user = no_port.split(";", 1)[0]
                assert not re.search(r"\d{4}", user), (path.name, party)
    assert total_calls >= 40
