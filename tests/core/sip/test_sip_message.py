"""SIP message parsing and TCP stream splitting, on literal messages and on garbage."""

from __future__ import annotations

import time
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callscope.core.sip.message import (
    MAX_BODY_BYTES,
    MAX_HEADERS,
    parse_sip,
    split_sip_stream,
)

SDP = (
    b"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
    b"m=audio 4000 RTP/AVP 8\r\n"
)

INVITE = (
    b"INVITE sip:+32475123456@example.com;user=phone SIP/2.0\r\n"
    b"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds\r\n"
    b"Max-Forwards: 70\r\n"
    b'From: "Alice Smith" <sip:alice@atlanta.example>;tag=1928301774\r\n'
    b"To: <sip:+32475123456@example.com;user=phone>\r\n"
    b"Call-ID: a84b4c76e66710@pc33.atlanta.example\r\n"
    b"CSeq: 314159 INVITE\r\n"
    b"Content-Type: application/sdp\r\n"
    b"Content-Length: " + str(len(SDP)).encode() + b"\r\n\r\n" + SDP
)

COMPACT_RINGING = (
    b"SIP/2.0 180 Ringing\r\n"
    b"v: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds\r\n"
    b"f: Alice <sip:alice@atlanta.example>;tag=1928301774\r\n"
    b"t: <sip:bob@biloxi.example>;tag=a6c85cf\r\n"
    b"i: a84b4c76e66710@pc33.atlanta.example\r\n"
    b"CSeq: 314159 INVITE\r\n"
    b"m: <sip:bob@192.0.2.4>\r\n"
    b"l: 0\r\n\r\n"
)


def test_parse_request_fields() -> None:
    msg = parse_sip(INVITE, frame=7, time_ns=123, src="192.0.2.1", sport=5060,
                    dst="192.0.2.2", dport=5060)  # fmt: skip
    assert msg is not None
    assert msg.is_request and msg.method == "INVITE" and msg.status is None
    assert (msg.frame, msg.time_ns, msg.src, msg.dport, msg.transport) == (
        7, 123, "192.0.2.1", 5060, "udp"
    )  # fmt: skip
    assert msg.call_id == "a84b4c76e66710@pc33.atlanta.example"
    assert (msg.cseq, msg.cseq_method) == (314159, "INVITE")
    assert msg.from_uri == "sip:alice@atlanta.example"
    assert msg.to_uri == "sip:+32475123456@example.com;user=phone"
    assert (msg.from_tag, msg.to_tag) == ("1928301774", "")
    assert msg.request_uri == "sip:+32475123456@example.com;user=phone"
    assert msg.body == SDP
    assert msg.headers["max-forwards"] == "70"


def test_parse_response_with_compact_headers() -> None:
    msg = parse_sip(COMPACT_RINGING)
    assert msg is not None
    assert not msg.is_request and msg.method is None
    assert (msg.status, msg.reason) == (180, "Ringing")
    assert msg.call_id == "a84b4c76e66710@pc33.atlanta.example"
    assert msg.to_tag == "a6c85cf"
    assert msg.headers["contact"] == "<sip:bob@192.0.2.4>"
    assert msg.header("m") == msg.header("Contact") == "<sip:bob@192.0.2.4>"
    assert "v" not in msg.headers and "via" in msg.headers
    assert msg.body == b""


def test_folded_and_repeated_headers() -> None:
    raw = (
        b"OPTIONS sip:carol@chicago.example SIP/2.0\r\n"
        b"Via: SIP/2.0/UDP a.example;branch=z9hG4bK1\r\n"
        b"Via: SIP/2.0/UDP b.example;branch=z9hG4bK2\r\n"
        b"Subject: I know you're there,\r\n"
        b"   pick up the phone\r\n"
        b"\tand talk to me!\r\n"
        b"Call-ID: x1\r\nCSeq: 63104 OPTIONS\r\n\r\n"
    )
    msg = parse_sip(raw)
    assert msg is not None
    assert msg.headers["subject"] == "I know you're there, pick up the phone and talk to me!"
    assert msg.headers["via"] == (
        "SIP/2.0/UDP a.example;branch=z9hG4bK1, SIP/2.0/UDP b.example;branch=z9hG4bK2"
    )


def test_udp_body_without_content_length_is_the_rest() -> None:
    raw = INVITE.replace(b"Content-Length: " + str(len(SDP)).encode() + b"\r\n", b"")
    msg = parse_sip(raw)
    assert msg is not None and msg.body == SDP


def test_oversized_body_is_ignored() -> None:
    big = b"x" * (MAX_BODY_BYTES + 1)
    raw = b"MESSAGE sip:a@b SIP/2.0\r\nCall-ID: 1\r\nContent-Length: %d\r\n\r\n" % len(big) + big
    msg = parse_sip(raw)
    assert msg is not None and msg.body == b""


def test_header_count_is_bounded() -> None:
    raw = b"INFO sip:a@b SIP/2.0\r\n" + b"".join(
        b"X-H%d: v\r\n" % i for i in range(MAX_HEADERS + 50)
    ) + b"Call-ID: late\r\n\r\n"  # fmt: skip
    msg = parse_sip(raw)
    assert msg is not None
    assert len(msg.headers) == MAX_HEADERS and msg.call_id == ""


def test_bad_cseq_gives_minus_one() -> None:
    msg = parse_sip(b"BYE sip:a@b SIP/2.0\r\nCSeq: abc BYE\r\nCall-ID: 1\r\n\r\n")
    assert msg is not None and (msg.cseq, msg.cseq_method) == (-1, "BYE")


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x80\x08\x12\x34" + bytes(160),  # RTP
        b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
        b"INVITE sip:a@b HTTP/1.1\r\n\r\n",
        b"SIP/2.0 999 Nope\r\n\r\n",
        b"SIP/2.0\r\n\r\n",
        b"INVITE\r\n\r\n",
    ],
)
def test_not_sip_gives_none(raw: bytes) -> None:
    assert parse_sip(raw) is None


def test_repr_masks_parties() -> None:
    msg = parse_sip(INVITE)
    text = repr(msg)
    assert "INVITE" in text and "314159" in text
    assert "alice" not in text.lower() and "475123456" not in text


def test_split_stream_by_content_length_with_keepalives() -> None:
    stream = b"\r\n\r\n" + INVITE + COMPACT_RINGING + b"\r\n" + INVITE
    spans = split_sip_stream(stream)
    assert [stream[a:b] for a, b in spans] == [INVITE, COMPACT_RINGING, INVITE]


def test_split_stream_when_body_does_not_end_with_newline() -> None:
    body = b"hello"
    first = b"MESSAGE sip:a@b SIP/2.0\r\nCall-ID: 1\r\nContent-Length: 5\r\n\r\n" + body
    stream = first + COMPACT_RINGING
    assert split_sip_stream(stream) == [(0, len(first)), (len(first), len(stream))]


def test_split_stream_resyncs_after_garbage() -> None:
    garbage = b"\x17\x03\x03\x00\x20" + bytes(range(32)) + b"\r\nnot sip at all\r\n"
    stream = garbage + COMPACT_RINGING
    spans = split_sip_stream(stream)
    assert spans == [(len(garbage), len(stream))]


def test_split_stream_truncated_tail_keeps_headers() -> None:
    stream = COMPACT_RINGING + INVITE[:-10]
    spans = split_sip_stream(stream)
    assert len(spans) == 2
    tail = parse_sip(stream[spans[1][0] : spans[1][1]])
    assert tail is not None and tail.method == "INVITE" and tail.body == b""


def test_split_stream_absurd_content_length_does_not_swallow_the_rest() -> None:
    liar = b"NOTIFY sip:a@b SIP/2.0\r\nCall-ID: 2\r\nContent-Length: 999999999\r\n\r\n"
    stream = liar + COMPACT_RINGING
    spans = split_sip_stream(stream)
    assert spans == [(0, len(liar)), (len(liar), len(stream))]


def test_split_stream_ignores_http() -> None:
    http = (
        b"GET /index.html HTTP/1.1\r\nHost: a\r\n\r\n"
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    )
    assert split_sip_stream(http) == []


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=2048))
def test_random_bytes_never_raise(data: bytes) -> None:
    msg = parse_sip(data)
    assert msg is None or isinstance(msg.call_id, str)
    for start, end in split_sip_stream(data):
        assert 0 <= start < end <= len(data)


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from([INVITE, COMPACT_RINGING]),
    st.lists(st.tuples(st.integers(0, 10_000), st.binary(max_size=8)), max_size=8),
)
def test_mutated_messages_never_raise(base: bytes, edits: list[tuple[int, bytes]]) -> None:
    data = bytearray(base)
    for position, chunk in edits:
        at = position % (len(data) + 1)
        data[at : at + len(chunk)] = chunk
    msg = parse_sip(bytes(data))
    assert msg is None or msg.cseq >= -1
    spans = split_sip_stream(bytes(data) * 2)
    assert all(a < b for a, b in spans)
    assert all(b1 <= a2 for (_, b1), (a2, _) in pairwise(spans))


def test_split_stream_stays_linear_on_hostile_streams() -> None:
    """Start lines without a blank line, or many tiny messages: one pass, no rescans."""
    no_blank = b"INVITE sip:a@b SIP/2.0\r\n" * 20_000
    tiny = b"SIP/2.0 200 OK\r\n\r\n" * 50_000
    started = time.perf_counter()
    assert len(split_sip_stream(no_blank)) == 1
    assert len(split_sip_stream(tiny)) == 50_000
    assert time.perf_counter() - started < 2.0
