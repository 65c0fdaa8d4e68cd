"""Which packets of a stream are audio, comfort noise or events, and as which codec.

The codec comes from SDP (or the RFC 3551 static table); a technician can override it
("Decode as", as in Wireshark) for streams found without signalling, whose codec is
"unknown". Missing details are completed: the RTP clock from the codec's RFC, and the
AMR/AMR-WB packing (RFC 4867) detected from the payloads when no ``fmtp`` says it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from callscope.core.errors import CallScopeError
from callscope.core.media.amr import parse_bandwidth_efficient, parse_octet_aligned
from callscope.core.media.decoders import CLOCK_BY_NAME
from callscope.core.model import Codec
from callscope.core.rtp.payload_types import is_comfort_noise, is_telephone_event

PACKING_SAMPLE = 200  # payloads examined to detect the AMR packing


@dataclass(frozen=True)
class DecodingPlan:
    """The codec to decode with and boolean masks of shape (packets,)."""

    codec: Codec
    audio: NDArray[np.bool_]
    comfort_noise: NDArray[np.bool_]
    events: NDArray[np.bool_]


def with_clock(codec: Codec) -> Codec:
    """``codec`` with its RFC clock rate when the rate is unknown (0)."""
    if codec.clock_rate > 0:
        return codec
    return replace(codec, clock_rate=CLOCK_BY_NAME.get(codec.name.lower(), 0))


def detect_amr_octet_aligned(payloads: Sequence[bytes], wideband: bool) -> bool:
    """True when more payloads parse exactly as octet-aligned than as bandwidth-efficient.

    A payload's table of contents must account for its length exactly; ties (which
    need contrived payloads) go to bandwidth-efficient, RFC 4867's default.
    """
    votes = 0
    for payload in payloads[:PACKING_SAMPLE]:
        for parse, vote in ((parse_octet_aligned, 1), (parse_bandwidth_efficient, -1)):
            try:
                parse(payload, wideband)
                votes += vote
            except ValueError:
                pass
    return votes > 0


def with_packing(codec: Codec, payloads: Sequence[bytes]) -> Codec:
    """AMR/AMR-WB: ``octet-align=`` from the payloads unless an SDP ``fmtp`` gave it."""
    name = codec.name.lower()
    if name not in ("amr", "amr-wb") or codec.fmtp:
        return codec  # an fmtp without octet-align means bandwidth-efficient (RFC 4867)
    octet = detect_amr_octet_aligned(payloads, wideband=name == "amr-wb")
    return replace(codec, fmtp=f"octet-align={int(octet)}")


def plan_decoding(
    payload_type: NDArray[np.uint8],
    codecs: dict[int, Codec],
    payloads: Sequence[bytes],
    override: Codec | None = None,
) -> DecodingPlan:
    """Audio = the most frequent payload type that is neither CN nor an event.

    ``override`` decodes that payload type as the given codec (clock completed).
    """
    pts = [int(pt) for pt in np.unique(payload_type)]
    cn_pts = [pt for pt in pts if is_comfort_noise(pt, codecs.get(pt))]
    event_pts = [pt for pt in pts if is_telephone_event(codecs.get(pt))]
    candidates = [pt for pt in pts if pt not in cn_pts and pt not in event_pts]
    if not candidates:
        raise CallScopeError("this stream carries no audio payload")
    counts = {pt: int(np.count_nonzero(payload_type == pt)) for pt in candidates}
    main = max(candidates, key=lambda pt: (override is not None or pt in codecs, counts[pt]))
    codec = override or codecs.get(main) or Codec("unknown", 0)
    codec = with_clock(codec)
    audio = payload_type == main
    codec = with_packing(codec, [p for p, a in zip(payloads, audio, strict=True) if a])
    return DecodingPlan(
        codec, audio, np.isin(payload_type, cn_pts), np.isin(payload_type, event_pts),
    )
