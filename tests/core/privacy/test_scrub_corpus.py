"""Scrubbed exports of real captures: identical analysis, no payload, identity or key left."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrub_testkit import KEY, find_secrets, pcapng_options, stream_records

from callscope.core.privacy.scrub import export_scrubbed

SELECTION = (
    "sip-g711a-rfc2833-dtmf_SIP_DTMF2.pcap",  # SIP + G.711 + RFC 2833
    "sip-g711a-rtcp_SIP_CALL_RTP_G711.pcap",  # relayed legs, RTCP, MGCP/H.225/telnet noise
    "volte-s1u-gtpu-dedicated-bearer-amr-wb-to-pjsua_amarisoft.pcap",  # GTP-U, SCTP, SIP/TCP
    "vonr-n3-ngap-gtpu-ipv6-amr-wb-padded-frames_amarisoft.pcap",  # GTP-U, inner IPv6
    "rtp-amr-nb-sll-duplicates_rtpdump-sample1.pcap",  # Linux SLL, duplicates
    "rtp-mixed-tcp-rfc4571-vlan-rtpevent-h263_ndpi.pcapng",  # comments, 2 ifaces, RFC 4571
    "sip-ipv6-fragmented-sll_sngrep.pcap",  # SIP over fragmented IPv6
    "sip-srtp-sdes-b2bua-g711u-srtcp_voipshark.pcap",  # a=crypto keys, SRTCP
    "sip-over-tcp-g711a-cn.pcap",  # SIP over TCP
    "webrtc-google-meet-2ifaces-ipv4-ipv6-dtls-srtp_ndpi.pcapng",  # STUN, DTLS, IPv6
    "ims-ipv6-rawip-sip-evs-24k4-dtx-rtcp_nokia-udp_voice_ott.pcap",  # raw IPv6, RTCP
)


def _check_export(source: Path, tmp_path: Path) -> None:
    out = tmp_path / (source.name + ".scrubbed")
    report = export_scrubbed(source, out, key=KEY)
    assert report.verified is True, report.differences
    assert not (tmp_path / (out.name + ".partial")).exists()

    assert stream_records(out) == stream_records(source)

    secrets = find_secrets(source)
    data = out.read_bytes()
    leaked = [p.hex()[:32] for p in secrets.payloads if p in data]
    assert not leaked, f"{len(leaked)} of {len(secrets.payloads)} RTP payloads left"
    for user in secrets.users:
        for form in (b"sip:" + user + b"@", b"tel:" + user, b"<" + user + b"@"):
            assert form not in data, user
    for name in secrets.names:
        assert b'"' + name + b'"' not in data and name + b" <" not in data, name
    for key in secrets.keys:
        assert key not in data


@pytest.mark.corpus
@pytest.mark.parametrize("name", SELECTION)
def test_corpus_export_is_identical_and_clean(corpus: Path, tmp_path: Path, name: str) -> None:
    _check_export(corpus / name, tmp_path)


@pytest.mark.corpus
def test_corpus_secrets_were_really_there(corpus: Path) -> None:
    """The leak checks above search for something: the inputs do hold those secrets."""
    srtp = find_secrets(corpus / "sip-srtp-sdes-b2bua-g711u-srtcp_voipshark.pcap")
    assert srtp.keys and srtp.users and srtp.payloads
    dtmf = find_secrets(corpus / "sip-g711a-rfc2833-dtmf_SIP_DTMF2.pcap")
    assert len(dtmf.payloads) >= 100 and dtmf.users


@pytest.mark.corpus
def test_pcapng_comments_are_dropped(corpus: Path, tmp_path: Path) -> None:
    source = corpus / "rtp-mixed-tcp-rfc4571-vlan-rtpevent-h263_ndpi.pcapng"
    assert (6, 1) in pcapng_options(source)  # packet comments in the original
    out = tmp_path / "mixed.pcapng"
    report = export_scrubbed(source, out, key=KEY)
    assert report.options_dropped >= 1
    assert not [o for o in pcapng_options(out) if o[1] == 1]


DATA = Path(__file__).resolve().parents[2] / "data"
DATA_CAPTURES = sorted(
    p.name for p in DATA.glob("*") if p.is_file() and p.name.endswith((".pcap", ".pcapng", ".gz"))
)


def test_tests_data_holds_captures() -> None:
    assert len(DATA_CAPTURES) >= 14  # the parametrised test below must not run empty


@pytest.mark.parametrize("name", DATA_CAPTURES)
def test_every_capture_in_tests_data(tmp_path: Path, name: str) -> None:
    """The issue's "done when": every capture in tests/data exports identically and clean."""
    _check_export(DATA / name, tmp_path)
