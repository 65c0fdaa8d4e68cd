"""Synth test helpers: an independent capture reader (dpkt) and an RFC 1071 checksum."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import dpkt


@dataclass
class Datagram:
    """One UDP datagram as dpkt sees it (inner one for GTP-U)."""

    ts: float
    src: bytes
    dst: bytes
    sport: int
    dport: int
    payload: bytes
    vlan: int | None
    teid: int | None
    ip: dpkt.ip.IP | dpkt.ip6.IP6
    outer: dpkt.ip.IP | None


def _inner(udp: dpkt.udp.UDP) -> tuple[int, dpkt.Packet]:
    """(TEID, inner IP) of a GTP-U G-PDU without optional fields (parsed by hand)."""
    flags, mtype, length, teid = struct.unpack("!BBHI", udp.data[:8])
    assert flags == 0x30 and mtype == 0xFF
    body = udp.data[8 : 8 + length]
    assert len(body) == length
    return teid, (dpkt.ip6.IP6(body) if body[0] >> 4 == 6 else dpkt.ip.IP(body))


def read_datagrams(path: Path) -> list[Datagram]:
    """Every UDP datagram of a pcap or pcapng file, in file order."""
    out = []
    with open(path, "rb") as f:
        magic = f.read(4)
        f.seek(0)
        reader = dpkt.pcapng.Reader(f) if magic == b"\x0a\x0d\x0d\x0a" else dpkt.pcap.Reader(f)
        for ts, raw in reader:
            eth = dpkt.ethernet.Ethernet(raw)
            vlan = eth.vlan_tags[0].id if getattr(eth, "vlan_tags", None) else None
            ip, outer, teid = eth.data, None, None
            if isinstance(ip.data, dpkt.udp.UDP) and ip.data.dport == 2152:
                outer = ip
                teid, ip = _inner(ip.data)
            udp = ip.data
            assert isinstance(udp, dpkt.udp.UDP)
            out.append(Datagram(float(ts), ip.src, ip.dst, udp.sport, udp.dport,
                                bytes(udp.data), vlan, teid, ip, outer))
    return out


def internet_checksum(data: bytes) -> int:
    """RFC 1071 one's-complement sum of 16-bit words (0 means the data checks out)."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF
