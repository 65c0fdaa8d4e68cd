"""Scrub TCP byte streams and map the result back onto the captured segments.

Each direction is reassembled as the analysis does (``capture/tcp.py``: sequence order
relative to the SYN, first copy wins, holes skipped) while remembering which stream
bytes each segment carries. The stream is then scrubbed as a whole, keeping its
length: SIP messages (split as the analysis splits them) are pseudonymised; RFC 4571
framed RTP keeps its length prefixes and RTP headers, RTCP is scrubbed, the rest of
every unit is zeroed; every other byte (TLS, HTTP, garbage between SIP messages) is
zeroed, line breaks excepted so that SIP start lines are still found at line starts.
Every copy of a byte (retransmissions too) gets the scrubbed value. Because lengths
never change, TCP sequence numbers stay valid; checksums are redone afterwards.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise

from callscope.core.capture.capture import TcpStream
from callscope.core.privacy.scrub_locate import Location, Segment
from callscope.core.privacy.scrub_media import scrub_rtp_unit
from callscope.core.privacy.scrub_sip import SipScrubber, sip_key
from callscope.core.rtp.sdp_match import Endpoint, canonical_address
from callscope.core.rtp.tcp_framing import looks_framed, split_units
from callscope.core.sip.message import split_sip_stream

MASK32 = 0xFFFFFFFF
Reader = Callable[[Location, int], bytes]  # (where, size) → the captured bytes


@dataclass
class DirectionMap:
    """One direction: its stream bytes and, per data segment, where its bytes go.

    ``intervals``: (first relative sequence number, end, offset in ``data``), ascending.
    """

    data: bytes
    segments: list[tuple[Segment, int]]  # (segment, relative sequence number of byte 0)
    intervals: list[tuple[int, int, int]] = field(default_factory=list)

    def placements(self, seg_rel: int, size: int) -> list[tuple[int, int, int]]:
        """(offset in the segment, offset in ``data``, length) of a segment's kept bytes."""
        out: list[tuple[int, int, int]] = []
        starts = [iv[0] for iv in self.intervals]
        k = max(0, bisect.bisect_right(starts, seg_rel) - 1)
        stop = seg_rel + size
        while k < len(self.intervals) and self.intervals[k][0] < stop:
            rs, re, ss = self.intervals[k]
            lo, hi = max(seg_rel, rs), min(stop, re)
            if lo < hi:
                out.append((lo - seg_rel, ss + lo - rs, hi - lo))
            k += 1
        return out


def reassemble(segments: list[Segment], read: Reader) -> DirectionMap:
    """Reassemble one direction exactly as ``capture.tcp._reassemble`` does."""
    syn_seq: int | None = None
    data_segments: list[Segment] = []
    seqs: list[int] = []
    for seg in segments:
        seq = seg.seq
        if seg.syn:
            syn_seq = seg.seq
            seq = (seq + 1) & MASK32
        if seg.size:
            data_segments.append(seg)
            seqs.append(seq)
    if not data_segments:
        return DirectionMap(b"", [])
    ref = (syn_seq + 1) & MASK32 if syn_seq is not None else seqs[0]
    rel = [((q - ref + (1 << 31)) & MASK32) - (1 << 31) for q in seqs]
    if syn_seq is None:
        low = min(rel)
        rel = [r - low for r in rel]
    frames = [s.frame for s in data_segments]
    order = sorted(range(len(rel)), key=lambda i: (rel[i], frames[i], i))
    pieces: list[bytes] = []
    intervals: list[tuple[int, int, int]] = []
    cur = total = 0
    for i in order:
        start, seg = rel[i], data_segments[i]
        stop = start + seg.size
        if stop <= cur:
            continue
        begin = max(start, cur)
        pieces.append(read(Location(seg.where.datagram, seg.where.offset + begin - start),
                           stop - begin))
        if intervals and intervals[-1][1] == begin:
            rs, _, ss = intervals[-1]
            intervals[-1] = (rs, stop, ss)
        else:
            intervals.append((begin, stop, total))
        total += stop - begin
        cur = stop
    return DirectionMap(b"".join(pieces), list(zip(data_segments, rel, strict=True)), intervals)


def _line_structure(data: bytes) -> bytearray:
    return bytearray(ch if ch in (10, 13) else 0 for ch in data)


def announced(stream: TcpStream, endpoints: list[Endpoint]) -> bool:
    """The analysis's test (``tcp_framing._announced``): SDP offered this TCP endpoint."""
    sides = {(canonical_address(stream.src), stream.sport),
             (canonical_address(stream.dst), stream.dport)}
    return any(e.over_tcp and (canonical_address(e.address), e.port) in sides
               for e in endpoints)


def _sip_spans(stream: TcpStream, data: bytes) -> list[tuple[int, int]]:
    """Absolute (start, end) of every SIP message, split between holes as the analysis does."""
    cuts = sorted({0, len(data), *(g for g in stream.gap_offsets if 0 < g < len(data))})
    return [(lo + a, lo + b) for lo, hi in pairwise(cuts) for a, b in split_sip_stream(data[lo:hi])]


def scrub_stream(
    stream: TcpStream, endpoints: list[Endpoint], sip: SipScrubber
) -> tuple[bytes, str, list[str]]:
    """(scrubbed stream, what it was: "sip"/"rtp"/"other", warnings) for one direction."""
    data = stream.data
    label = f"TCP {stream.sport}→{stream.dport}"
    if b"SIP/2.0" in data and len(stream.seg_end):
        out = _line_structure(data)
        spans = _sip_spans(stream, data)
        for start, end in spans:
            scrubbed = sip.message(data[start:end])
            if scrubbed is not None:
                out[start:end] = scrubbed
        result = bytes(out)
        warnings = []
        if _sip_spans(stream, result) != spans or looks_framed(result) != looks_framed(data):
            warnings.append(f"{label}: SIP messages split differently after scrubbing")
        else:
            for start, end in spans:
                if sip_key(data[start:end]) != sip_key(result[start:end]):
                    warnings.append(f"{label}: a SIP message parses differently after scrubbing")
                    break
        return result, "sip", warnings
    if announced(stream, endpoints) or looks_framed(data):
        units = split_units(stream)
        out = bytearray(len(data))
        for body, length in zip(units.starts, units.lengths, strict=True):
            out[body - 2 : body] = data[body - 2 : body]
            out[body : body + length] = scrub_rtp_unit(data[body : body + length], sip.ps)
        result = bytes(out)
        check = TcpStream(stream.src, stream.sport, stream.dst, stream.dport, stream.teid,
                          stream.tunnelled, result, stream.seg_end, stream.seg_frame,
                          stream.seg_time_ns, list(stream.gap_offsets))
        after = split_units(check)
        same = (after.starts, after.lengths) == (units.starts, units.lengths)
        same &= looks_framed(result) == looks_framed(data)
        warnings = [] if same else [f"{label}: RTP framing found differently after scrubbing"]
        return result, "rtp", warnings
    return bytes(len(data)), "other", []
