"""SDP parsing: connection, media, codecs, attributes, and garbage resistance."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from callscope.core.model import Codec
from callscope.core.sip.sdp import MAX_MEDIA, MAX_SDP_BYTES, parse_sdp

OFFER = b"""v=0\r
o=alice 2890844526 2890844526 IN IP6 2001:db8::10\r
s=-\r
c=IN IP6 2001:db8::10\r
t=0 0\r
m=audio 49170 RTP/AVP 0 8 96 97 98 101\r
a=rtpmap:96 L16/16000/2\r
a=rtpmap:97 AMR-WB\r
a=fmtp:97 mode-set=0,1,2; octet-align=1\r
a=rtpmap:98 opus/48000/2\r
a=rtpmap:101 telephone-event/8000\r
a=fmtp:101 0-15\r
a=ptime:20\r
a=sendonly\r
m=video 51372/2 RTP/SAVP 31 34\r
c=IN IP4 198.51.100.7/127\r
a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR\r
a=recvonly\r
a=rtcp-mux\r
m=audio 9 TCP/RTP/AVP 8\r
a=inactive\r
a=ptime:30.0\r
m=image 0 udptl t38\r
"""


def test_media_lines_and_connections() -> None:
    media = parse_sdp(OFFER, frame=12, time_ns=99)
    assert [(m.media, m.address, m.port, m.protocol) for m in media] == [
        ("audio", "2001:db8::10", 49170, "RTP/AVP"),
        ("video", "198.51.100.7", 51372, "RTP/SAVP"),
        ("audio", "2001:db8::10", 9, "TCP/RTP/AVP"),
        ("image", "2001:db8::10", 0, "udptl"),
    ]
    assert all((m.frame, m.time_ns) == (12, 99) for m in media)


def test_codecs_from_rtpmap_static_table_and_default_clocks() -> None:
    audio = parse_sdp(OFFER)[0]
    assert audio.payload_types == (0, 8, 96, 97, 98, 101)
    assert audio.codecs[0] == Codec("PCMU", 8000)
    assert audio.codecs[8] == Codec("PCMA", 8000)
    assert audio.codecs[96] == Codec("L16", 16000, 2)
    assert audio.codecs[97] == Codec("AMR-WB", 16000, 1, "mode-set=0,1,2; octet-align=1")
    assert audio.codecs[98] == Codec("opus", 48000, 2)
    assert audio.codecs[101] == Codec("telephone-event", 8000, 1, "0-15")


def test_attributes_ptime_direction_crypto_mux() -> None:
    audio, video, tcp_audio, image = parse_sdp(OFFER)
    assert (audio.ptime_ms, audio.direction, audio.srtp, audio.rtcp_mux) == (
        20, "sendonly", False, False
    )  # fmt: skip
    assert (video.direction, video.has_crypto, video.srtp, video.rtcp_mux) == (
        "recvonly", True, True, True
    )  # fmt: skip
    assert video.codecs[34].name == "H263" and video.ptime_ms is None
    assert tcp_audio.over_tcp and tcp_audio.direction == "inactive" and tcp_audio.ptime_ms == 30
    assert image.payload_types == () and image.codecs == {} and image.direction == "sendrecv"


def test_session_level_direction_is_inherited_and_media_level_wins() -> None:
    sdp = (
        b"v=0\nc=IN IP4 192.0.2.1\na=recvonly\n"
        b"m=audio 4000 RTP/AVP 8\nm=audio 4002 RTP/AVP 0\na=sendrecv\n"
    )
    first, second = parse_sdp(sdp)
    assert (first.direction, second.direction) == ("recvonly", "sendrecv")


def test_lowercase_static_names_take_the_table_spelling() -> None:
    sdp = (
        b"v=0\r\nc=IN IP4 192.0.2.1\r\nm=audio 4000 RTP/AVP 8 0\r\n"
        b"a=rtpmap:8 pcma/8000\r\na=rtpmap:0 pcmu\r\n"
    )
    (audio,) = parse_sdp(sdp)
    assert audio.codecs == {8: Codec("PCMA", 8000), 0: Codec("PCMU", 8000)}


def test_unknown_dynamic_pt_has_no_codec() -> None:
    (audio,) = parse_sdp(b"v=0\nc=IN IP4 192.0.2.1\nm=audio 4000 RTP/AVP 99 8\n")
    assert audio.payload_types == (99, 8) and set(audio.codecs) == {8}


def test_malformed_lines_are_skipped() -> None:
    sdp = (
        b"v=0\nc=IN IP4\nc=garbage\nm=audio notaport RTP/AVP 0\na=ptime:abc\n"
        b"a=rtpmap:xx PCMA/8000\nm=audio 70000 RTP/AVP 0\nm=audio 5004 RTP/AVP 0 300 x\n"
        b"a=rtpmap:0 PCMU/abc/zz\n"
    )
    media = parse_sdp(sdp)
    assert [(m.port, m.address, m.payload_types, m.ptime_ms) for m in media] == [
        (5004, "", (0,), None)
    ]
    assert media[0].codecs[0] == Codec("PCMU", 8000)


def test_sizes_are_bounded() -> None:
    assert parse_sdp(b"m=audio 4000 RTP/AVP 0\n" + b"x" * MAX_SDP_BYTES) == []
    many = b"".join(b"m=audio %d RTP/AVP 0\n" % (2000 + 2 * i) for i in range(MAX_MEDIA + 10))
    assert len(parse_sdp(many)) == MAX_MEDIA


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=1024))
def test_random_bytes_never_raise(data: bytes) -> None:
    for media in parse_sdp(data):
        assert 0 <= media.port <= 65535


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5000), st.binary(max_size=6)), max_size=10))
def test_mutated_sdp_never_raises(edits: list[tuple[int, bytes]]) -> None:
    data = bytearray(OFFER)
    for position, chunk in edits:
        at = position % (len(data) + 1)
        data[at : at + len(chunk)] = chunk
    for media in parse_sdp(bytes(data)):
        assert all(0 <= pt < 128 for pt in media.payload_types)
