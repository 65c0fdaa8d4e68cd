"""pcap/pcapng framing read back by an independent reader (dpkt), checksums verified."""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from synth_reader import Datagram, internet_checksum

from callscope.core.synth.frames import Link, Ragged, UdpFrames, ip_bytes
from callscope.core.synth.pcap_writer import CaptureWriter, write_capture

Reader = Callable[[Path], list[Datagram]]
T0 = 1_700_000_000_123_456_000


def _frames(v6: bool = False, n: int = 5) -> UdpFrames:
    """n datagrams with payload lengths 0, 1, 2... (odd ones exercise checksum padding)."""
    src = "2001:db8::1" if v6 else "192.0.2.10"
    dst = "2001:db8::2" if v6 else "198.51.100.20"
    payloads = [bytes(range(7 * i % 256, 7 * i % 256 + i)) for i in range(n)]
    return UdpFrames(
        time_ns=T0 + np.arange(n, dtype=np.int64) * 20_000_000 + 789,  # ns part dropped
        src=np.tile(ip_bytes(src), (n, 1)),
        dst=np.tile(ip_bytes(dst), (n, 1)),
        sport=np.full(n, 40000, np.uint16),
        dport=(10000 + 2 * np.arange(n)).astype(np.uint16),
        payload=Ragged.from_bytes(payloads),
        tos=np.full(n, 0xB8, np.uint8),
        teid=np.arange(n, dtype=np.uint32) + 7,
    )


@pytest.mark.parametrize("fmt", ["pcap", "pcapng"])
@pytest.mark.parametrize("v6", [False, True])
@pytest.mark.parametrize("link", [Link(), Link(vlan_id=42), Link(gtpu=True),
                                  Link(vlan_id=7, gtpu=True)])
def test_frames_read_back_identically(tmp_path: Path, read_capture: Reader, fmt: str, v6: bool,
                                      link: Link) -> None:
    frames = _frames(v6)
    path = tmp_path / f"x.{fmt}"
    write_capture(path, frames, fmt, link)  # type: ignore[arg-type]
    got = read_capture(path)
    assert [d.payload for d in got] == [frames.payload.row(i) for i in range(len(frames))]
    assert [d.dport for d in got] == frames.dport.tolist()
    assert {d.sport for d in got} == {40000}
    assert [round(d.ts * 1e6) for d in got] == (frames.time_ns // 1000).tolist()
    assert all(d.src == frames.src[0].tobytes() and d.dst == frames.dst[0].tobytes() for d in got)
    assert all(d.vlan == link.vlan_id for d in got)
    assert [d.teid for d in got] == (list(range(7, 12)) if link.gtpu else [None] * 5)
    for d in got:
        headers = [d.ip] + ([d.outer] if d.outer is not None else [])
        for ip in headers:
            if ip.v == 4:
                assert internet_checksum(bytes(ip)[: ip.hl * 4]) == 0
                assert ip.sum != 0 and ip.df and ip.offset == 0
                assert ip.ttl == 64 and ip.tos == 0xB8
        udp = d.ip.data
        if v6:  # RFC 8200 §8.1: pseudo-header + UDP; a correct checksum sums to 0
            pseudo = d.ip.src + d.ip.dst + struct.pack("!IxxxB", len(bytes(udp)), 17)
            assert udp.sum != 0 and internet_checksum(pseudo + bytes(udp)) == 0
        else:
            assert udp.sum == 0
        assert udp.ulen == 8 + len(d.payload)


def test_pcapng_blocks_and_padding(tmp_path: Path) -> None:
    path = tmp_path / "x.pcapng"
    write_capture(path, _frames(), "pcapng")
    data = path.read_bytes()
    pos, kinds = 0, []
    while pos < len(data):
        kind, length = struct.unpack_from("<II", data, pos)
        assert length % 4 == 0 and struct.unpack_from("<I", data, pos + length - 4)[0] == length
        kinds.append(kind)
        pos += length
    assert pos == len(data)
    assert kinds == [0x0A0D0D0A, 1] + [6] * 5  # SHB, IDB, one EPB per packet


def test_pcap_header_and_record_layout(tmp_path: Path) -> None:
    path = tmp_path / "x.pcap"
    write_capture(path, _frames(n=3), "pcap")
    data = path.read_bytes()
    assert struct.unpack_from("<IHHiIII", data) == (0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    sec, usec, caplen, wirelen = struct.unpack_from("<IIII", data, 24)
    assert (sec, usec) == divmod(T0 // 1000, 1_000_000)
    assert caplen == wirelen == 14 + 20 + 8 + 0
    assert len(data) == 24 + 3 * 16 + 3 * 42 + (0 + 1 + 2)


def test_batches_append_and_ip_ids_continue(tmp_path: Path, read_capture: Reader) -> None:
    frames = _frames()
    path = tmp_path / "x.pcap"
    with CaptureWriter(path, "pcap") as writer:
        writer.write(frames.take(np.arange(2)))
        writer.write(frames.take(np.arange(2, 5)))
    assert writer.packets == 5
    assert [d.ip.id for d in read_capture(path)] == [0, 1, 2, 3, 4]


def test_nanosecond_pcapng(tmp_path: Path) -> None:
    path = tmp_path / "ns.pcapng"
    with CaptureWriter(path, "pcapng", ts_resolution=9) as writer:
        writer.write(_frames(n=1))
    data = path.read_bytes()
    hi, lo = struct.unpack_from("<II", data, 28 + 32 + 12)  # SHB 28, IDB 32, EPB fields
    assert (hi << 32 | lo) == T0 + 789
    assert b"\x09\x00\x01\x00\x09" in data[28:60]  # if_tsresol = 9


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="format"):
        CaptureWriter(tmp_path / "x", "erf")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="resolution"):
        CaptureWriter(tmp_path / "x", "pcap", ts_resolution=9)


def test_ragged_rows_take_and_concat() -> None:
    a = Ragged.from_bytes([b"ab", b"", b"cde"])
    b = Ragged.from_rows(np.array([[1, 2], [3, 4]], dtype=np.uint8))
    both = Ragged.concat([a, b])
    assert [both.row(i) for i in range(5)] == [b"ab", b"", b"cde", b"\x01\x02", b"\x03\x04"]
    picked = both.take(np.array([4, 0]))
    assert [picked.row(0), picked.row(1)] == [b"\x03\x04", b"ab"]
