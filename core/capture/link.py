"""Link layers: where each frame's IP header starts, vectorized per link type.

Handles Ethernet (with up to two 802.1Q/802.1ad tags and PPPoE sessions), Linux
cooked capture v1/v2, raw IP, BSD NULL/LOOP and PPP. Numbers are the LINKTYPE_*
values of https://www.tcpdump.org/linktypes.html.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from callscope.core.capture.gather import I64, U8, be16, slab
from callscope.core.capture.layers import Buffer, NetRows
from callscope.core.capture.records import RecordIndex

LINK_NAMES: dict[int, str] = {
    0: "null",
    1: "ethernet",
    9: "ppp",
    12: "raw-ip",
    14: "raw-ip",
    50: "ppp-hdlc",
    51: "pppoe",
    101: "raw-ip",
    108: "loop",
    113: "linux-sll",
    228: "raw-ip",
    229: "raw-ip",
    276: "linux-sll2",
}
"""Names of the supported link types, as reported in CaptureInfo.link_types."""

PPPOE_SESSION = 0x8864
AF_VERSION = {2: 4, 24: 6, 28: 6, 30: 6}  # AF_INET; AF_INET6 on NetBSD/OpenBSD, FreeBSD, macOS
LINK_SLAB = 48  # bytes read per frame: SLL2 + two tags + PPPoE (48 also gathers fastest)


def link_name(linktype: int) -> str:
    """Printable name of a link type, ``linktype-N`` when unsupported."""
    return LINK_NAMES.get(linktype, f"linktype-{linktype}")


@dataclass
class LinkResult:
    """Frames of one chunk that carry IP, plus what was skipped and why."""

    net: NetRows
    unsupported: dict[int, int] = field(default_factory=dict)  # link type → frames
    malformed: int = 0  # frames too short for their link header


# A locator takes (slab, caplen) of one link type's frames and returns
# (ip offset relative to the frame start, IP version: 4/6, 0 = by nibble, -1 = not IP).
Locator = Callable[[U8, I64], tuple[I64, NDArray[np.int8]]]


def locate_network(ri: RecordIndex) -> LinkResult:
    """Find the IP header of every frame in ``ri``; frames without IP are left out."""
    buf = Buffer(ri.data, ri.file_offset, ri.transient)
    n = len(ri)
    result = LinkResult(net=_empty_net(buf))
    if n == 0:
        return result
    linktype = ri.linktype
    first = int(linktype[0])
    if bool(np.all(linktype == first)):
        groups: list[tuple[int, I64 | None]] = [(first, None)]
    else:
        groups = [(int(t), np.flatnonzero(linktype == t)) for t in np.unique(linktype)]
    parts: list[NetRows] = []
    for lt, rows in groups:
        locator = LOCATORS.get(lt)
        count = n if rows is None else int(rows.shape[0])
        if locator is None:
            result.unsupported[lt] = count
            continue
        idx = np.arange(n, dtype=np.int64) if rows is None else rows
        offs = ri.offset if rows is None else ri.offset[rows]
        caplen = ri.caplen.astype(np.int64) if rows is None else ri.caplen[rows].astype(np.int64)
        rel, version = locator(slab(ri.data, offs, LINK_SLAB), caplen)
        cut = rel > caplen  # the link header itself was not captured whole
        keep = (version >= 0) & ~cut
        result.malformed += int(np.count_nonzero(cut))
        if not bool(keep.all()):
            idx, offs, caplen, rel, version = (
                idx[keep], offs[keep], caplen[keep], rel[keep], version[keep]
            )
        m = int(idx.shape[0])
        parts.append(
            NetRows(
                buf,
                idx,
                offs + rel,
                offs + caplen,
                version.astype(np.uint8),
                np.zeros(m, np.uint32),
                np.zeros(m, np.bool_),
            )
        )
    if parts:
        result.net = parts[0] if len(parts) == 1 else _concat_net(buf, parts)
    return result


def _ethertype_chain(s: U8, type_col: int, payload_col: int) -> tuple[I64, NDArray[np.int8]]:
    """Follow an EtherType through VLAN tags and PPPoE; returns (IP offset, version)."""
    n = s.shape[0]
    etype = be16(s, type_col)
    pos = np.full(n, payload_col, np.int64)
    candidates = np.flatnonzero(_is_vlan(etype))
    for depth in range(2):  # one tag (802.1Q) or two (QinQ)
        if depth:
            candidates = candidates[_is_vlan(etype[candidates])]
        if candidates.shape[0] == 0:
            break
        cur = payload_col + 4 * depth
        etype[candidates] = be16(s[candidates], cur + 2)
        pos[candidates] = cur + 4
    pppoe = np.flatnonzero(etype == PPPOE_SESSION)
    if pppoe.shape[0]:
        for p in np.unique(pos[pppoe]):
            rows = pppoe[pos[pppoe] == p]
            proto = be16(s[rows], int(p) + 6)
            etype[rows] = np.select(
                [proto == 0x0021, proto == 0x0057], [0x0800, 0x86DD], default=0
            )
            pos[rows] = int(p) + 8
    version = np.select(
        [etype == 0x0800, etype == 0x86DD], [np.int8(4), np.int8(6)], default=np.int8(-1)
    ).astype(np.int8)
    return pos, version


def _is_vlan(etype: I64) -> NDArray[np.bool_]:
    """802.1Q, 802.1ad and the pre-standard QinQ 0x9100 tag types."""
    tagged: NDArray[np.bool_] = (etype == 0x8100) | (etype == 0x88A8) | (etype == 0x9100)
    return tagged


def _ethernet(s: U8, caplen: I64) -> tuple[I64, NDArray[np.int8]]:
    return _ethertype_chain(s, 12, 14)


def _sll(s: U8, caplen: I64) -> tuple[I64, NDArray[np.int8]]:
    return _ethertype_chain(s, 14, 16)


def _sll2(s: U8, caplen: I64) -> tuple[I64, NDArray[np.int8]]:
    return _ethertype_chain(s, 0, 20)


def _raw(version: int) -> Locator:
    def locate(s: U8, caplen: I64) -> tuple[I64, NDArray[np.int8]]:
        n = s.shape[0]
        return np.zeros(n, np.int64), np.full(n, version, np.int8)

    return locate


def _null(s: U8, caplen: I64) -> tuple[I64, NDArray[np.int8]]:
    """BSD loopback: a 4-byte address family in host (NULL) or network (LOOP) order."""
    b = s[:, :4].astype(np.int64)
    little = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16) | (b[:, 3] << 24)
    big = b[:, 3] | (b[:, 2] << 8) | (b[:, 1] << 16) | (b[:, 0] << 24)
    family = np.minimum(little, big)  # the right order gives a small number
    version = np.full(s.shape[0], -1, np.int8)
    for af, v in AF_VERSION.items():
        version[family == af] = v
    return np.full(s.shape[0], 4, np.int64), version


def _ppp(s: U8, caplen: I64) -> tuple[I64, NDArray[np.int8]]:
    """PPP in HDLC-like framing: optional FF 03, then a 1- or 2-byte protocol (RFC 1661)."""
    has_ac = (s[:, 0] == 0xFF) & (s[:, 1] == 0x03)
    p = np.where(has_ac, 2, 0).astype(np.int64)
    first = np.where(has_ac, s[:, 2], s[:, 0]).astype(np.int64)
    second = np.where(has_ac, s[:, 3], s[:, 1]).astype(np.int64)
    short = (first & 1) == 1  # protocol-field compression: one odd byte
    proto = np.where(short, first, (first << 8) | second)
    return p + np.where(short, 1, 2), _ppp_version(proto)


def _ppp_ether(s: U8, caplen: I64) -> tuple[I64, NDArray[np.int8]]:
    """PPPoE session header (6 bytes, RFC 2516) then the PPP protocol."""
    return np.full(s.shape[0], 8, np.int64), _ppp_version(be16(s, 6))


def _ppp_version(proto: I64) -> NDArray[np.int8]:
    out: NDArray[np.int8] = np.select(
        [proto == 0x0021, proto == 0x0057], [np.int8(4), np.int8(6)], default=np.int8(-1)
    ).astype(np.int8)
    return out


LOCATORS: dict[int, Locator] = {
    0: _null,
    1: _ethernet,
    9: _ppp,
    12: _raw(0),
    14: _raw(0),
    50: _ppp,
    51: _ppp_ether,
    101: _raw(0),
    108: _null,
    113: _sll,
    228: _raw(4),
    229: _raw(6),
    276: _sll2,
}


def _empty_net(buf: Buffer) -> NetRows:
    z = np.zeros(0, np.int64)
    return NetRows(
        buf, z, z.copy(), z.copy(), np.zeros(0, np.uint8), np.zeros(0, np.uint32),
        np.zeros(0, np.bool_),
    )


def _concat_net(buf: Buffer, parts: list[NetRows]) -> NetRows:
    """Merge per-link-type parts back into frame order."""
    idx = np.concatenate([p.idx for p in parts])
    order = np.argsort(idx, kind="stable")
    return NetRows(
        buf,
        idx[order],
        np.concatenate([p.off for p in parts])[order],
        np.concatenate([p.end for p in parts])[order],
        np.concatenate([p.version for p in parts])[order],
        np.concatenate([p.teid for p in parts])[order],
        np.concatenate([p.tunnelled for p in parts])[order],
    )
