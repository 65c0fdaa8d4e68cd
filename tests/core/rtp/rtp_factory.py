"""Build small synthetic packet tables and captures for the RTP tests (not a test module)."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

import numpy as np

from callscope.core.capture.capture import Capture, TcpStream
from callscope.core.capture.table import HEAD_BYTES, PacketTable, Transport
from callscope.core.model import CaptureInfo, StreamSeries, StreamStats

START_NS = 1_700_000_000_000_000_000


def rtp(
    seq: int,
    timestamp: int,
    ssrc: int,
    payload_type: int = 8,
    *,
    marker: bool = False,
    payload: bytes = bytes(160),
    version: int = 2,
    csrcs: tuple[int, ...] = (),
    extension: bytes | None = None,
    padding: int = 0,
) -> bytes:
    """An RTP packet (RFC 3550 §5.1); ``extension`` is the extension body (multiple of 4)."""
    first = (version << 6) | (0x20 if padding else 0) | (0x10 if extension is not None else 0)
    first |= len(csrcs)
    data = struct.pack(
        "!BBHII", first, (0x80 if marker else 0) | payload_type, seq & 0xFFFF,
        timestamp & 0xFFFFFFFF, ssrc,
    )
    data += b"".join(struct.pack("!I", c) for c in csrcs)
    if extension is not None:
        data += struct.pack("!HH", 0xBEDE, len(extension) // 4) + extension
    data += payload
    if padding:
        data += bytes(padding - 1) + bytes([padding])
    return data


def rtcp_rr(reporter: int, blocks: list[tuple[int, int, int, int, int]]) -> bytes:
    """An RR with blocks (ssrc, fraction*256, cumulative lost, highest seq, jitter)."""
    body = b"".join(
        struct.pack("!IB3sIIII", ssrc, frac, lost.to_bytes(3, "big", signed=True), high,
                    jitter, 0, 0)
        for ssrc, frac, lost, high, jitter in blocks
    )
    words = (8 + len(body)) // 4 - 1
    return struct.pack("!BBHI", 0x80 | len(blocks), 201, words, reporter) + body


def rtcp_sr(sender: int, blocks: list[tuple[int, int, int, int, int]]) -> bytes:
    """An SR (sender info zeros except counts) with report blocks."""
    body = struct.pack("!IIIII", 1, 2, 3, 4, 5) + b"".join(
        struct.pack("!IB3sIIII", ssrc, frac, lost.to_bytes(3, "big", signed=True), high,
                    jitter, 7, 8)
        for ssrc, frac, lost, high, jitter in blocks
    )
    words = (8 + len(body)) // 4 - 1
    return struct.pack("!BBHI", 0x80 | len(blocks), 200, words, sender) + body


def rtcp_sdes(ssrc: int, cname: bytes) -> bytes:
    """An SDES with one chunk holding a CNAME."""
    chunk = struct.pack("!I", ssrc) + bytes([1, len(cname)]) + cname + b"\x00"
    chunk += bytes(-len(chunk) % 4)
    return struct.pack("!BBH", 0x81, 202, (4 + len(chunk)) // 4 - 1) + chunk


@dataclass
class Packet:
    """One UDP datagram of a synthetic capture."""

    src: str
    sport: int
    dst: str
    dport: int
    payload: bytes
    time_s: float
    transport: Transport = Transport.UDP
    teid: int = 0
    caplen: int | None = None


@dataclass
class Builder:
    """Collects packets, then makes a PacketTable / Capture (frames numbered 1..n)."""

    packets: list[Packet] = field(default_factory=list)

    def add(self, src: str, sport: int, dst: str, dport: int, payload: bytes, time_s: float,
            **extra: object) -> None:
        self.packets.append(Packet(src, sport, dst, dport, payload, time_s, **extra))  # type: ignore[arg-type]

    def table(self) -> PacketTable:
        addresses: dict[str, int] = {}
        n = len(self.packets)
        head = np.zeros((n, HEAD_BYTES), np.uint8)
        caplen = []
        for i, p in enumerate(self.packets):
            captured = p.payload if p.caplen is None else p.payload[: p.caplen]
            caplen.append(len(captured))
            first = captured[:HEAD_BYTES]
            head[i, : len(first)] = np.frombuffer(first, np.uint8)
        table = PacketTable(
            frame=np.arange(1, n + 1, dtype=np.int64),
            time_ns=np.array([START_NS + round(p.time_s * 1e9) for p in self.packets], np.int64),
            src=np.array([addresses.setdefault(p.src, len(addresses)) for p in self.packets],
                         np.int32),
            dst=np.array([addresses.setdefault(p.dst, len(addresses)) for p in self.packets],
                         np.int32),
            sport=np.array([p.sport for p in self.packets], np.uint16),
            dport=np.array([p.dport for p in self.packets], np.uint16),
            transport=np.array([p.transport for p in self.packets], np.uint8),
            teid=np.array([p.teid for p in self.packets], np.uint32),
            length=np.array([len(p.payload) for p in self.packets], np.int32),
            caplen=np.array(caplen, np.int32),
            ip_version=np.array([6 if ":" in p.src else 4 for p in self.packets], np.uint8),
            head=head,
            payload_offset=np.full(n, -1, np.int64),
        )
        table.addresses = list(addresses)
        table.reassembled = {
            i: (p.payload if p.caplen is None else p.payload[: p.caplen])
            for i, p in enumerate(self.packets)
        }
        return table

    def capture(self, tcp_streams: list[TcpStream] | None = None) -> Capture:
        table = self.table()
        end = int(table.time_ns.max()) if len(table) else START_NS
        info = CaptureInfo("synthetic.pcap", "", 0, len(table), ("ethernet",), START_NS, end)
        return Capture(info=info, packets=table, tcp_streams=tcp_streams or [], warnings=[])


def stream_of(builder: Builder, src: str, sport: int, dst: str, dport: int, ssrc: int,
              count: int, *, start_s: float = 0.0, payload_type: int = 8, first_seq: int = 100,
              step_s: float = 0.02, ticks: int = 160) -> None:
    """Append ``count`` regular 20 ms RTP packets of one stream."""
    for i in range(count):
        builder.add(src, sport, dst, dport,
                    rtp(first_seq + i, 1000 + i * ticks, ssrc, payload_type),
                    start_s + i * step_s)


def stub_analyse_stream(**kw: object) -> tuple[StreamStats, StreamSeries]:
    """A stand-in for metrics.analyse_stream: counts packets, echoes the inputs."""
    frame = np.asarray(kw["frame"], np.int64)
    n = len(frame)
    zeros = np.zeros(n)
    stats = StreamStats(n, n, 0, 0.0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                        0, False)
    time_ns = np.asarray(kw["time_ns"], np.int64)
    start = int(kw["capture_start_ns"])  # type: ignore[call-overload]
    series = StreamSeries(
        frame, (time_ns - start) / 1e9, np.asarray(kw["seq"], np.int64),
        np.asarray(kw["timestamp"], np.int64), np.asarray(kw["payload_type"], np.uint8),
        np.asarray(kw["marker"], np.bool_), np.asarray(kw["length"], np.int32), zeros, zeros,
        zeros, np.zeros(n, np.bool_), np.zeros(n, np.int64), np.zeros(n, np.bool_),
    )
    return stats, series
