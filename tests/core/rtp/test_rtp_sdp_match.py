"""Rows under SDP announcements, with Wireshark's frame and direction semantics."""

from __future__ import annotations

from rtp_factory import Builder, rtp

from callscope.core.capture.table import Transport
from callscope.core.model import Call, Codec, MediaDescription
from callscope.core.rtp.sdp_match import (
    canonical_address,
    codec_for,
    match_rows,
    sdp_endpoints,
)


def media(address: str, port: int, frame: int, protocol: str = "RTP/AVP",
          codecs: dict[int, Codec] | None = None, kind: str = "audio") -> MediaDescription:
    return MediaDescription(address=address, port=port, media=kind, protocol=protocol,
                            payload_types=tuple(codecs or {}), codecs=codecs or {}, frame=frame)


def call(call_id: str, *descriptions: MediaDescription) -> Call:
    return Call(call_id, "a", "b", "IN CALL", 0, 0, media=list(descriptions))


def test_rtp_and_t38_media_with_a_port_and_an_ip_become_endpoints() -> None:
    calls = [call("c1",
                  media("10.0.0.1", 4000, 5),
                  media("10.0.0.1", 0, 5),  # rejected stream
                  media("10.0.0.1", 4002, 5, "udptl", kind="image"),  # T.38
                  media("host.example", 4004, 5),  # not an IP address
                  media("10.0.0.2", 6000, 7, "UDP/TLS/RTP/SAVPF"),
                  media("10.0.0.3", 7000, 8, "TCP/RTP/AVP"),
                  media("10.0.0.3", 7002, 8, "TCP/MSRP", kind="message"))]
    endpoints = sdp_endpoints(calls)
    assert [(e.address, e.port, e.over_tcp, e.rtp) for e in endpoints] == [
        ("10.0.0.1", 4000, False, True), ("10.0.0.1", 4002, False, False),
        ("10.0.0.2", 6000, False, True), ("10.0.0.3", 7000, True, True)]
    assert {e.call_id for e in endpoints} == {"c1"}


def test_bundled_m_lines_of_one_sdp_merge_their_payload_types() -> None:
    opus, vp8 = Codec("opus", 48000, 2), Codec("VP8", 90000)
    endpoints = sdp_endpoints([call("c", media("10.0.0.1", 9, 3, codecs={111: opus}),
                                    media("10.0.0.1", 9, 3, codecs={96: vp8}, kind="video"))])
    assert len(endpoints) == 1
    assert endpoints[0].codecs == {111: opus, 96: vp8} and endpoints[0].rtp
    fax = sdp_endpoints([call("c", media("10.0.0.1", 9, 3, codecs={8: Codec("PCMA", 8000)}),
                              media("10.0.0.1", 9, 3, "udptl", kind="image"))])
    assert len(fax) == 1 and not fax[0].rtp  # T.38 registered last wins, as in Wireshark


def test_rows_to_or_from_the_endpoint_after_the_sdp_match() -> None:
    b = Builder()
    b.add("10.0.0.9", 1111, "10.0.0.1", 4000, rtp(1, 0, 1), 0.0)  # frame 1: before the SDP
    b.add("10.0.0.5", 5060, "10.0.0.6", 5060, b"INVITE", 0.1)  # frame 2: the SDP
    b.add("10.0.0.9", 1111, "10.0.0.1", 4000, rtp(2, 160, 1), 0.2)  # to the endpoint
    b.add("10.0.0.1", 4000, "10.0.0.8", 2222, rtp(1, 0, 2), 0.3)  # from the endpoint
    b.add("10.0.0.1", 4001, "10.0.0.8", 2222, rtp(1, 0, 3), 0.4)  # other port
    b.add("10.0.0.1", 4000, "10.0.0.8", 2222, rtp(2, 0, 2), 0.5, transport=Transport.GTPU_UDP)
    b.add("10.0.0.1", 4000, "10.0.0.8", 2222, rtp(3, 0, 2), 0.6, transport=Transport.TCP)
    endpoints = sdp_endpoints([call("c", media("10.0.0.1", 4000, 2))])
    assert match_rows(b.table(), endpoints).tolist() == [-1, -1, 0, 0, -1, 0, -1]


def test_latest_announcement_wins_and_the_destination_before_the_source() -> None:
    b = Builder()
    for i in range(6):
        b.add("10.0.0.1", 4000, "10.0.0.2", 6000, rtp(i, i * 160, 7), i * 0.1)
    b.add("10.0.0.1", 4000, "10.0.0.3", 6000, rtp(9, 0, 8), 0.7)  # frame 7: only the source
    calls = [call("old", media("10.0.0.2", 6000, 1)),
             call("new", media("10.0.0.2", 6000, 3)),
             call("src", media("10.0.0.1", 4000, 2)),
             call("late", media("10.0.0.1", 4000, 5))]
    endpoints = sdp_endpoints(calls)
    ids = [endpoints[i].call_id if i >= 0 else None for i in match_rows(b.table(), endpoints)]
    assert ids == [None, "old", "old", "new", "new", "new", "late"]


def test_ipv6_spellings_and_tcp_profiles_match_their_own_rows() -> None:
    b = Builder()
    b.add("2001:db8::1", 5000, "2001:db8::2", 7000, rtp(1, 0, 1), 0.1, transport=Transport.TCP)
    b.add("2001:db8::1", 5000, "2001:db8::2", 7000, rtp(1, 0, 1), 0.2)
    endpoints = sdp_endpoints([call("c", media("2001:0db8:0:0::2", 7000, 0, "TCP/RTP/AVP"))])
    assert match_rows(b.table(), endpoints).tolist() == [0, -1]
    assert canonical_address("[2001:0db8::0001]") == "2001:db8::1"
    assert canonical_address("not-an-ip") is None


def test_codecs_come_from_rtpmap_then_the_static_table_then_the_name() -> None:
    sdp = {0: Codec("pcmu", 8000), 92: Codec("SILK", 16000), 98: Codec("AMR-WB", 0),
           99: Codec("opus", 48000, 2)}
    assert codec_for(0, sdp) == Codec("PCMU", 8000)  # canonical static name
    assert codec_for(8, sdp) == Codec("PCMA", 8000)  # not announced: static table
    assert codec_for(92, sdp) == Codec("SILK", 16000)  # rtpmap honoured below 96
    assert codec_for(98, sdp) == Codec("AMR-WB", 16000)  # rate from the name
    assert codec_for(99, sdp) == Codec("opus", 48000, 2)
    assert codec_for(100, sdp) is None
