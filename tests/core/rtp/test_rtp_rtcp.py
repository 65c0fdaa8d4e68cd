"""RTCP compound parsing (SR, RR, SDES, BYE, APP, XR) and SRTCP detection."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
from rtp_factory import rtcp_rr, rtcp_sdes, rtcp_sr

from callscope.core.capture.reader import read_capture
from callscope.core.rtp.classify import Kind, classify
from callscope.core.rtp.header import header_lengths, padding_counts, parse_headers
from callscope.core.rtp.rtcp import APP, BYE, RR, SDES, SR, XR, parse_compound


def test_sr_with_blocks_and_sdes_in_one_compound() -> None:
    data = rtcp_sr(0x1111, [(0x2222, 64, -3, 70000, 80)]) + rtcp_sdes(0x1111, b"me@host")
    compound = parse_compound(data)
    assert compound is not None and not compound.srtcp
    sr, sdes = compound.packets
    assert (sr.packet_type, sr.sender_ssrc) == (SR, 0x1111)
    assert sr.sender_info is not None and sr.sender_info.packet_count == 4
    (block,) = sr.reports
    assert block.source_ssrc == 0x2222
    assert block.fraction_lost == 0.25
    assert block.cumulative_lost == -3  # signed 24-bit
    assert (block.highest_seq, block.jitter, block.lsr, block.dlsr) == (70000, 80, 7, 8)
    assert (sdes.packet_type, sdes.sdes_ssrcs) == (SDES, (0x1111,))


def test_rr_bye_app_and_xr_voip_metrics() -> None:
    bye = struct.pack("!BBHII", 0x82, 203, 2, 0xA, 0xB)
    app = struct.pack("!BBHI", 0x80, 204, 3, 0xA) + b"TEST" + bytes(4)
    voip = bytes([7, 0]) + struct.pack("!H", 8) + struct.pack("!I", 0x2222)
    voip += bytes([12, 3, 40, 2]) + struct.pack("!HHHH", 100, 900, 55, 120)
    voip += bytes([0x7F, 0x7F, 0x7F, 16, 88, 127, 41, 38, 0, 0]) + struct.pack("!HHH", 60, 80, 200)
    xr = struct.pack("!BBHI", 0x80, 207, (8 + len(voip)) // 4 - 1, 0xA) + voip
    compound = parse_compound(rtcp_rr(0xA, [(0x2222, 0, 1, 2, 3)]) + bye + app + xr)
    assert compound is not None
    kinds = [p.packet_type for p in compound.packets]
    assert kinds == [RR, BYE, APP, XR]
    assert compound.packets[1].bye_ssrcs == (0xA, 0xB)
    assert compound.packets[2].app_name == "TEST"
    (block,) = compound.packets[3].xr_blocks
    assert block.block_type == 7 and block.source_ssrc == 0x2222
    assert block.metrics["loss_rate"] == 12
    assert block.metrics["round_trip_delay_ms"] == 55
    assert (block.metrics["mos_lq"], block.metrics["mos_cq"]) == (41, 38)
    assert block.metrics["jb_abs_max_ms"] == 200


def test_srtcp_keeps_only_the_clear_header_unless_the_e_flag_is_clear() -> None:
    plain = rtcp_rr(0xA, [(0x2222, 10, 1, 2, 3)]) + rtcp_sdes(0xA, b"x")
    encrypted = plain[:8] + bytes(len(plain) - 8) + struct.pack("!I", 0x80000001) + bytes(10)
    compound = parse_compound(encrypted)
    assert compound is not None and compound.srtcp
    assert [(p.packet_type, p.sender_ssrc, p.reports) for p in compound.packets] == [(RR, 0xA, ())]
    clear = plain + struct.pack("!I", 0x00000001) + bytes(10)
    compound = parse_compound(clear)
    assert compound is not None and compound.srtcp
    assert compound.packets[0].reports[0].source_ssrc == 0x2222


def test_short_tails_are_ignored_and_non_rtcp_is_refused() -> None:
    compound = parse_compound(rtcp_rr(0xA, [(1, 0, 0, 0, 0)]) + b"\x00\x00")
    assert compound is not None and not compound.srtcp and compound.packets[0].reports
    assert parse_compound(b"\x80\x08\x00\x01" + bytes(20)) is None  # RTP PT 8
    assert parse_compound(rtcp_rr(0xA, [])[:3]) is None
    truncated = rtcp_rr(0xA, [(1, 0, 0, 0, 0)])[:20]  # length says 32 bytes
    assert parse_compound(truncated) is None


def _rtcp_compounds(path: Path) -> list:  # type: ignore[type-arg]
    capture = read_capture(path)
    table = capture.packets
    header = parse_headers(table)
    lengths = header_lengths(header, capture.payload)
    kinds = classify(table, header, lengths, padding_counts(table, header, capture.payload))
    return [parse_compound(capture.payload(int(r))) for r in np.flatnonzero(kinds == Kind.RTCP)]


@pytest.mark.corpus
def test_corpus_compound_rtcp_and_srtcp(corpus: Path) -> None:
    compounds = _rtcp_compounds(corpus / "rtcp-compound-sll_ndpi.pcap")
    assert len(compounds) == 5
    assert all(c is not None and not c.srtcp for c in compounds)
    assert all(c.packets[0].packet_type in (SR, RR) and c.packets[1].packet_type == SDES
               for c in compounds)
    srtcp = _rtcp_compounds(corpus / "sip-srtp-sdes-b2bua-g711u-srtcp_voipshark.pcap")
    assert srtcp and all(c is not None and c.srtcp for c in srtcp)
    plain = _rtcp_compounds(corpus / "sip-g711a-rtcp_SIP_CALL_RTP_G711.pcap")
    assert plain and all(c is not None and not c.srtcp for c in plain)
