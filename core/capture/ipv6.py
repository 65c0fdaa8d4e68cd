"""IPv6 headers (RFC 8200), vectorized, walking the extension-header chain.

Hop-by-hop (0), routing (43), destination options (60) and AH (51, RFC 4302) are
skipped; a fragment header (44) sets the packet aside for reassembly unless it is an
atomic fragment (offset 0, M=0, RFC 6946); ESP (50) ends the walk: not decodable.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from callscope.core.capture.gather import be16, be32, slab
from callscope.core.capture.layers import Fragment, L4Rows, NetRows

HEADER = 40
IP_SLAB = 48
HOP_BY_HOP, ROUTING, FRAGMENT, AH, DEST_OPTIONS = 0, 43, 44, 51, 60
EXTENSIONS = (HOP_BY_HOP, ROUTING, FRAGMENT, AH, DEST_OPTIONS)
MAX_EXTENSIONS = 8  # more chained extension headers than this is treated as malformed


def extension_length(kind: int, length_byte: int) -> int:
    """Bytes taken by one extension header from its type and its length byte."""
    if kind == FRAGMENT:
        return 8
    if kind == AH:
        return (length_byte + 2) * 4
    return (length_byte + 1) * 8


def decode_ipv6(net: NetRows) -> tuple[L4Rows, list[Fragment], int]:
    """Transport rows of unfragmented packets, the fragments, and the malformed count.

    A payload length of 0 (jumbogram or segmentation offload) means "up to the
    captured end".
    """
    data = net.buf.data
    s = slab(data, net.off, IP_SLAB)
    n = len(net)
    payload_len = be16(s, 4)
    ip_end = np.where(payload_len == 0, net.end, net.off + HEADER + payload_len)
    valid = (s[:, 0] >> 4 == 6) & (net.off + HEADER <= net.end)
    proto = s[:, 6].astype(np.int64)
    cur = net.off + HEADER
    frag_word = np.zeros(n, np.int64)  # offset/flags word of a fragment header, if any
    frag_id = np.zeros(n, np.int64)
    is_frag = np.zeros(n, np.bool_)
    walking = np.flatnonzero(valid & _is_extension(proto))
    for _ in range(MAX_EXTENSIONS):
        if walking.shape[0] == 0:
            break
        w = walking
        e = slab(data, cur[w], 8)
        kind = proto[w]
        fits = cur[w] + 8 <= net.end[w]
        length = np.where(
            kind == AH, (e[:, 1].astype(np.int64) + 2) * 4, (e[:, 1].astype(np.int64) + 1) * 8
        )
        length[kind == FRAGMENT] = 8
        word = be16(e, 2)
        real_frag = (kind == FRAGMENT) & (word & 0xFFF9 != 0)  # offset or M set
        frag_word[w] = np.where(real_frag, word, frag_word[w])
        frag_id[w] = np.where(real_frag, be32(e, 4), frag_id[w])
        is_frag[w] |= real_frag & fits
        valid[w[~fits]] = False
        proto[w] = e[:, 0]
        cur[w] += length
        walking = w[fits & ~real_frag & _is_extension(proto[w])]
    else:
        valid[walking] = False
    valid &= cur <= np.minimum(ip_end, net.end)
    malformed = int(np.count_nonzero(~valid))
    l4_end = np.minimum(ip_end, net.end)
    wire_len = ip_end - cur
    src = np.ascontiguousarray(s[:, 8:24])
    dst = np.ascontiguousarray(s[:, 24:40])
    proto8 = proto.astype(np.uint8)

    fragments: list[Fragment] = []
    for i in np.flatnonzero(valid & is_frag).tolist():
        a, b = int(cur[i]), int(l4_end[i])
        flags = int(frag_word[i])
        fragments.append(
            Fragment(
                key=(
                    6,
                    src[i].tobytes(),
                    dst[i].tobytes(),
                    int(frag_id[i]),
                    int(proto8[i]),
                    int(net.teid[i]),
                    bool(net.tunnelled[i]),
                ),
                idx=int(net.idx[i]),
                offset=flags & 0xFFF8,
                more=bool(flags & 1),
                payload=data[a:b].tobytes(),
                complete=b - a == int(wire_len[i]),
            )
        )
    keep = valid & ~is_frag
    rows = L4Rows(
        net.buf, 6, net.idx, proto8, src, dst, cur, l4_end, wire_len, net.teid, net.tunnelled
    )
    return (rows if bool(keep.all()) else rows.take(keep)), fragments, malformed


def _is_extension(proto: NDArray[np.int64]) -> NDArray[np.bool_]:
    out: NDArray[np.bool_] = (proto == HOP_BY_HOP) | (proto == ROUTING) | (proto == FRAGMENT)
    out |= (proto == AH) | (proto == DEST_OPTIONS)
    return out
