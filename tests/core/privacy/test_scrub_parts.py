"""Scrubbing building blocks: pseudonyms, SIP, SDP, RTCP, STUN, DTLS, checksums."""

from __future__ import annotations

import os
import stat
import struct

import dpkt
import numpy as np
import pytest
from scrub_testkit import KEY

from callscope.core.privacy import paths
from callscope.core.privacy.scrub_checksum import write_checksums, zero_outside
from callscope.core.privacy.scrub_media import (
    scrub_dtls,
    scrub_rtcp,
    scrub_rtp_unit,
    scrub_stun,
)
from callscope.core.privacy.scrub_pseudonym import Pseudonymizer, case_key, case_key_path
from callscope.core.privacy.scrub_sdp import scrub_body, scrub_sdp
from callscope.core.privacy.scrub_sip import SipScrubber
from callscope.core.rtp.rtcp import parse_compound
from callscope.core.sip.calls import message_media
from callscope.core.sip.message import parse_sip
from callscope.core.sip.sdp import parse_sdp

PS = Pseudonymizer(KEY)
SIP = SipScrubber(PS)

INVITE = (
    b"INVITE sip:+32475123456@example.com;user=phone SIP/2.0\r\n"
    b"Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK776\r\n"
    b'From: "Alice Smith" <sip:alice@example.com>;tag=1928301774\r\n'
    b"To: Bob <tel:+1-212-555-0100>\r\n"
    b'Contact: <sip:alice@10.0.0.1>;expires=60;+sip.instance="<urn:gsma:imei:35209900-1761>"\r\n'
    b"P-Asserted-Identity: <sip:+3223334444@example.com>\r\n"
    b"Call-ID: a84b4c76e66710@pc33.atlanta.com\r\n"
    b"CSeq: 314159 INVITE\r\n"
    b'Authorization: Digest username="alice", realm="ex.com", nonce="abc", '
    b'uri="sip:bob@ex.com", response="6629fae49393a05397450978507c4ef1"\r\n'
    b"P-Access-Network-Info: 3GPP-E-UTRAN-FDD; utran-cell-id-3gpp=2060100010c0a8d01\r\n"
    b"Content-Type: application/sdp\r\n"
    b"Content-Length: 245\r\n\r\n"
    b"v=0\r\no=alice 2890844526 2890844526 IN IP4 10.0.0.1\r\ns=Alice\r\n"
    b"c=IN IP4 10.0.0.1\r\nt=0 0\r\nk=clear:secretkey\r\nm=audio 49170 RTP/SAVP 0 8\r\n"
    b"a=rtpmap:8 PCMA/8000\r\n"
    b"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20\r\n"
)


def test_pseudonym_keeps_shape_and_differs() -> None:
    for value in (b"+32475123456", b"Alice Smith", b"alice.b@x", b"Jos\xc3\xa9", b"101"):
        out = PS.same_shape(value)
        assert len(out) == len(value) and out != value
        for a, b in zip(value, out, strict=True):
            assert chr(a).isdigit() == chr(b).isdigit()
            if not chr(a).isalnum() and a < 0x80:
                assert a == b  # punctuation kept
    assert PS.same_shape(b"-- .") == b"-- ."


def test_pseudonym_is_keyed_and_deterministic() -> None:
    other = Pseudonymizer(bytes(32))
    assert PS.same_shape(b"0475123456") == Pseudonymizer(KEY).same_shape(b"0475123456")
    assert PS.same_shape(b"0475123456") != other.same_shape(b"0475123456")
    assert PS.same_shape(b"0475123456", b"a") != PS.same_shape(b"0475123456", b"b")


def test_case_key_is_private_stable_and_named_by_hash() -> None:
    key = case_key("TICKET 4711 customer +32475123456")
    assert len(key) == 32 and case_key("TICKET 4711 customer +32475123456") == key
    assert case_key("another case") != key
    path = case_key_path("TICKET 4711 customer +32475123456")
    assert path.parent.parent == paths.state_dir()
    assert "4711" not in path.name and "+32" not in path.name
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_sip_identities_replaced_same_length() -> None:
    out = SIP.message(INVITE)
    assert out is not None and len(out) == len(INVITE)
    for secret in (b"+32475123456", b"alice", b"Alice Smith", b"555-0100", b"+3223334444",
                   b"35209900", b"2060100010c0a8d01", b"6629fae4", b"secretkey",
                   b"PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR", b"s=Alice"):
        assert secret not in out, secret
    for kept in (b"tag=1928301774", b"Call-ID: a84b4c76e66710@pc33.atlanta.com",
                 b"CSeq: 314159 INVITE", b"branch=z9hG4bK776", b"@example.com;user=phone",
                 b"expires=60", b"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:", b"|2^20\r\n",
                 b"m=audio 49170 RTP/SAVP 0 8", b"c=IN IP4 10.0.0.1", b'realm="ex.com"'):
        assert kept in out, kept


def test_sip_analysis_fields_survive() -> None:
    before, after = parse_sip(INVITE), parse_sip(SIP.message(INVITE) or b"")
    assert before is not None and after is not None
    for name in ("method", "call_id", "cseq", "cseq_method", "from_tag", "to_tag"):
        assert getattr(before, name) == getattr(after, name)
    assert message_media(before) == message_media(after)
    assert message_media(after)[0].has_crypto
    assert before.from_uri != after.from_uri


def test_same_identity_same_pseudonym_across_messages() -> None:
    bye = (b"BYE sip:alice@example.com SIP/2.0\r\nFrom: <sip:bob@example.com>;tag=9\r\n"
           b"To: <sip:alice@example.com>;tag=1\r\nCall-ID: x\r\nCSeq: 2 BYE\r\n\r\n")
    first = parse_sip(SIP.message(INVITE) or b"")
    second = parse_sip(SIP.message(bye) or b"")
    assert first is not None and second is not None
    assert first.from_uri.split(":")[1].split("@")[0] == second.to_uri[4:].split("@")[0]


def test_non_sip_and_bodies() -> None:
    assert SIP.message(b"\x80\x08 not sip") is None
    dtmf = b"Signal=5\r\nDuration=160\r\n"
    assert scrub_body(dtmf, "application/dtmf-relay", PS) == b"\0" * 8 + b"\r\n" + b"\0" * 12 \
        + b"\r\n"
    sdp = b"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\na=ice-pwd:asd88fgpdd777uzjYhagZg\r\n"
    assert b"asd88fgpdd777uzjYhagZg" not in scrub_sdp(sdp, PS)
    multipart = (b"--b1\r\nContent-Type: application/sdp\r\n\r\nv=0\r\no=bob 1 1 IN IP4 1.2.3.4"
                 b"\r\n--b1\r\nContent-Type: application/isup\r\n\r\n\x01\x10\x32\x54\r\n--b1--")
    out = scrub_body(multipart, 'multipart/mixed;boundary="b1"', PS)
    assert len(out) == len(multipart) and b"--b1\r\nContent-Type: application/isup" in out
    assert b"\x10\x32\x54" not in out and b"o=bob" not in out and b"v=0" in out


def _sdes(*items: tuple[int, bytes]) -> bytes:
    body = struct.pack("!I", 0x11223344)
    for kind, value in items:
        body += bytes([kind, len(value)]) + value
    body += b"\0" * (4 - len(body) % 4)
    return struct.pack("!BBH", 0x81, 202, len(body) // 4) + body


def test_rtcp_reports_kept_sdes_bye_app_scrubbed() -> None:
    rr = struct.pack("!BBHI", 0x81, 201, 7, 0x11223344) + struct.pack(
        "!IIIIII", 0xAABBCCDD, 0x01000002, 1000, 55, 0, 0)
    sdes = _sdes((1, b"alice@192.168.1.20"), (4, b"+32475123456"))
    bye = struct.pack("!BBHIB", 0x81, 203, 3, 0x11223344, 6) + b"hangup\0"
    app = struct.pack("!BBHI", 0x80, 204, 3, 0x11223344) + b"NAME" + b"SECR"
    data = rr + sdes + bye + app
    out = scrub_rtcp(data, PS)
    assert len(out) == len(data)
    assert out.startswith(rr) and parse_compound(out) == parse_compound(data)
    for secret in (b"alice", b"192.168.1.20", b"475123456", b"hangup", b"SECR"):
        assert secret not in out
    assert b"NAME" in out and b"@" in out


def test_srtcp_keeps_headers_and_trailer_only() -> None:
    first = struct.pack("!BBHI", 0x80, 201, 1, 0x11223344)
    cipher = bytes(range(100, 140))
    trailer = b"\x80\x00\x00\x05" + bytes(range(1, 11))
    data = first + cipher + trailer
    out = scrub_rtcp(data, PS)
    assert out == first + bytes(len(data) - 8)
    assert parse_compound(out) == parse_compound(data)
    walkable = first + trailer  # the word after the walk is read as E flag + index: kept
    assert scrub_rtcp(walkable, PS) == first + trailer[:4] + bytes(10)
    compound = parse_compound(scrub_rtcp(walkable, PS))
    assert compound is not None and compound.srtcp


def test_stun_and_dtls_keep_structure_only() -> None:
    username = b"abcd:efgh"
    attr = struct.pack("!HH", 0x0006, len(username)) + username + b"\0" * 3
    stun = struct.pack("!HHI", 0x0001, len(attr), 0x2112A442) + b"T" * 12 + attr
    out = scrub_stun(stun)
    assert out[:24] == stun[:24] and username not in out and len(out) == len(stun)
    record = bytes([22, 0xFE, 0xFD]) + bytes(8) + struct.pack("!H", 5) + b"CERTS"
    out = scrub_dtls(record * 2)
    assert out == (record[:13] + bytes(5)) * 2


def test_checksums_match_dpkt() -> None:
    u = dpkt.udp.UDP(sport=1000, dport=2000, data=b"hello world!!")
    u.ulen = 8 + 13
    ip = dpkt.ip6.IP6(src=bytes(15) + b"\1", dst=bytes(15) + b"\2", nxt=17, hlim=1, data=u)
    ip.plen = len(u)
    wire = bytes(ip)
    buf = np.frombuffer(wire, np.uint8).copy()
    expected = wire[46:48]
    buf[46:48] = 0
    src = np.frombuffer(wire[8:24], np.uint8).reshape(1, 16)
    dst = np.frombuffer(wire[24:40], np.uint8).reshape(1, 16)
    write_checksums(buf, np.array([40]), np.array([21]), src, dst, 17, 6)
    assert buf[46:48].tobytes() == expected


def test_zero_outside_keeps_ranges_across_chunks() -> None:
    buf = np.full(100, 7, np.uint8)
    zero_outside(buf, np.array([10, 60]), np.array([50, 90]), np.array([12, 15, 70]),
                 np.array([20, 18, 95]), chunk=16)
    expected = np.full(100, 7, np.uint8)
    expected[10:12] = 0
    expected[20:50] = 0
    expected[60:70] = 0
    assert (buf == expected).all()


@pytest.mark.parametrize("short", [1, 3])
def test_pseudonymizer_refuses_short_keys(short: int) -> None:
    with pytest.raises(ValueError):
        Pseudonymizer(b"k" * short)


def test_sdp_lines_cut_as_the_analysis_cuts_them() -> None:
    odd = (b"v=0\r\no=bob 1 1 IN IP4 1.2.3.4\r\nt=0 0\r\x0cm=audio 4000 RTP/AVP 8\x1c"
           b"  c=IN IP4 5.6.7.8\xe2\x80\xa8a=rtpmap:8 PCMA/8000\r\n")
    out = scrub_sdp(odd, PS)
    assert len(out) == len(odd) and b"bob" not in out
    assert parse_sdp(out) == parse_sdp(odd) and parse_sdp(odd)[0].port == 4000


def test_rtp_unit_keeps_header_padding_and_short_extensions() -> None:
    short = bytes([0x90, 8, 0, 1]) + bytes(8) + b"\xbe\xde\x00\x01" + b"\x10\xaa\0\0" + b"V" * 20
    assert scrub_rtp_unit(short, PS) == short[:20] + bytes(20)
    body = b"E" * 80
    long_ext = bytes([0xB0, 8, 0, 1]) + bytes(8) + b"\x10\x00\x00\x14" + body + b"V" * 7 + b"\x02"
    assert scrub_rtp_unit(long_ext, PS) == long_ext[:16] + bytes(87) + b"\x02"
    assert scrub_rtp_unit(b"\x00" + b"V" * 30, PS) == bytes(31)
