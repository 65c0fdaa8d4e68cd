"""GTP-U (3GPP TS 29.281): find the inner IP packet of every G-PDU, vectorized.

Header: flags (version 1, PT=1, E/S/PN), message type (0xFF = G-PDU), length (bytes
after the first 8), TEID; if any of E/S/PN is set, 4 more bytes (sequence, N-PDU,
next extension type). Extension headers (e.g. 0x85, PDU session container) give
their length in 4-byte units and end with the next extension type.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from callscope.core.capture.gather import I64, be16, be32, slab
from callscope.core.capture.layers import Buffer, NetRows

GTPU_PORT = 2152
G_PDU = 0xFF
MAX_EXTENSIONS = 8
GTP_SLAB = 48  # only 12-16 bytes are needed, but 48-byte gathers run faster


def decode_gtpu(
    buf: Buffer, idx: I64, off: I64, end: I64
) -> tuple[NDArray[np.bool_], NetRows, int]:
    """Decode GTP-U headers at ``off`` (UDP payloads on port 2152, captured up to ``end``).

    Returns (is_gtp: rows that are GTPv1-U messages, never emitted as UDP rows; the
    inner IP packets of well-formed G-PDUs as NetRows; the malformed G-PDU count).
    """
    data = buf.data
    s = slab(data, off, GTP_SLAB)
    flags = s[:, 0]
    is_gtp = ((flags >> 4) == 0b0011) & (off + 8 <= end)  # version 1, PT 1
    gpdu = is_gtp & (s[:, 1] == G_PDU)
    optional = (flags & 0x07) != 0
    gtp_end = np.minimum(off + 8 + be16(s, 2), end)
    cur = off + np.where(optional, 12, 8)
    ok = gpdu & (cur <= gtp_end)
    next_type = np.where(optional & ((flags & 0x04) != 0), s[:, 11], 0).astype(np.int64)
    walking = np.flatnonzero(ok & (next_type != 0))
    for _ in range(MAX_EXTENSIONS):
        if walking.shape[0] == 0:
            break
        w = walking
        length = data[np.minimum(cur[w], data.shape[0] - 1)].astype(np.int64) * 4
        after = cur[w] + length
        fits = (cur[w] < gtp_end[w]) & (length > 0) & (after <= gtp_end[w])
        ok[w[~fits]] = False
        w, after = w[fits], after[fits]
        next_type[w] = data[after - 1]
        cur[w] = after
        walking = w[next_type[w] != 0]
    else:
        ok[walking] = False
    malformed = int(np.count_nonzero(gpdu & ~ok))
    sel = np.flatnonzero(ok)
    n = int(sel.shape[0])
    inner = NetRows(
        buf,
        idx[sel],
        cur[sel],
        gtp_end[sel],
        np.zeros(n, np.uint8),
        be32(s[sel], 4).astype(np.uint32),
        np.ones(n, np.bool_),
    )
    return is_gtp, inner, malformed
