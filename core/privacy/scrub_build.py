"""Turn the scrubbing decisions into byte edits: TCP streams, reassembled datagrams, checksums.

Edits are (absolute offset, bytes) patches over the copy of the capture; datagrams that
exist only after IP reassembly are rebuilt whole (headers kept, payload scrubbed,
checksum redone) and scattered back onto the fragments they came from.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from callscope.core.capture.capture import TcpStream
from callscope.core.capture.gtpu import GTPU_PORT
from callscope.core.privacy.scrub_checksum import write_checksums
from callscope.core.privacy.scrub_locate import (
    GTP_KEPT,
    ICMP,
    ICMPV6,
    TCP,
    UDP,
    L4Headers,
    LocatingDecoder,
    Location,
)
from callscope.core.privacy.scrub_sip import SipScrubber
from callscope.core.privacy.scrub_tcp import reassemble, scrub_stream
from callscope.core.rtp.sdp_match import Endpoint


@dataclass
class Edits:
    """Patches over the file copy, and writes into reassembled datagrams (by id)."""

    patches: list[tuple[int, bytes]] = field(default_factory=list)
    datagram_writes: dict[int, list[tuple[int, bytes]]] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)

    def write(self, where: Location, data: bytes) -> None:
        """Schedule ``data`` at ``where`` (file or reassembled datagram)."""
        if where.datagram < 0:
            self.patches.append((where.offset, data))
        else:
            self.datagram_writes.setdefault(where.datagram, []).append((where.offset, data))


class SourceBytes:
    """Reads original bytes at a :class:`Location`."""

    def __init__(self, data: NDArray[np.uint8], decoder: LocatingDecoder) -> None:
        self._data = data
        self._datagrams = decoder.datagrams

    def __call__(self, where: Location, size: int) -> bytes:
        if where.datagram < 0:
            return self._data[where.offset : where.offset + size].tobytes()
        return self._datagrams[where.datagram].data[where.offset : where.offset + size]


def plan_tcp(
    decoder: LocatingDecoder,
    streams: list[TcpStream],
    endpoints: list[Endpoint],
    sip: SipScrubber,
    read: SourceBytes,
    edits: Edits,
) -> None:
    """Scrub every TCP direction and schedule its bytes onto each of its segments."""
    addresses = decoder.interner.addresses
    by_key = {(s.src, s.sport, s.dst, s.dport, s.teid, s.tunnelled): s for s in streams}
    for key, segments in decoder.segments.items():
        direction = reassemble(segments, read)
        a, sport, b, dport, teid, tunnelled = key
        stream = by_key.get((addresses[a], sport, addresses[b], dport, teid, tunnelled))
        if stream is None or stream.data != direction.data:
            scrubbed = bytes(len(direction.data))
            if direction.data:
                edits.warnings.append(f"TCP {sport}→{dport}: stream not matched; zeroed")
            kind = "other"
        else:
            scrubbed, kind, warnings = scrub_stream(stream, endpoints, sip)
            edits.warnings.extend(warnings)
        edits.counts[f"tcp_{kind}"] += 1
        for seg, rel in direction.segments:
            for in_seg, in_stream, size in direction.placements(rel, seg.size):
                where = Location(seg.where.datagram, seg.where.offset + in_seg)
                edits.write(where, scrubbed[in_stream : in_stream + size])


def _header_size(data: bytes, rel: int, proto: int) -> int:
    if proto in (UDP, ICMP, ICMPV6):
        if proto == UDP and rel + 4 <= len(data):
            ports = {int.from_bytes(data[rel : rel + 2], "big"),
                     int.from_bytes(data[rel + 2 : rel + 4], "big")}
            if GTPU_PORT in ports:
                return 8 + GTP_KEPT
        return 8
    if proto == TCP and rel + 13 <= len(data):
        return max(20, (data[rel + 12] >> 4) * 4)
    return 0


def finish_datagrams(
    decoder: LocatingDecoder, payloads: dict[tuple[int, int], bytes], edits: Edits
) -> None:
    """Rebuild each reassembled datagram scrubbed and patch its fragments with it."""
    for ident, record in enumerate(decoder.datagrams):
        data = record.data
        final = bytearray(len(data))
        head = 0
        for rel, proto in record.transports:
            head = max(head, min(len(data), rel + _header_size(data, rel, proto)))
        final[:head] = data[:head]
        for (owner, at), payload in payloads.items():
            if owner == ident:
                final[at : at + len(payload)] = payload
        for at, chunk in edits.datagram_writes.get(ident, []):
            final[at : at + len(chunk)] = chunk
        if record.transports:
            _datagram_checksum(final, record.version, record.src, record.dst,
                               *min(record.transports))
        for offset, position, size in record.pieces:
            if position >= 0:
                edits.patches.append((position, bytes(final[offset : offset + size])))
        edits.counts["reassembled"] += 1


def _datagram_checksum(
    final: bytearray, version: int, src: bytes, dst: bytes, rel: int, proto: int
) -> None:
    """Checksum of the outermost transport header of a rebuilt datagram."""
    view = np.frombuffer(final, np.uint8)
    size = len(final) - rel
    if proto == UDP and size >= 8:
        if version == 4:
            final[rel + 6 : rel + 8] = b"\0\0"
            return
        field_at, length = 6, int.from_bytes(final[rel + 4 : rel + 6], "big") or size
    elif proto == TCP and size >= 20:
        field_at, length = 16, size
    else:
        return
    if length > size:
        return
    width = 4 if version == 4 else 16
    write_checksums(view, np.array([rel]), np.array([length]),
                    np.frombuffer(src, np.uint8).reshape(1, width),
                    np.frombuffer(dst, np.uint8).reshape(1, width), proto, field_at)


def fix_checksums(out: NDArray[np.uint8], udp: list[L4Headers], tcp: list[L4Headers]) -> None:
    """UDP/IPv4 checksums set to 0; UDP/IPv6 and TCP checksums recomputed (full captures)."""
    for h in udp:
        full = h.off + 8 <= h.end
        if h.version == 4:
            at = h.off[full]
            out[at + 6] = 0
            out[at + 7] = 0
            continue
        ulen = np.zeros(h.off.shape[0], np.int64)
        ulen[full] = out[h.off[full] + 4].astype(np.int64) * 256 + out[h.off[full] + 5]
        ulen = np.where(ulen == 0, h.wire_len, ulen)
        ok = full & (ulen >= 8) & (h.off + ulen <= h.end)
        write_checksums(out, h.off[ok], ulen[ok], h.src[ok], h.dst[ok], UDP, 6)
    for h in tcp:
        ok = (h.wire_len >= 20) & (h.off + h.wire_len <= h.end)
        write_checksums(out, h.off[ok], h.wire_len[ok], h.src[ok], h.dst[ok], TCP, 16)
