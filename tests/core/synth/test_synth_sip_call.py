"""The SIP call flow parses with dpkt and carries a consistent SDP offer/answer."""

from __future__ import annotations

import re

import dpkt

from callscope.core.synth.codecs import codec
from callscope.core.synth.scenario import CALLEE, CALLER
from callscope.core.synth.sip_call import Party, call_flow

TIMES = {"invite": 0, "trying": 20, "ringing": 100, "ok": 2000, "ack": 2030, "bye": 9000,
         "bye_ok": 9030}


def _parse(data: bytes) -> dpkt.sip.Request | dpkt.sip.Response:
    return dpkt.sip.Request(data) if not data.startswith(b"SIP/2.0") else dpkt.sip.Response(data)


def test_seven_messages_in_order_with_matching_dialog() -> None:
    msgs = call_flow(CALLER, CALLEE, [codec("pcma"), codec("pcmu")], codec("pcma"), TIMES, seed=3)
    assert [m.summary for m in msgs] == ["INVITE", "100 Trying", "180 Ringing", "200 OK", "ACK",
                                         "BYE", "200 OK"]
    parsed = [_parse(m.data) for m in msgs]
    assert len({p.headers["call-id"] for p in parsed}) == 1
    assert [p.headers["cseq"] for p in parsed] == ["1 INVITE"] * 4 + ["1 ACK", "2 BYE", "2 BYE"]
    from_tags = {re.search(r"tag=(\w+)", p.headers["from"])[1] for p in parsed}  # type: ignore[index]
    assert len(from_tags) == 1
    assert "tag=" not in parsed[0].headers["to"] and "tag=" not in parsed[1].headers["to"]
    assert len({p.headers["to"] for p in parsed[2:]}) == 1  # callee's tag from 180 on
    for m, p in zip(msgs, parsed, strict=True):
        assert int(p.headers["content-length"]) == len(p.body)
        forward = m.summary in ("INVITE", "ACK", "BYE")
        assert (m.src, m.dst) == ((CALLER.address, CALLEE.address) if forward else
                                  (CALLEE.address, CALLER.address))
        assert m.sport == m.dport == 5060
    assert [m.time_ns for m in msgs] == sorted(TIMES.values())


def test_sdp_offer_and_answer() -> None:
    msgs = call_flow(CALLER, CALLEE, [codec("pcma"), codec("pcmu")], codec("pcma"), TIMES)
    offer, answer = _parse(msgs[0].data).body.decode(), _parse(msgs[3].data).body.decode()
    assert "m=audio 40000 RTP/AVP 8 0 101\r\n" in offer and "c=IN IP4 192.0.2.10" in offer
    assert "a=rtpmap:8 PCMA/8000" in offer and "a=rtpmap:0 PCMU/8000" in offer
    assert "m=audio 50000 RTP/AVP 8 101\r\n" in answer and "c=IN IP4 198.51.100.20" in answer
    assert "a=ptime:20" in answer and "a=rtpmap:101 telephone-event/8000" in answer


def test_numbers_are_fake_and_ipv6_works() -> None:
    for party in (CALLER, CALLEE):
        assert re.fullmatch(r"\+32255501\d\d", party.number)
        assert party.domain.endswith(("example.com", "example.net"))
    a = Party("+3225550100", "2001:db8::10", rtp_port=40000)
    b = Party("+3225550199", "2001:db8::20", "example.net", rtp_port=50000)
    msgs = call_flow(a, b, [codec("amr-wb")], codec("amr-wb"), TIMES)
    req = _parse(msgs[0].data)
    assert "[2001:db8::10]:5060" in req.headers["via"]
    body = req.body.decode()
    assert "c=IN IP6 2001:db8::10" in body and "a=rtpmap:104 AMR-WB/16000" in body
    assert msgs == call_flow(a, b, [codec("amr-wb")], codec("amr-wb"), TIMES)  # deterministic
