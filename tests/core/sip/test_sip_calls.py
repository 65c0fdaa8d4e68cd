"""Dialogs → calls: Wireshark VoIP Calls states, media from every SDP, masked parties."""

from __future__ import annotations

from typing import Any

from callscope.core.sip.calls import build_calls, media_endpoints, sdp_bodies
from callscope.core.sip.message import SipMessage, parse_sip

CALLER, CALLEE, PROXY = "192.0.2.10", "198.51.100.20", "203.0.113.1"


def sdp(address: str, port: int, pt: int = 8) -> bytes:
    return (
        f"v=0\r\no=- 1 1 IN IP4 {address}\r\ns=-\r\nc=IN IP4 {address}\r\nt=0 0\r\n"
        f"m=audio {port} RTP/AVP {pt}\r\n"
    ).encode()


def msg(
    frame: int,
    first_line: str,
    cseq: str,
    src: str = CALLER,
    dst: str = CALLEE,
    call_id: str = "call-1",
    body: bytes = b"",
    content_type: str = "application/sdp",
    transport: str = "udp",
) -> SipMessage:
    """A SIP message from Alice (+32475123456) to Bob, sent at ``frame`` ms."""
    raw = (
        f"{first_line}\r\nVia: SIP/2.0/UDP {src};branch=z9hG4bK{frame}\r\n"
        f'From: "Alice Smith" <sip:+32475123456@example.com;user=phone>;tag=a1\r\n'
        f"To: <sip:bob@biloxi.example>\r\nCall-ID: {call_id}\r\nCSeq: {cseq}\r\n"
        + (f"Content-Type: {content_type}\r\n" if body else "")
        + f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    parsed = parse_sip(raw, frame=frame, time_ns=frame * 1_000_000, src=src, sport=5060,
                       dst=dst, dport=5060, transport=transport)  # fmt: skip
    assert parsed is not None
    return parsed


INVITE = "INVITE sip:bob@biloxi.example SIP/2.0"


def back(frame: int, first_line: str, cseq: str = "1 INVITE", **kw: Any) -> SipMessage:
    """A message from the callee to the caller."""
    return msg(frame, first_line, cseq, src=CALLEE, dst=CALLER, **kw)


def basic_call() -> list[SipMessage]:
    return [
        msg(1, INVITE, "1 INVITE", body=sdp(CALLER, 4000)),
        back(2, "SIP/2.0 100 Trying"),
        back(3, "SIP/2.0 180 Ringing"),
        back(4, "SIP/2.0 200 OK", body=sdp(CALLEE, 6000)),
        msg(5, "ACK sip:bob@biloxi.example SIP/2.0", "1 ACK"),
        back(90, "BYE sip:alice@example.com SIP/2.0", "7 BYE"),
        msg(91, "SIP/2.0 200 OK", "7 BYE"),
    ]


def state_after(messages: list[SipMessage]) -> str:
    (call,) = build_calls(messages)
    return call.state


def test_completed_call_fields() -> None:
    (call,) = build_calls(basic_call())
    assert call.call_id == "call-1" and call.state == "COMPLETED"
    assert (call.start_ns, call.end_ns, call.messages) == (1_000_000, 91_000_000, 7)
    assert (call.protocol, call.transport) == ("SIP", "udp")
    assert [(m.address, m.port, m.frame) for m in call.media] == [
        (CALLER, 4000, 1), (CALLEE, 6000, 4)
    ]  # fmt: skip
    assert media_endpoints(call) == {(CALLER, 4000), (CALLEE, 6000)}


def test_parties_are_masked_and_raw_values_absent() -> None:
    (call,) = build_calls(basic_call())
    assert call.from_party == "sip:+***456@example.com;user=phone"
    assert call.to_party == "sip:b***@biloxi.example"
    assert "475123" not in repr(call) and "bob@" not in repr(call) and "Alice" not in repr(call)


def test_state_progression() -> None:
    call = basic_call()
    assert state_after(call[:2]) == "CALL SETUP"
    assert state_after(call[:3]) == "RINGING"
    assert state_after(call[:4]) == "IN CALL"
    assert state_after(call[:5]) == "IN CALL"


def test_rejected_after_auth_challenge_then_retry() -> None:
    messages = [
        msg(1, INVITE, "1 INVITE"),
        back(2, "SIP/2.0 407 Proxy Authentication Required"),
        msg(3, "ACK sip:bob@biloxi.example SIP/2.0", "1 ACK"),
    ]
    assert state_after(messages) == "REJECTED"
    retry = [*messages, msg(4, INVITE, "2 INVITE")]
    assert state_after(retry) == "CALL SETUP"
    assert state_after([*retry, back(5, "SIP/2.0 183 Session Progress", "2 INVITE")]) == "RINGING"
    assert state_after([*retry, back(6, "SIP/2.0 486 Busy Here", "2 INVITE")]) == "REJECTED"


def test_cancelled_stays_cancelled_after_487() -> None:
    messages = [
        msg(1, INVITE, "1 INVITE"),
        back(2, "SIP/2.0 180 Ringing"),
        msg(3, "CANCEL sip:bob@biloxi.example SIP/2.0", "1 CANCEL"),
        back(4, "SIP/2.0 200 OK", "1 CANCEL"),
        back(5, "SIP/2.0 487 Request Terminated"),
    ]
    assert state_after(messages) == "CANCELLED"


def test_cancel_from_the_callee_or_another_cseq_does_nothing() -> None:
    base = [msg(1, INVITE, "1 INVITE")]
    assert state_after([*base, back(2, "CANCEL sip:a@b SIP/2.0", "1 CANCEL")]) == "CALL SETUP"
    assert state_after([*base, msg(2, "CANCEL sip:a@b SIP/2.0", "9 CANCEL")]) == "CALL SETUP"


def test_responses_count_only_towards_the_initial_speaker() -> None:
    """A proxy in the capture: the callee's 486 goes to the proxy, not to the caller."""
    messages = [
        msg(1, INVITE, "1 INVITE", dst=PROXY),
        msg(2, INVITE, "1 INVITE", src=PROXY, dst=CALLEE),
        msg(3, "SIP/2.0 486 Busy Here", "1 INVITE", src=CALLEE, dst=PROXY),
    ]
    assert state_after(messages) == "CALL SETUP"
    assert state_after([*messages, msg(4, "SIP/2.0 486 Busy", "1 INVITE", src=PROXY,
                                       dst=CALLER)]) == "REJECTED"  # fmt: skip


def test_reinvite_keeps_the_call_in_call_and_adds_media() -> None:
    call = basic_call()[:5]
    reinvite = [
        msg(20, INVITE, "2 INVITE", body=sdp(CALLER, 4002)),
        back(21, "SIP/2.0 491 Request Pending", "2 INVITE"),
        back(22, INVITE, "1 INVITE", body=sdp(CALLEE, 6002)),
        msg(23, "SIP/2.0 200 OK", "1 INVITE", body=sdp(CALLER, 4004)),
    ]
    (result,) = build_calls(call + reinvite)
    assert result.state == "IN CALL"
    assert [m.port for m in result.media] == [4000, 6000, 4002, 6002, 4004]


def test_non_invite_dialogs_are_not_calls() -> None:
    register = [
        msg(1, "REGISTER sip:example.com SIP/2.0", "1 REGISTER", call_id="reg"),
        back(2, "SIP/2.0 401 Unauthorized", "1 REGISTER", call_id="reg"),
        msg(3, "OPTIONS sip:example.com SIP/2.0", "1 OPTIONS", call_id="opt"),
        msg(4, "MESSAGE sip:bob@x SIP/2.0", "1 MESSAGE", call_id="im"),
    ]
    calls = build_calls(register + basic_call())
    assert [c.call_id for c in calls] == ["call-1"]


def test_dialog_seen_mid_way_is_unknown_then_completed() -> None:
    messages = [
        msg(1, "PRACK sip:bob@x SIP/2.0", "2 PRACK", call_id="late"),
        msg(2, "ACK sip:bob@x SIP/2.0", "1 ACK", call_id="late"),
    ]
    assert state_after(messages) == "UNKNOWN"
    assert state_after([*messages, back(3, "BYE sip:a@b SIP/2.0", "3 BYE", call_id="late")]) == (
        "COMPLETED"
    )


def test_only_responses_visible_caller_is_their_destination() -> None:
    """SIP requests inside IPsec, responses in the clear (VoWiFi): still a call."""
    messages = [
        back(1, "SIP/2.0 100 Trying", call_id="ipsec"),
        back(2, "SIP/2.0 183 Session Progress", call_id="ipsec", body=sdp(CALLEE, 7000)),
        back(3, "SIP/2.0 200 OK", call_id="ipsec"),
    ]
    assert state_after(messages) == "IN CALL"
    done = [*messages, back(9, "SIP/2.0 200 OK", "4 BYE", call_id="ipsec")]
    (call,) = build_calls(done)
    assert call.state == "COMPLETED" and [m.port for m in call.media] == [7000]


def test_calls_sorted_by_start_and_transport_kept() -> None:
    late = [msg(50, INVITE, "1 INVITE", call_id="b", transport="tcp")]
    early = [msg(10, INVITE, "1 INVITE", call_id="a")]
    calls = build_calls(late + early)
    assert [(c.call_id, c.transport) for c in calls] == [("a", "udp"), ("b", "tcp")]


def test_messages_without_call_id_are_ignored() -> None:
    raw = b"INVITE sip:bob@x SIP/2.0\r\nCSeq: 1 INVITE\r\n\r\n"
    parsed = parse_sip(raw)
    assert parsed is not None and build_calls([parsed]) == []


def test_multipart_body_sdp_part_is_used() -> None:
    body = (
        b"--xyz\r\nContent-Type: application/sdp\r\n\r\n" + sdp(CALLER, 4010) + b"\r\n"
        b"--xyz\r\nContent-Type: application/pidf+xml\r\n\r\n<presence/>\r\n--xyz--\r\n"
    )
    invite = msg(1, INVITE, "1 INVITE", body=body, content_type='multipart/mixed;boundary="xyz"')
    assert sdp_bodies(invite) == [sdp(CALLER, 4010).rstrip(b"\r\n")]
    (call,) = build_calls([invite])
    assert [(m.address, m.port) for m in call.media] == [(CALLER, 4010)]


def test_non_sdp_body_gives_no_media() -> None:
    info = msg(1, INVITE, "1 INVITE", body=b"Signal=5\r\n", content_type="application/dtmf-relay")
    assert sdp_bodies(info) == []
