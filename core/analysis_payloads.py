"""The UDP payloads an analysis reads after decoding; of a streamed capture the rest can go.

SIP messages (``sip.find``), RTCP compounds (``rtp.rtcp_link``), RTP padding (its count
is the payload's last byte) and header extensions after CSRCs, whose length lies past the
first HEAD_BYTES bytes (``rtp.header``). Everything else is judged from those bytes alone
(``PacketTable.head``), so a gzip capture streamed through memory loses nothing the
metrics need (tests/core/test_analysis.py compares every capture both ways).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from callscope.core.sip.find import starts_like_sip

_RTCP_TYPES = (192, 223)  # second byte of RTCP packets (RFC 3550, 3611, 4585, 5760)


def analysis_payloads(head: NDArray[np.uint8], caplen: NDArray[np.int32]) -> NDArray[np.bool_]:
    """Keep mask, shape (n,), for payloads whose first bytes are ``head`` (n, HEAD_BYTES).

    ``caplen`` (captured bytes, shape (n,)) is part of the PayloadFilter signature; the
    rules need the first bytes only.
    """
    b0, b1 = head[:, 0], head[:, 1]
    rtp_v2 = (b0 >> 6) == 2
    padding = (b0 & 0x20) != 0  # read for version 2 only
    rtcp = (b1 >= _RTCP_TYPES[0]) & (b1 <= _RTCP_TYPES[1])
    # an extension after CSRCs: its length lies past head (read whatever the version)
    extension_after_csrcs = ((b0 & 0x10) != 0) & ((b0 & 0x0F) != 0)
    keep: NDArray[np.bool_] = (
        (rtp_v2 & (padding | rtcp)) | extension_after_csrcs | starts_like_sip(head)
    )
    return keep
