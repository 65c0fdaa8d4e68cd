"""IPv4 headers (RFC 791), vectorized: options skipped via IHL, fragments set aside."""

from __future__ import annotations

import numpy as np

from callscope.core.capture.gather import be16, be32_u32, slab
from callscope.core.capture.layers import Fragment, L4Rows, NetRows

IP_SLAB = 48
MIN_HEADER = 20  # bytes of an IPv4 header without options
MF = 0x2000  # More Fragments flag in the flags/fragment-offset word
OFFSET_MASK = 0x1FFF  # fragment offset, in 8-byte units


def decode_ipv4(net: NetRows) -> tuple[L4Rows, list[Fragment], int]:
    """Transport rows of unfragmented packets, the fragments, and the malformed count.

    A total length of 0 (TCP segmentation offload on the capturing host) means "up to
    the captured end". The transport's wire length is total length − header length.
    """
    data = net.buf.data
    s = slab(data, net.off, IP_SLAB)
    ihl = (s[:, 0] & 0x0F).astype(np.int64) * 4
    total = be16(s, 2)
    captured = net.end - net.off
    total = np.where(total == 0, captured, total)
    valid = (s[:, 0] >> 4 == 4) & (ihl >= 20) & (ihl <= captured) & (total >= ihl)
    malformed = int(np.count_nonzero(~valid))
    flags = be16(s, 6)
    fragmented = ((flags & MF) != 0) | ((flags & OFFSET_MASK) != 0)
    l4_off = net.off + ihl
    l4_end = np.minimum(net.off + total, net.end)
    wire_len = total - ihl
    src, dst = be32_u32(s, 12), be32_u32(s, 16)
    proto = s[:, 9].copy()

    fragments: list[Fragment] = []
    frag_rows = np.flatnonzero(valid & fragmented)
    for i in frag_rows.tolist():
        a, b = int(l4_off[i]), int(l4_end[i])
        fragments.append(
            Fragment(
                key=(
                    4,
                    int(src[i]).to_bytes(4, "big"),
                    int(dst[i]).to_bytes(4, "big"),
                    int(be16(s[i : i + 1], 4)[0]),
                    int(proto[i]),
                    int(net.teid[i]),
                    bool(net.tunnelled[i]),
                ),
                idx=int(net.idx[i]),
                offset=int(flags[i] & OFFSET_MASK) * 8,
                more=bool(flags[i] & MF),
                payload=data[a:b].tobytes(),
                complete=b - a == int(wire_len[i]),
            )
        )
    keep = valid & ~fragmented
    # without options (the usual case) the slab already holds the transport header
    ahead = s[:, MIN_HEADER:] if bool(np.all(ihl == MIN_HEADER)) else None
    rows = L4Rows(
        net.buf, 4, net.idx, proto, src, dst, l4_off, l4_end, wire_len, net.teid, net.tunnelled,
        ahead,
    )
    return (rows if bool(keep.all()) else rows.take(keep)), fragments, malformed
