"""UDP datagrams as columns, and their Ethernet/802.1Q/IPv4|IPv6/UDP (+GTP-U) headers.

Everything is built for all rows at once: a header is an (n, H) uint8 array filled
column by column, checksums are row sums of big-endian 16-bit words (RFC 1071).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

ETH_LEN = 14
VLAN_LEN = 4
IPV4_LEN = 20
IPV6_LEN = 40
UDP_LEN = 8
GTPU_LEN = 8
GTPU_PORT = 2152
TOS_EF = 0xB8  # DSCP 46 (expedited forwarding), what phones put on RTP


@dataclass(frozen=True)
class Ragged:
    """Byte strings of varying length in one buffer: row i is ``data[start[i]:][:length[i]]``.

    ``start`` and ``length`` have shape (n,); rows may sit anywhere in ``data`` (in any
    order), so reordering rows never copies bytes.
    """

    data: NDArray[np.uint8]
    start: NDArray[np.int64]
    length: NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.start)

    @classmethod
    def from_rows(cls, rows: NDArray[np.uint8]) -> Ragged:
        """Equal-length rows from an (n, L) array."""
        n, width = rows.shape
        return cls(
            np.ascontiguousarray(rows).reshape(-1),
            np.arange(n, dtype=np.int64) * width,
            np.full(n, width, dtype=np.int64),
        )

    @classmethod
    def from_bytes(cls, items: list[bytes]) -> Ragged:
        """One row per byte string (for the few irregular packets: SIP, RTCP)."""
        length = np.array([len(b) for b in items], dtype=np.int64)
        start = np.zeros(len(items), dtype=np.int64)
        if len(items) > 1:
            start[1:] = np.cumsum(length)[:-1]
        data = np.frombuffer(b"".join(items), dtype=np.uint8).copy()
        return cls(data, start, length)

    @classmethod
    def concat(cls, parts: list[Ragged]) -> Ragged:
        """Rows of every part, in order."""
        bases = np.cumsum([0] + [len(p.data) for p in parts[:-1]], dtype=np.int64)
        return cls(
            np.concatenate([p.data for p in parts]) if parts else np.zeros(0, np.uint8),
            np.concatenate([p.start + b for p, b in zip(parts, bases, strict=True)]),
            np.concatenate([p.length for p in parts]),
        )

    def take(self, index: NDArray[np.int64]) -> Ragged:
        """The rows at ``index`` (shares ``data``)."""
        return Ragged(self.data, self.start[index], self.length[index])

    def row(self, i: int) -> bytes:
        """Row i as bytes."""
        s = int(self.start[i])
        return self.data[s : s + int(self.length[i])].tobytes()

    def gather(self, index: NDArray[np.int64], width: int) -> NDArray[np.uint8]:
        """Rows at ``index``, all ``width`` bytes long, as a (k, width) copy."""
        if width == 0:
            return np.zeros((len(index), 0), dtype=np.uint8)
        windows = sliding_window_view(self.data, width)
        return np.asarray(windows[self.start[index]])


@dataclass(frozen=True)
class UdpFrames:
    """UDP datagrams to be framed, one row each, in capture order.

    ``src``/``dst`` have shape (n, 4) for IPv4 or (n, 16) for IPv6 (network order).
    ``time_ns`` is the arrival time, ns since the Unix epoch. ``teid`` is the GTP-U
    tunnel id used when the link tunnels (0 otherwise). ``tos``: IPv4 TOS/IPv6 class.
    """

    time_ns: NDArray[np.int64]
    src: NDArray[np.uint8]
    dst: NDArray[np.uint8]
    sport: NDArray[np.uint16]
    dport: NDArray[np.uint16]
    payload: Ragged
    tos: NDArray[np.uint8]
    teid: NDArray[np.uint32]

    def __len__(self) -> int:
        return len(self.time_ns)

    @property
    def ip_version(self) -> int:
        """4 or 6, from the address width."""
        return 6 if self.src.shape[1] == 16 else 4

    def take(self, index: NDArray[np.int64]) -> UdpFrames:
        """The rows at ``index``, in that order."""
        return UdpFrames(
            self.time_ns[index], self.src[index], self.dst[index], self.sport[index],
            self.dport[index], self.payload.take(index), self.tos[index], self.teid[index],
        )

    def sorted_by_time(self) -> UdpFrames:
        """Rows in arrival order (stable: equal times keep their order)."""
        return self.take(np.argsort(self.time_ns, kind="stable"))

    @classmethod
    def concat(cls, parts: list[UdpFrames]) -> UdpFrames:
        """Rows of every part, in order (all parts of one IP version)."""
        return cls(
            np.concatenate([p.time_ns for p in parts]),
            np.concatenate([p.src for p in parts]),
            np.concatenate([p.dst for p in parts]),
            np.concatenate([p.sport for p in parts]),
            np.concatenate([p.dport for p in parts]),
            Ragged.concat([p.payload for p in parts]),
            np.concatenate([p.tos for p in parts]),
            np.concatenate([p.teid for p in parts]),
        )


@dataclass(frozen=True)
class Link:
    """How every datagram is framed: optional 802.1Q tag, optional GTP-U tunnel.

    With ``gtpu`` the inner IP/UDP datagram rides in GTP-U (3GPP TS 29.281) over
    outer IPv4/UDP 2152 between ``gtpu_outer`` addresses (S1-U/N3 style).
    """

    vlan_id: int | None = None
    gtpu: bool = False
    gtpu_outer: tuple[str, str] = ("192.0.2.1", "192.0.2.2")

    def header_length(self, ip_version: int) -> int:
        """Bytes of headers before the UDP payload."""
        n = ETH_LEN + (VLAN_LEN if self.vlan_id is not None else 0)
        if self.gtpu:
            n += IPV4_LEN + UDP_LEN + GTPU_LEN
        return n + (IPV6_LEN if ip_version == 6 else IPV4_LEN) + UDP_LEN


def ip_bytes(address: str) -> NDArray[np.uint8]:
    """A printable IPv4/IPv6 address as 4 or 16 network-order bytes."""
    return np.frombuffer(ipaddress.ip_address(address).packed, dtype=np.uint8).copy()


def put_u16(hdr: NDArray[np.uint8], col: int, value: NDArray[np.integer] | int) -> None:
    """Write big-endian 16-bit values into columns ``col, col+1`` of every row."""
    v = np.asarray(value, dtype=np.int64)
    hdr[:, col] = (v >> 8) & 0xFF
    hdr[:, col + 1] = v & 0xFF


def put_u32(hdr: NDArray[np.uint8], col: int, value: NDArray[np.integer] | int) -> None:
    """Write big-endian 32-bit values into columns ``col..col+3`` of every row."""
    v = np.asarray(value, dtype=np.int64)
    for i in range(4):
        hdr[:, col + i] = (v >> (24 - 8 * i)) & 0xFF


def word_sum(block: NDArray[np.uint8]) -> NDArray[np.uint64]:
    """Per-row sum of big-endian 16-bit words of a (k, L) block (odd L zero padded).

    Works through the rows in slices so the widened copy stays small.
    """
    k, width = block.shape
    out = np.zeros(k, dtype=np.uint64)
    step = max(1, (1 << 22) // max(width, 1))
    for lo in range(0, k, step):
        b = block[lo : lo + step].astype(np.uint32)
        s = (b[:, 0 : width - 1 : 2] << 8 | b[:, 1::2]).sum(axis=1, dtype=np.uint64)
        if width % 2:
            s += b[:, -1].astype(np.uint64) << np.uint64(8)
        out[lo : lo + step] = s
    return out


def fold_checksum(total: NDArray[np.uint64]) -> NDArray[np.uint16]:
    """One's-complement of the folded 16-bit sum (RFC 1071)."""
    s = total.astype(np.uint64)
    for _ in range(3):
        s = (s & np.uint64(0xFFFF)) + (s >> np.uint64(16))
    return (~s.astype(np.uint16)).astype(np.uint16)


def payload_word_sums(payload: Ragged) -> NDArray[np.uint64]:
    """Per-row 16-bit word sums of the payloads, one length group at a time."""
    sums = np.zeros(len(payload), dtype=np.uint64)
    for width in np.unique(payload.length):
        idx = np.flatnonzero(payload.length == width)
        if width:
            sums[idx] = word_sum(payload.gather(idx, int(width)))
    return sums


def _mac_rows(ip: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """Locally administered MAC 02:00:a.b.c.d from the last 4 address bytes, (n, 6)."""
    mac = np.zeros((len(ip), 6), dtype=np.uint8)
    mac[:, 0] = 0x02
    mac[:, 2:] = ip[:, -4:]
    return mac


def _ipv4(hdr: NDArray[np.uint8], col: int, total: NDArray[np.int64], tos: NDArray[np.uint8],
          ident: NDArray[np.int64], src: NDArray[np.uint8], dst: NDArray[np.uint8]) -> None:
    """IPv4 header without options, DF set, TTL 64, UDP, correct header checksum."""
    hdr[:, col] = 0x45
    hdr[:, col + 1] = tos
    put_u16(hdr, col + 2, total)
    put_u16(hdr, col + 4, ident & 0xFFFF)
    put_u16(hdr, col + 6, 0x4000)
    hdr[:, col + 8] = 64
    hdr[:, col + 9] = 17
    hdr[:, col + 12 : col + 16] = src
    hdr[:, col + 16 : col + 20] = dst
    put_u16(hdr, col + 10, fold_checksum(word_sum(hdr[:, col : col + IPV4_LEN])))


def _ipv6(hdr: NDArray[np.uint8], col: int, payload_len: NDArray[np.int64],
          tos: NDArray[np.uint8], src: NDArray[np.uint8], dst: NDArray[np.uint8]) -> None:
    """IPv6 fixed header, traffic class = tos, flow label 0, hop limit 64, next UDP."""
    hdr[:, col] = 0x60 | (tos >> 4)
    hdr[:, col + 1] = (tos & 0x0F) << 4
    put_u16(hdr, col + 4, payload_len)
    hdr[:, col + 6] = 17
    hdr[:, col + 7] = 64
    hdr[:, col + 8 : col + 24] = src
    hdr[:, col + 24 : col + 40] = dst


def encode_headers(frames: UdpFrames, link: Link, first_ip_id: int = 0) -> NDArray[np.uint8]:
    """All headers in front of each UDP payload, shape (n, link.header_length(v)).

    IPv4 UDP checksums are 0 (allowed by RFC 768); IPv6 UDP checksums are computed
    over the pseudo-header (RFC 8200 §8.1), since IPv6 requires them.
    """
    n, version = len(frames), frames.ip_version
    width = link.header_length(version)
    hdr = np.zeros((n, width), dtype=np.uint8)
    plen = frames.payload.length
    inner_ip_len = (IPV6_LEN if version == 6 else IPV4_LEN) + UDP_LEN + plen
    ident = first_ip_id + np.arange(n, dtype=np.int64)
    if link.gtpu:
        outer = np.stack([ip_bytes(a) for a in link.gtpu_outer])
        l3_src, l3_dst = np.broadcast_to(outer[0], (n, 4)), np.broadcast_to(outer[1], (n, 4))
    else:
        l3_src, l3_dst = frames.src, frames.dst
    hdr[:, 0:6] = _mac_rows(l3_dst)
    hdr[:, 6:12] = _mac_rows(l3_src)
    col = 12
    if link.vlan_id is not None:
        put_u16(hdr, col, 0x8100)
        put_u16(hdr, col + 2, (5 << 13) | (link.vlan_id & 0x0FFF))  # PCP 5: voice
        col += VLAN_LEN
    put_u16(hdr, col, 0x86DD if version == 6 and not link.gtpu else 0x0800)
    col += 2
    if link.gtpu:
        gtp_len = inner_ip_len
        _ipv4(hdr, col, IPV4_LEN + UDP_LEN + GTPU_LEN + gtp_len, frames.tos, ident, l3_src, l3_dst)
        col += IPV4_LEN
        put_u16(hdr, col, GTPU_PORT)
        put_u16(hdr, col + 2, GTPU_PORT)
        put_u16(hdr, col + 4, UDP_LEN + GTPU_LEN + gtp_len)
        col += UDP_LEN
        hdr[:, col] = 0x30  # version 1, protocol type GTP, no optional fields
        hdr[:, col + 1] = 0xFF  # G-PDU
        put_u16(hdr, col + 2, gtp_len)
        put_u32(hdr, col + 4, frames.teid)
        col += GTPU_LEN
    if version == 6:
        _ipv6(hdr, col, UDP_LEN + plen, frames.tos, frames.src, frames.dst)
        col += IPV6_LEN
    else:
        _ipv4(hdr, col, inner_ip_len, frames.tos, ident, frames.src, frames.dst)
        col += IPV4_LEN
    put_u16(hdr, col, frames.sport)
    put_u16(hdr, col + 2, frames.dport)
    put_u16(hdr, col + 4, UDP_LEN + plen)
    if version == 6:
        pseudo = word_sum(hdr[:, col - 32 : col]) + (UDP_LEN + plen).astype(np.uint64) + 17
        total = pseudo + word_sum(hdr[:, col : col + UDP_LEN]) + payload_word_sums(frames.payload)
        csum = fold_checksum(total)
        put_u16(hdr, col + 6, np.where(csum == 0, 0xFFFF, csum))
    return hdr
