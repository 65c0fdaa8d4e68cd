"""Which rows belong to an SDP-announced RTP endpoint, and with which payload-type map.

Wireshark semantics (``packet-sdp.c`` apply_sdp_transport, ``packet-rtp.c``
srtp_add_address, ``epan/conversation.c``): every ``m=`` line with an RTP profile,
a non-zero port and an IP connection address opens a conversation on
(address, port) with wildcard peer, from the SDP's frame on (a T.38 ``udptl``
line hands the endpoint to T.38 instead: ``Endpoint.rtp`` False). A datagram sent FROM
or TO that address and port in a later frame is RTP. When the same endpoint is
announced again, the latest announcement before the datagram applies; when both
the source and the destination are announced, the destination's wins (checked
against tshark 4.0's ``rtp.setup-frame`` on the corpus, e.g. the T.38 re-INVITE of
the fax capture). Lookups run on integer keys with ``np.searchsorted``.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from callscope.core.capture.table import PacketTable, Transport
from callscope.core.model import Call, Codec, MediaDescription
from callscope.core.rtp.payload_types import DEFAULT_CLOCK_BY_NAME, static_codec

RTP_PROFILES = ("RTP/AVP", "RTP/AVPF", "RTP/SAVP", "RTP/SAVPF", "UDP/TLS/RTP/SAVP",
                "UDP/TLS/RTP/SAVPF", "TCP/RTP/AVP", "TCP/RTP/AVPF", "TCP/RTP/SAVP",
                "TCP/RTP/SAVPF", "TCP/TLS/RTP/SAVP", "TCP/TLS/RTP/SAVPF")
"""``m=`` protocols that carry RTP (RFC 4566, 4585, 3711, 5124, 5764, 4571)."""

OTHER_UDP_PROFILES = ("UDPTL", "UDPSPRT")
"""``m=`` protocols that hand a UDP endpoint to another protocol (T.38, V.150.1 SPRT)."""

_FRAME_BITS = 40


@dataclass(frozen=True)
class Endpoint:
    """An (address, port) announced in SDP, active from ``frame`` on."""

    address: str
    port: int
    frame: int
    over_tcp: bool
    call_id: str
    media: MediaDescription
    codecs: dict[int, Codec]  # payload type → codec, bundled m= lines merged
    rtp: bool = True  # False: announced for T.38/SPRT, no longer RTP from ``frame`` on


def canonical_address(address: str) -> str | None:
    """The compressed textual form of an IP address, or None if it is not one."""
    try:
        return ipaddress.ip_address(address.strip().strip("[]")).compressed
    except ValueError:
        return None


def sdp_endpoints(calls: list[Call]) -> list[Endpoint]:
    """Endpoints of every call's SDP, in the calls' order.

    ``m=`` lines of one SDP (same frame) sharing a port are one bundled endpoint
    whose payload-type map merges them all, as Wireshark does for BUNDLE; if one of
    them is T.38 (``udptl``) the endpoint is not RTP (Wireshark registers T.38 last).
    """
    endpoints: list[Endpoint] = []
    for call in calls:
        seen: dict[tuple[int, str, int], int] = {}
        for media in call.media:
            protocol = media.protocol.upper()
            is_rtp = protocol in RTP_PROFILES
            if not is_rtp and protocol not in OTHER_UDP_PROFILES:
                continue
            if not 0 < media.port <= 65535 or canonical_address(media.address) is None:
                continue
            key = (media.frame, media.address, media.port)
            if key in seen:
                first = endpoints[seen[key]]
                endpoints[seen[key]] = replace(
                    first, codecs={**media.codecs, **first.codecs}, rtp=first.rtp and is_rtp
                )
                continue
            seen[key] = len(endpoints)
            endpoints.append(
                Endpoint(media.address, media.port, media.frame, media.over_tcp,
                         call.call_id, media, dict(media.codecs) if is_rtp else {}, is_rtp)
            )
    return endpoints


def _endpoint_keys(
    table: PacketTable, endpoints: list[Endpoint]
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """(key, frame, endpoint index) of endpoints whose address occurs in ``table``."""
    index: dict[str, int] = {}
    for i, address in enumerate(table.addresses):
        canon = canonical_address(address)
        if canon is not None:
            index.setdefault(canon, i)
    keys: list[int] = []
    frames: list[int] = []
    ids: list[int] = []
    for i, endpoint in enumerate(endpoints):
        canon = canonical_address(endpoint.address)
        position = index.get(canon) if canon is not None else None
        if position is None:
            continue
        keys.append((position * 65536 + endpoint.port) * 2 + int(endpoint.over_tcp))
        frames.append(min(endpoint.frame, (1 << _FRAME_BITS) - 1))
        ids.append(i)
    return np.array(keys, np.int64), np.array(frames, np.int64), np.array(ids, np.int64)


def match_rows(table: PacketTable, endpoints: list[Endpoint]) -> NDArray[np.int64]:
    """Index into ``endpoints`` of the announcement each row falls under, -1 if none.

    Shape (n,). UDP endpoints match UDP rows (tunnelled or not); TCP endpoints
    (``TCP/RTP/AVP``) match RFC 4571 rows.
    """
    result = np.full(len(table), -1, np.int64)
    keys, frames, ids = _endpoint_keys(table, endpoints)
    if len(keys) == 0 or len(table) == 0:
        return result
    unique_keys, key_ids = np.unique(keys, return_inverse=True)
    packed = (key_ids.astype(np.int64) << _FRAME_BITS) | frames
    order = np.argsort(packed, kind="stable")
    packed, owner = packed[order], ids[order]

    is_tcp = np.isin(table.transport, (Transport.TCP, Transport.GTPU_TCP)).astype(np.int64)
    frame = np.clip(table.frame - 1, 0, (1 << _FRAME_BITS) - 1)

    def lookup(address: NDArray[np.int32], port: NDArray[np.uint16]) -> NDArray[np.int64]:
        row_key = (address.astype(np.int64) * 65536 + port) * 2 + is_tcp
        pos = np.searchsorted(unique_keys, row_key)
        pos = np.minimum(pos, len(unique_keys) - 1)
        hit = unique_keys[pos] == row_key
        query = (pos.astype(np.int64) << _FRAME_BITS) | frame
        at = np.searchsorted(packed, query, side="right") - 1
        valid = hit & (at >= 0)
        at = np.maximum(at, 0)
        valid &= (packed[at] >> _FRAME_BITS) == pos
        return np.where(valid, owner[at], -1)

    by_source = lookup(table.src, table.sport)
    by_destination = lookup(table.dst, table.dport)
    result[:] = np.where(by_destination >= 0, by_destination, by_source)
    return result


def codec_for(payload_type: int, codecs: dict[int, Codec]) -> Codec | None:
    """The codec of a payload type: SDP ``rtpmap`` first, then the RFC 3551 table.

    An ``rtpmap`` that merely restates a static type (``0 pcmu/8000``) yields the
    static entry, so names stay canonical. A clock rate missing from the ``rtpmap``
    is taken from DEFAULT_CLOCK_BY_NAME. (Wireshark consults the SDP map only for
    types 96..127; we also honour it below 96, e.g. SILK on 92.)
    """
    static = static_codec(payload_type)
    codec = codecs.get(payload_type)
    if codec is None or (static is not None and codec.name.lower() == static.name.lower()):
        return static
    if codec.clock_rate == 0:
        rate = DEFAULT_CLOCK_BY_NAME.get(codec.name.lower(), 0)
        if rate:
            return Codec(codec.name, rate, codec.channels, codec.fmtp)
    return codec
