"""Helpers for the scrubbed-export tests: small synthetic captures and leak checks."""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dpkt
import numpy as np

from callscope.core.analysis import analyze
from callscope.core.capture.reader import read_capture
from callscope.core.report.records import call_record, stream_record
from callscope.core.rtp.classify import rtp_dissectable
from callscope.core.rtp.header import header_lengths, parse_headers
from callscope.core.sip.find import find_sip_messages

KEY = bytes(range(32))
A, B = "192.0.2.10", "198.51.100.20"
A6, B6 = "2001:db8::10", "2001:db8::20"
SECRET_VOICE = bytes((i * 37 + 11) % 251 for i in range(160))


def sip_invite(a: str, b: str, rtp_port: int) -> bytes:
    ip = "IP6" if ":" in a else "IP4"
    sdp = (f"v=0\r\no=alice 1 1 IN {ip} {a}\r\ns=-\r\nc=IN {ip} {a}\r\nt=0 0\r\n"
           f"m=audio {rtp_port} RTP/AVP 8 101\r\na=rtpmap:101 telephone-event/8000\r\n").encode()
    head = (f"INVITE sip:+3247512345@example.com SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {a}:5060;branch=z9hG4bK1\r\n"
            f'From: "Alice Liddell" <sip:alice.liddell@example.com>;tag=af1\r\n'
            f"To: <sip:+3247512345@example.com>\r\nCall-ID: call-1@{a}\r\nCSeq: 1 INVITE\r\n"
            f"Contact: <sip:alice.liddell@{a}>\r\nContent-Type: application/sdp\r\n"
            f"Content-Length: {len(sdp)}\r\n\r\n").encode()
    return head + sdp


def voip_frames(a: str, b: str) -> list[bytes]:
    frames = [eth_udp(a, b, 5060, 5060, sip_invite(a, b, 40000))]
    for i in range(30):
        payload = SECRET_VOICE[i:] + SECRET_VOICE[:i]
        kw: dict[str, object] = {}
        if i == 5:
            kw["padding"] = 4
        if i == 6:
            kw["ext"] = b"\x10\xaa\xbb\xcc"
        if i == 7:
            kw["ext"] = b"LONG" * 20  # longer than MAX_EXTENSION_KEPT: body zeroed
        frames.append(eth_udp(a, b, 40000, 50000, rtp(100 + i, 160 * i, 0x1234, payload, **kw)))
    sdes = struct.pack("!BBHIBB", 0x81, 202, 4, 0x1234, 1, 10) + b"alice@host" + b"\0\0"
    sr = struct.pack("!BBHI", 0x80, 200, 6, 0x1234) + bytes(range(1, 21))
    frames.append(eth_udp(a, b, 40001, 50001, sr + sdes))
    frames.append(eth_udp(a, b, 33000, 53, b"\x12\x34\x01\x00\x00\x01" + b"secret-host\0"))
    return frames



def rtp(seq: int, ts: int, ssrc: int, payload: bytes, pt: int = 8, *, padding: int = 0,
        ext: bytes | None = None) -> bytes:
    """An RTP packet (RFC 3550 §5.1); ``ext``: extension body (multiple of 4 bytes)."""
    b0 = 0x80 | (0x20 if padding else 0) | (0x10 if ext is not None else 0)
    out = struct.pack("!BBHII", b0, pt, seq & 0xFFFF, ts & 0xFFFFFFFF, ssrc)
    if ext is not None:
        out += struct.pack("!HH", 0xBEDE, len(ext) // 4) + ext
    out += payload
    if padding:
        out += bytes(padding - 1) + bytes([padding])
    return out


def eth_udp(src: str, dst: str, sport: int, dport: int, payload: bytes) -> bytes:
    """Ethernet + IPv4 or IPv6 + UDP with correct checksums (dpkt computes them)."""
    u = dpkt.udp.UDP(sport=sport, dport=dport, data=payload)
    u.ulen = 8 + len(payload)
    ip: Any
    if ":" in dst:
        ip = dpkt.ip6.IP6(src=_addr(src), dst=_addr(dst), nxt=17, hlim=64, data=u)
        ip.plen = len(u)
        etype = 0x86DD
    else:
        ip = dpkt.ip.IP(src=_addr(src), dst=_addr(dst), p=17, data=u)
        etype = 0x0800
    frame = dpkt.ethernet.Ethernet(src=b"\x02" * 6, dst=b"\x04" * 6, type=etype, data=ip)
    return bytes(frame)


def _addr(text: str) -> bytes:
    import ipaddress

    return ipaddress.ip_address(text).packed


def write_pcap(path: Path, frames: list[bytes], step_ms: int = 20) -> Path:
    """Classic microsecond pcap, Ethernet, one frame every ``step_ms``."""
    out = bytearray(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    for i, frame in enumerate(frames):
        t = 1_700_000_000_000_000 + i * step_ms * 1000
        out += struct.pack("<IIII", t // 1_000_000, t % 1_000_000, len(frame), len(frame))
        out += frame
    path.write_bytes(bytes(out))
    return path


def block(btype: int, body: bytes) -> bytes:
    """A little-endian pcapng block (body padded to 32 bits)."""
    body += bytes(-len(body) % 4)
    size = 12 + len(body)
    return struct.pack("<II", btype, size) + body + struct.pack("<I", size)


def option(code: int, value: bytes) -> bytes:
    return struct.pack("<HH", code, len(value)) + value + bytes(-len(value) % 4)


def options(*items: bytes) -> bytes:
    return b"".join(items) + struct.pack("<HH", 0, 0)


def epb(frame: bytes, t_us: int, opts: bytes = b"", interface: int = 0) -> bytes:
    body = struct.pack("<IIIII", interface, t_us >> 32, t_us & 0xFFFFFFFF, len(frame),
                       len(frame))
    return block(6, body + frame + bytes(-len(frame) % 4) + opts)


def shb(opts: bytes = b"") -> bytes:
    return block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1) + opts)


def idb(linktype: int = 1, opts: bytes = b"") -> bytes:
    return block(1, struct.pack("<HHI", linktype, 0, 0) + opts)


@dataclass
class Leaks:
    """Secrets found in an input capture, to be searched for in its scrubbed copy."""

    payloads: list[bytes]
    users: list[bytes]
    names: list[bytes]
    keys: list[bytes]


_INLINE = re.compile(rb"inline:([A-Za-z0-9+/]{16,})")
_USER = re.compile(r"^(?:sips?|tel):([^@;>]+)", re.I)


def find_secrets(path: Path, limit: int = 200) -> Leaks:
    """RTP payloads (≥ 8 bytes, ≥ 4 distinct values), SIP user parts, names, SDES keys."""
    capture = read_capture(path)
    try:
        table = capture.packets
        header = parse_headers(table)
        hlen = header_lengths(header, capture.payload)
        rows = np.flatnonzero(rtp_dissectable(table, header, hlen)
                              & (table.caplen.astype(np.int64) - hlen >= 8))
        payloads: list[bytes] = []
        for row in rows[:: max(1, len(rows) // limit)].tolist():
            body = capture.payload(row)[int(hlen[row]) :]
            if header.padding[row]:
                body = body[: max(0, len(body) - body[-1])]
            if len(body) >= 8 and len(set(body)) >= 4:
                payloads.append(body)
        users: set[bytes] = set()
        names: set[bytes] = set()
        for m in find_sip_messages(capture):
            for uri in (m.from_uri, m.to_uri, m.request_uri):
                match = _USER.match(uri)
                if match and len(match.group(1).split(":")[0]) >= 3:
                    users.add(match.group(1).split(":")[0].encode())
            for value in (m.header("from"), m.header("to")):
                name = value.split("<", 1)[0].strip().strip('"')
                if "<" in value and len(name) >= 3:
                    names.add(name.encode())
        raw = Path(path).read_bytes()
        keys = sorted(set(_INLINE.findall(raw)))
    finally:
        capture.close()
    return Leaks(payloads, sorted(users), sorted(names), keys)


def stream_records(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(stream records, call records without parties) of ``callscope analyze``."""
    result = analyze(path)
    start = result.capture.start_ns
    calls = [call_record(c, start) for c in result.calls]
    for c in calls:
        c.pop("from")
        c.pop("to")
    return [stream_record(s, start) for s in result.streams], calls


def pcapng_options(path: Path) -> list[tuple[int, int]]:
    """(block type, option code) of every option of SHB/IDB/EPB blocks; block types too."""
    data = path.read_bytes()
    out: list[tuple[int, int]] = []
    pos = 0
    while pos + 12 <= len(data):
        btype, size = struct.unpack_from("<II", data, pos)
        out.append((btype, -1))
        fixed = {0x0A0D0D0A: 24, 1: 16, 5: 20}.get(btype)
        if btype == 6:
            caplen = struct.unpack_from("<I", data, pos + 20)[0]
            fixed = 28 + (caplen + 3) // 4 * 4
        if fixed is not None:
            at = pos + fixed
            while at + 4 <= pos + size - 4:
                code, length = struct.unpack_from("<HH", data, at)
                if code == 0:
                    break
                out.append((btype, code))
                at += 4 + (length + 3) // 4 * 4
        pos += size
    return out
