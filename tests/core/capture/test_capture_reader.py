"""read_capture end to end: synthetic pcaps and the shared corpus."""

from __future__ import annotations

import functools
import gzip
import hashlib
from pathlib import Path

import numpy as np
import pytest
from capture_frames import ether, ipv4, ipv6, tcp, udp, write_pcap

import callscope.core.capture.reader as reader_module
from callscope.core.capture.formats import iter_records
from callscope.core.capture.reader import read_capture
from callscope.core.capture.table import Transport
from callscope.core.errors import CancelledError, CaptureError
from callscope.core.progress import CancelToken, Progress

RTP = b"\x80\x08\x00\x01" + b"\x00" * 8 + b"\xd5" * 160
SIP_START = (b"INVITE ", b"SIP/2.0 ", b"ACK ", b"BYE ", b"REGISTER ", b"OPTIONS ", b"PRACK ")


def frames(n: int) -> list[bytes]:
    return [
        ether(ipv4("10.0.0.1", "10.0.0.2", 17, udp(4000 + i % 3, 5000, RTP)), 0x0800)
        for i in range(n)
    ]


def test_read_capture_fills_info_rows_and_payloads(tmp_path: Path) -> None:
    tcp_frame = ether(ipv4("10.0.0.1", "10.0.0.2", 6, tcp(5060, 5060, 9, b"SIP/2.0 200")), 0x0800)
    path = write_pcap(tmp_path / "a.pcap", [*frames(4), tcp_frame])
    capture = read_capture(path)
    info = capture.info
    assert info.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (info.packets, info.link_types) == (5, ("ethernet",))
    assert info.size_bytes == path.stat().st_size
    assert info.start_ns == 1_700_000_000 * 10**9
    assert info.end_ns - info.start_ns == 80_000_000
    assert info.path == str(path)
    assert capture.packets.frame.tolist() == [1, 2, 3, 4]
    assert capture.payload(2) == RTP
    assert [s.data for s in capture.tcp_streams] == [b"SIP/2.0 200"]
    assert capture.warnings == []
    capture.close()
    with pytest.raises(ValueError):
        capture.payload(0)


def test_progress_is_reported_per_chunk_and_reaches_the_total(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reader_module, "iter_records", functools.partial(iter_records,
                                                                         max_records=3))
    path = write_pcap(tmp_path / "b.pcap", frames(10))
    seen: list[Progress] = []
    capture = read_capture(path, progress=seen.append)
    reading = [p for p in seen if p.stage == "reading"]
    assert len(reading) >= 5  # start, 4 chunks, end
    assert [p.done for p in reading] == sorted(p.done for p in reading)
    assert reading[-1].done == reading[-1].total == path.stat().st_size
    assert capture.packets.frame.tolist() == list(range(1, 11))
    assert len(capture.packets.addresses) == 2


def test_reassembled_payloads_survive_chunk_concatenation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reader_module, "iter_records", functools.partial(iter_records,
                                                                         max_records=2))
    sip = b"MESSAGE sip:a@b SIP/2.0\r\n" + b"X: 1\r\n" * 100
    datagram = udp(5060, 5060, sip)
    frags = [
        ether(ipv4("10.0.0.7", "10.0.0.8", 17, datagram[off : off + 400], ident=4,
                   frag=(0x2000 if off + 400 < len(datagram) else 0) | off // 8), 0x0800)
        for off in range(0, len(datagram), 400)
    ]
    capture = read_capture(write_pcap(tmp_path / "h.pcap", [*frames(3), *frags, *frames(2)]))
    p = capture.packets
    (row,) = np.flatnonzero(p.payload_offset < 0).tolist()
    assert row == 3
    assert int(p.frame[row]) == 3 + len(frags)
    assert capture.payload(row) == sip
    assert capture.payload(row + 1) == RTP


def test_cancel_stops_reading(tmp_path: Path) -> None:
    token = CancelToken()
    token.cancel()
    with pytest.raises(CancelledError):
        read_capture(write_pcap(tmp_path / "c.pcap", frames(3)), cancel=token)


def test_gzip_capture_hashes_the_stored_file(tmp_path: Path) -> None:
    plain = write_pcap(tmp_path / "d.pcap", frames(3))
    packed = tmp_path / "d.pcap.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    capture = read_capture(packed)
    assert capture.info.sha256 == hashlib.sha256(packed.read_bytes()).hexdigest()
    assert capture.payload(0) == RTP


def test_only_unsupported_link_types_is_an_error(tmp_path: Path) -> None:
    path = write_pcap(tmp_path / "e.pcap", [b"\x00" * 60] * 3, linktype=147)
    with pytest.raises(CaptureError, match="unsupported link type 147"):
        read_capture(path)


def test_empty_capture_reads_as_empty(tmp_path: Path) -> None:
    capture = read_capture(write_pcap(tmp_path / "f.pcap", []))
    assert (capture.info.packets, len(capture.packets), capture.info.start_ns) == (0, 0, 0)


def test_missing_file_is_a_capture_error(tmp_path: Path) -> None:
    with pytest.raises(CaptureError, match="no such file"):
        read_capture(tmp_path / "missing.pcap")


@pytest.mark.corpus
def test_corpus_gtpu_ipv6_rows(corpus: Path) -> None:
    capture = read_capture(corpus / "volte-s1u-gtpu-ipv6-amr-wb-esp-sip_amarisoft.pcap")
    p = capture.packets
    assert len(p) == 1793  # tshark: G-PDUs with an inner UDP header
    assert set(p.transport.tolist()) == {Transport.GTPU_UDP}
    assert np.bincount(p.ip_version, minlength=7)[[4, 6]].tolist() == [176, 1617]  # QUIC on v4
    assert np.all(p.teid != 0)
    assert all(":" in p.addresses[i] for i in np.unique(p.src[p.ip_version == 6]).tolist())
    assert len(capture.tcp_streams) > 0
    assert all(s.tunnelled for s in capture.tcp_streams)


@pytest.mark.corpus
def test_corpus_ipv6_fragments_reassemble_into_sip(corpus: Path) -> None:
    capture = read_capture(corpus / "sip-ipv6-fragmented-sll_sngrep.pcap")
    p = capture.packets
    assert capture.info.link_types == ("linux-sll",)
    assert len(p) == 32
    rows = np.flatnonzero(p.payload_offset < 0).tolist()
    assert len(rows) == 2
    for row in rows:
        data = capture.payload(row)
        assert data.startswith(SIP_START)
        assert len(data) == int(p.length[row]) == int(p.caplen[row])
    assert capture.warnings == []


@pytest.mark.corpus
def test_corpus_pppoe(corpus: Path) -> None:
    capture = read_capture(corpus / "sip-g711a-pppoe-isp-box_nb6-telephone.pcap")
    assert len(capture.packets) == 522
    assert set(capture.packets.transport.tolist()) == {Transport.UDP}


@pytest.mark.corpus
def test_corpus_bsd_loopback(corpus: Path) -> None:
    capture = read_capture(corpus / "sip-h263-video_bsd-loopback.pcap")
    assert capture.info.link_types == ("null",)
    assert len(capture.packets) == 49


@pytest.mark.corpus
def test_corpus_tcp_rfc4571_and_vlan(corpus: Path) -> None:
    capture = read_capture(corpus / "rtp-mixed-tcp-rfc4571-vlan-rtpevent-h263_ndpi.pcapng")
    p = capture.packets
    assert len(p) == 75
    vlan_rows = (p.frame >= 83) & (p.frame <= 112)  # tshark: frames 83-112 are VLAN 1508
    assert int(np.count_nonzero(vlan_rows)) == 30
    assert set(p.sport[vlan_rows].tolist()) == {55402}
    (stream,) = capture.tcp_streams
    assert (stream.sport, stream.dport, stream.gap_offsets) == (40252, 5000, [])
    assert stream.data[2] == 0x80  # RFC 4571: 2-byte length, then RTP version 2
    assert int.from_bytes(stream.data[:2], "big") == 1212
    assert stream.seg_frame[0] == 19


@pytest.mark.corpus
def test_corpus_linux_sll2(corpus: Path) -> None:
    capture = read_capture(corpus / "nonvoip-http-linux-sll2_filesamples.pcap")
    assert capture.info.link_types == ("linux-sll2",)
    assert len(capture.packets) == 0
    starts = sorted(s.data[:4] for s in capture.tcp_streams)
    assert starts == [b"GET ", b"GET ", b"HTTP", b"HTTP"]


@pytest.mark.corpus
def test_corpus_truncated_file_warns(corpus: Path) -> None:
    capture = read_capture(corpus / "broken-truncated-mid-packet_fuzz-2021-10-13.pcap")
    assert capture.info.link_types == ("null",)
    assert any("truncated" in w for w in capture.warnings)


def test_ipv6_rows_through_read_capture(tmp_path: Path) -> None:
    frame = ether(ipv6("2001:db8::5", "2001:db8::6", 17, udp(1, 2, b"v6")), 0x86DD)
    capture = read_capture(write_pcap(tmp_path / "g.pcap", [frame]))
    assert capture.packets.addresses[int(capture.packets.src[0])] == "2001:db8::5"
    assert capture.payload(0) == b"v6"


@pytest.mark.corpus
def test_corpus_every_file_reads_with_consistent_rows(corpus: Path) -> None:
    files = sorted(p for p in corpus.iterdir() if p.suffix in (".pcap", ".pcapng"))
    assert len(files) >= 40
    for path in files:
        capture = read_capture(path)
        p = capture.packets
        assert np.all(np.diff(p.frame) > 0), path.name
        assert np.all((p.caplen >= 0) & (p.caplen <= p.length)), path.name
        assert np.all((p.src >= 0) & (p.src < len(p.addresses))), path.name
        for row in range(0, len(p), max(1, len(p) // 7)):
            data = capture.payload(row)
            assert len(data) == int(p.caplen[row]), path.name
            assert bytes(p.head[row, : len(data)]) == data[:16], path.name
        capture.close()
