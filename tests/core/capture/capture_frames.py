"""Builders of synthetic frames and RecordIndex chunks for the decoder tests."""

from __future__ import annotations

import ipaddress
import struct
from pathlib import Path

import numpy as np

from callscope.core.capture.records import RecordIndex

JUNK = b"\xee" * 16  # stands in for record headers between frames: must never be decoded


def addr(text: str) -> bytes:
    return ipaddress.ip_address(text).packed


def udp(sport: int, dport: int, payload: bytes, length: int | None = None) -> bytes:
    size = 8 + len(payload) if length is None else length
    return struct.pack("!HHHH", sport, dport, size, 0) + payload


def tcp(sport: int, dport: int, seq: int, payload: bytes, flags: int = 0x18) -> bytes:
    return struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, flags, 65535, 0, 0) + payload


def ipv4(
    src: str,
    dst: str,
    proto: int,
    payload: bytes,
    *,
    ident: int = 1,
    frag: int = 0,
    options: bytes = b"",
    total: int | None = None,
) -> bytes:
    """IPv4 header (+ options, padded to 4 bytes) + payload; ``frag`` = flags/offset word."""
    options += b"\x00" * (-len(options) % 4)
    ihl = 5 + len(options) // 4
    size = ihl * 4 + len(payload) if total is None else total
    hdr = struct.pack("!BBHHHBBH", 0x40 | ihl, 0, size, ident, frag, 64, proto, 0)
    return hdr + addr(src) + addr(dst) + options + payload


def ipv6(src: str, dst: str, nh: int, payload: bytes, *, ext: bytes = b"") -> bytes:
    """IPv6 header + already chained extension headers ``ext`` + payload."""
    body = ext + payload
    return struct.pack("!IHBB", 6 << 28, len(body), nh, 64) + addr(src) + addr(dst) + body


def ext_header(nh: int, size: int = 8) -> bytes:
    """A hop-by-hop/routing/destination-options header of ``size`` bytes (multiple of 8)."""
    return bytes([nh, size // 8 - 1]) + b"\x01" * (size - 2)


def ah_header(nh: int, size: int = 24) -> bytes:
    """An Authentication Header of ``size`` bytes (length field in 4-byte units − 2)."""
    return bytes([nh, size // 4 - 2]) + b"\x00" * (size - 2)


def frag6_header(nh: int, offset: int, more: bool, ident: int) -> bytes:
    return struct.pack("!BBHI", nh, 0, offset | int(more), ident)


def ether(payload: bytes, ethertype: int, vlans: tuple[int, ...] = ()) -> bytes:
    """Ethernet II with optional tags: ``vlans`` are tag TPIDs, outermost first."""
    out = b"\x02" * 6 + b"\x04" * 6
    for tpid in vlans:
        out += struct.pack("!HH", tpid, 100)
    return out + struct.pack("!H", ethertype) + payload


def pppoe(ip: bytes, version: int) -> bytes:
    proto = 0x0021 if version == 4 else 0x0057
    return struct.pack("!BBHHH", 0x11, 0, 0x1234, len(ip) + 2, proto) + ip


def sll(payload: bytes, proto: int) -> bytes:
    return struct.pack("!HHH", 0, 1, 6) + b"\x02" * 8 + struct.pack("!H", proto) + payload


def sll2(payload: bytes, proto: int) -> bytes:
    return struct.pack("!HHIHBB", proto, 0, 1, 1, 0, 6) + b"\x02" * 8 + payload


def null(payload: bytes, family: int, order: str = "<") -> bytes:
    return struct.pack(order + "I", family) + payload


def gtpu(teid: int, inner: bytes, *, seq: int | None = None, exts: tuple[bytes, ...] = (),
         msg_type: int = 0xFF) -> bytes:
    """GTPv1-U: optional sequence number and extension headers (already sized)."""
    flags = 0x30
    opt = b""
    if seq is not None or exts:
        flags |= (0x02 if seq is not None else 0) | (0x04 if exts else 0)
        opt = struct.pack("!HBB", seq or 0, 0, 0x85 if exts else 0)
    body = opt + b"".join(exts) + inner
    return struct.pack("!BBHI", flags, msg_type, len(body), teid) + body


def pdu_session_ext(next_type: int = 0, qfi: int = 9) -> bytes:
    """A 4-byte PDU session container (type 0x85, TS 38.415) pointing at ``next_type``."""
    return bytes([1, 0x10, qfi, next_type])


def record_index(
    frames: list[bytes],
    linktype: int | list[int] = 1,
    *,
    first_frame: int = 1,
    caplens: list[int] | None = None,
    start_ns: int = 1_700_000_000_000_000_000,
) -> RecordIndex:
    """Frames laid out with junk between them, as a RecordIndex over one buffer."""
    buf = bytearray()
    offsets = []
    for f in frames:
        buf += JUNK
        offsets.append(len(buf))
        buf += f
    buf += JUNK
    n = len(frames)
    types = [linktype] * n if isinstance(linktype, int) else linktype
    lens = caplens if caplens is not None else [len(f) for f in frames]
    data = np.frombuffer(bytes(buf), np.uint8)
    return RecordIndex(
        data=data,
        frame=np.arange(first_frame, first_frame + n, dtype=np.int64),
        time_ns=start_ns + 20_000_000 * np.arange(n, dtype=np.int64),
        offset=np.array(offsets, np.int64),
        caplen=np.array(lens, np.int32),
        origlen=np.array([len(f) for f in frames], np.int64),
        linktype=np.array(types, np.int32),
    )


def write_pcap(path: Path, frames: list[bytes], linktype: int = 1, snaplen: int = 65535) -> Path:
    """A classic microsecond pcap holding ``frames`` 20 ms apart."""
    out = bytearray(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, linktype))
    for i, f in enumerate(frames):
        sec, usec = divmod(20_000 * i, 1_000_000)
        out += struct.pack("<IIII", 1_700_000_000 + sec, usec, len(f), len(f)) + f
    path.write_bytes(bytes(out))
    return path
