"""Finding SIP in a hand-built Capture: UDP rows, reassembled rows, GTP-U, TCP streams."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from callscope.core.capture.capture import Capture, TcpStream
from callscope.core.capture.table import HEAD_BYTES, PacketTable, Transport
from callscope.core.model import CaptureInfo
from callscope.core.sip.find import find_sip_messages, sip_candidate_rows


def sip(first_line: str, call_id: str = "c1", cseq: str = "1 INVITE", body: bytes = b"") -> bytes:
    """A minimal SIP message with the given first line."""
    return (
        f"{first_line}\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@x>;tag=1\r\n"
        f"To: <sip:b@y>\r\nCall-ID: {call_id}\r\nCSeq: {cseq}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


@dataclass
class Row:
    frame: int
    payload: bytes
    transport: Transport = Transport.UDP
    reassembled: bool = False
    src: str = "192.0.2.1"
    dst: str = "192.0.2.2"


def make_capture(rows: list[Row], streams: list[TcpStream] | None = None) -> Capture:
    """A Capture whose payloads live in one bytes buffer (reassembled ones in the dict)."""
    buffer = bytearray(b"\xff" * 8)
    addresses: list[str] = []
    n = len(rows)
    head = np.zeros((n, HEAD_BYTES), np.uint8)
    offsets = np.zeros(n, np.int64)
    reassembled: dict[int, bytes] = {}
    for i, row in enumerate(rows):
        first = row.payload[:HEAD_BYTES]
        head[i, : len(first)] = np.frombuffer(first, np.uint8)
        if row.reassembled:
            offsets[i] = -1
            reassembled[i] = row.payload
        else:
            offsets[i] = len(buffer)
            buffer += row.payload
        for address in (row.src, row.dst):
            if address not in addresses:
                addresses.append(address)
    table = PacketTable(
        frame=np.array([r.frame for r in rows], np.int64),
        time_ns=np.array([r.frame * 1_000_000 for r in rows], np.int64),
        src=np.array([addresses.index(r.src) for r in rows], np.int32),
        dst=np.array([addresses.index(r.dst) for r in rows], np.int32),
        sport=np.full(n, 5060, np.uint16),
        dport=np.full(n, 5062, np.uint16),
        transport=np.array([int(r.transport) for r in rows], np.uint8),
        teid=np.zeros(n, np.uint32),
        length=np.array([len(r.payload) for r in rows], np.int32),
        caplen=np.array([len(r.payload) for r in rows], np.int32),
        ip_version=np.full(n, 4, np.uint8),
        head=head,
        payload_offset=offsets,
        addresses=addresses,
        reassembled=reassembled,
    )
    info = CaptureInfo("hand-built", "", len(buffer), n, ("ethernet",), 0, 0)
    return Capture(info, table, streams or [], [], bytes(buffer))


def tcp_stream(
    messages: list[bytes], frames: list[int], gap_before: int | None = None
) -> TcpStream:
    """One TCP direction carrying ``messages``, each in its own segment."""
    data = b"".join(messages)
    ends = np.cumsum([len(m) for m in messages]).astype(np.int64)
    gaps = [int(ends[gap_before - 1])] if gap_before else []
    return TcpStream(
        "198.51.100.1", 40000, "198.51.100.2", 5060, 0, False, data, ends,
        np.array(frames, np.int64), np.array(frames, np.int64) * 1_000_000, gaps,
    )  # fmt: skip


RTP = b"\x80\x08\x00\x01" + bytes(164)
HTTP = b"HTTP/1.1 200 OK\r\nServer: x\r\nContent-Length: 0\r\n\r\n"


def test_candidates_are_picked_by_head_bytes() -> None:
    capture = make_capture(
        [
            Row(1, RTP),
            Row(2, sip("INVITE sip:b@y SIP/2.0")),
            Row(3, HTTP),
            Row(4, sip("SIP/2.0 200 OK")),
            Row(5, sip("SUBSCRIBE sip:b@y SIP/2.0", cseq="1 SUBSCRIBE")),
            Row(6, b"INFORMATION please"),  # "INFO" without the space: not a candidate
            Row(7, sip("INVITE sip:b@y SIP/2.0"), transport=Transport.TCP),
            Row(8, b"INFO x"),  # a candidate that is not SIP
        ]
    )
    assert sip_candidate_rows(capture.packets).tolist() == [1, 3, 4, 7]
    frames = [m.frame for m in find_sip_messages(capture)]
    assert frames == [2, 4, 5]


def test_reassembled_and_gtpu_rows_are_parsed() -> None:
    big_body = b"v=0\r\n" + b"a=x-filler:" + b"y" * 3000 + b"\r\n"
    invite = sip("INVITE sip:b@y SIP/2.0", body=big_body)
    bye = sip("BYE sip:b@y SIP/2.0", cseq="2 BYE")
    capture = make_capture(
        [
            Row(3, invite, reassembled=True, src="2001:db8::1"),
            Row(9, bye, transport=Transport.GTPU_UDP),
        ]
    )
    first, second = find_sip_messages(capture)
    assert (first.frame, first.method, first.src) == (3, "INVITE", "2001:db8::1")
    assert first.body == big_body
    assert (second.frame, second.method, second.transport) == (9, "BYE", "udp")


def test_tcp_messages_take_the_frame_of_their_last_segment() -> None:
    invite, ringing, ok = (
        sip("INVITE sip:b@y SIP/2.0"), sip("SIP/2.0 180 Ringing"), sip("SIP/2.0 200 OK"),
    )  # fmt: skip
    halves = [invite[:40], invite[40:], ringing + ok]
    stream = tcp_stream(halves, [10, 11, 20])
    capture = make_capture([Row(15, sip("OPTIONS sip:b@y SIP/2.0", cseq="1 OPTIONS"))], [stream])
    messages = find_sip_messages(capture)
    assert [(m.frame, m.summary, m.transport) for m in messages] == [
        (11, "INVITE", "tcp"), (15, "OPTIONS", "udp"), (20, "180 Ringing", "tcp"),
        (20, "200 OK", "tcp"),
    ]  # fmt: skip
    assert messages[0].src == "198.51.100.1" and messages[0].dport == 5060


def test_tcp_parsing_restarts_after_a_hole() -> None:
    invite, ok = sip("INVITE sip:b@y SIP/2.0"), sip("SIP/2.0 200 OK")
    cut = invite[: len(invite) // 2]  # the rest of this message was never captured
    stream = tcp_stream([cut, ok], [30, 31], gap_before=1)
    messages = find_sip_messages(make_capture([], [stream]))
    assert [(m.frame, m.summary) for m in messages] == [(30, "INVITE"), (31, "200 OK")]
    assert messages[1].call_id == "c1"


def test_non_sip_tcp_and_http_on_5060_give_nothing() -> None:
    http = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" + HTTP
    tls = bytes(range(256)) * 20
    capture = make_capture([Row(1, HTTP)], [tcp_stream([http], [2]), tcp_stream([tls], [3])])
    assert find_sip_messages(capture) == []


def test_empty_capture() -> None:
    capture = Capture(CaptureInfo("e", "", 0, 0, (), 0, 0), PacketTable.empty(), [], [], b"")
    assert sip_candidate_rows(capture.packets).size == 0
    assert find_sip_messages(capture) == []
