"""The UDP payloads an analysis reads after decoding; of a streamed capture the rest can go.

Each rule is the reader's own test, applied to the first HEAD_BYTES bytes: SIP messages
(``sip.find.starts_like_sip``), RTCP compounds (``rtp.classify.rtcp_packet_type``, parsed
by ``rtp.rtcp_link``) and the RTP rows whose padding count or extension length lies past
those bytes (``rtp.header.reads_payload``). So a gzip capture streamed through memory loses
nothing the metrics need (tests/core/test_analysis.py compares every capture both ways).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from callscope.core.rtp.classify import rtcp_packet_type
from callscope.core.rtp.header import parse_head, reads_payload
from callscope.core.sip.find import starts_like_sip


def analysis_payloads(head: NDArray[np.uint8], caplen: NDArray[np.int32]) -> NDArray[np.bool_]:
    """Keep mask, shape (n,), for payloads whose first bytes are ``head`` (n, HEAD_BYTES).

    ``caplen`` (captured bytes, shape (n,)) is part of the PayloadFilter signature; the
    rules need the first bytes only.
    """
    header = parse_head(head)
    keep: NDArray[np.bool_] = (
        reads_payload(header) | rtcp_packet_type(header) | starts_like_sip(head)
    )
    return keep
