"""Scrub media-plane datagrams one at a time (same length): RTCP, STUN, DTLS, and RTP
units met outside the vectorized path (RFC 4571 over TCP).

RTCP (RFC 3550 §6): SR, RR, XR and feedback packets carry reception statistics, kept;
SDES item values (CNAME, NAME, EMAIL, PHONE... may name a person) get a keyed
pseudonym of the same length; a BYE reason and APP data are zeroed; the body of any
other packet type after its first 8 bytes is zeroed. SRTCP (RFC 3711 §3.4): only the
walkable header words, the first 8 bytes and the word the analysis reads as the E flag
survive; ciphertext, index and tag are zeroed. The result is checked with the analysis's
own parser: if it would read the datagram differently, only the header words stay (see
:func:`scrub_rtcp`).

STUN (RFC 8489 §5, §14): the 20-byte header and each attribute's type and length stay,
attribute values (USERNAME, XOR-MAPPED-ADDRESS, SOFTWARE, MESSAGE-INTEGRITY...) are
zeroed. DTLS (RFC 6347 §4.1): record headers stay, record bodies (certificates,
encrypted data) are zeroed.
"""

from __future__ import annotations

from callscope.core.privacy.scrub_pseudonym import Pseudonymizer
from callscope.core.rtp.rtcp import (
    APP,
    BYE,
    PSFB,
    RR,
    RTPFB,
    SDES,
    SR,
    SRTCP_TAG_LENGTHS,
    XR,
    walk_compound,
)
from callscope.core.rtp.rtcp import parse_compound as parse_rtcp

MAX_EXTENSION_KEPT = 64
"""Header-extension bodies up to this size are kept (RFC 8285 elements: audio level, MID,
transport-wide sequence...); a longer one is zeroed but for its 4-byte header, which is
all the analysis reads. This bounds what a datagram that merely looks like RTP can carry
through (fixed header, 15 CSRCs, extension header: 80 bytes + 64)."""

KEPT_WHOLE = frozenset({SR, RR, XR, RTPFB, PSFB})
STUN_HEADER = 20
DTLS_HEADER = 13


def _sdes(data: bytes, out: bytearray, at: int, end: int, ps: Pseudonymizer) -> None:
    """Pseudonymise the item values of an SDES packet's chunks (RFC 3550 §6.5)."""
    count = data[at] & 0x1F
    pos = at + 4
    for _ in range(count):
        if pos + 4 > end:
            return
        pos += 4  # SSRC/CSRC
        while pos < end and data[pos] != 0:
            if pos + 2 > end:
                return
            size = data[pos + 1]
            value_end = min(pos + 2 + size, end)
            out[pos + 2 : value_end] = ps.same_shape(data[pos + 2 : value_end], b"sdes")
            pos += 2 + size
        pos = (pos + 4) & ~3


def _packet(data: bytes, out: bytearray, at: int, end: int, ps: Pseudonymizer) -> None:
    """Scrub one plain RTCP packet data[at:end] into ``out``."""
    kind = data[at + 1]
    if kind in KEPT_WHOLE:
        return
    if kind == SDES:
        out[at:end] = data[at:end]
        _sdes(data, out, at, end, ps)
        return
    keep = at + 8
    if kind == BYE:
        keep = min(end, at + 4 + 4 * (data[at] & 0x1F))
        if keep < end:
            keep += 1  # the reason's length byte; the text is zeroed
    elif kind == APP:
        keep = at + 12  # header, SSRC, 4-character name
    out[min(keep, end) : end] = bytes(end - min(keep, end))


def _headers_only(data: bytes, spans: list[tuple[int, int]], stop: int) -> bytes:
    """Header words of every walked packet, the first 8 bytes, and the word after the
    walk when the analysis reads it as SRTCP's E flag and index (``rtcp.parse_compound``)."""
    out = bytearray(len(data))
    for start, _ in spans:
        out[start : start + 4] = data[start : start + 4]
    out[:8] = data[:8]
    if len(data) - stop - 4 in SRTCP_TAG_LENGTHS:
        out[stop : stop + 4] = data[stop : stop + 4]
    return bytes(out)


def scrub_rtcp(data: bytes, ps: Pseudonymizer) -> bytes:
    """A same-length scrubbed copy of one RTCP/SRTCP datagram (see module docstring).

    Whatever the datagram holds, the analysis parses the copy as it parsed the original
    (checked); if no scrubbed form parses the same, the datagram is zeroed but for its
    header words (reception reports may then be lost for it).
    """
    spans, stop = walk_compound(data)
    if not spans:
        return bytes(len(data))
    before = parse_rtcp(data)
    per_packet = bytearray(data)  # the trailer after ``stop`` (if any) stays as it is
    for start, end in spans:
        _packet(data, per_packet, start, end, ps)
    headers = _headers_only(data, spans, stop)
    # SRTCP: everything after the first 8 bytes is ciphertext, prefer the header words
    candidates = [bytes(per_packet)] if stop == len(data) else [headers, bytes(per_packet)]
    for candidate in candidates:
        if parse_rtcp(candidate) == before:
            return candidate
    return headers


def scrub_stun(data: bytes) -> bytes:
    """STUN header and attribute type/length words kept, attribute values zeroed."""
    out = bytearray(len(data))
    out[:STUN_HEADER] = data[:STUN_HEADER]
    at = STUN_HEADER
    while at + 4 <= len(data):
        out[at : at + 4] = data[at : at + 4]
        size = int.from_bytes(data[at + 2 : at + 4], "big")
        at += 4 + (size + 3) // 4 * 4
    return bytes(out)


def scrub_dtls(data: bytes) -> bytes:
    """DTLS record headers kept, record bodies zeroed."""
    out = bytearray(len(data))
    at = 0
    while at + DTLS_HEADER <= len(data):
        out[at : at + DTLS_HEADER] = data[at : at + DTLS_HEADER]
        at += DTLS_HEADER + int.from_bytes(data[at + 11 : at + 13], "big")
    return bytes(out)


def scrub_rtp_unit(unit: bytes, ps: Pseudonymizer) -> bytes:
    """One RTP/RTCP datagram or RFC 4571 unit: RTCP scrubbed, RTP header kept, rest zeroed."""
    if len(unit) < 4 or unit[0] >> 6 != 2:
        return bytes(len(unit))
    if 192 <= unit[1] <= 223:
        return scrub_rtcp(unit, ps)
    header = kept = 12 + 4 * (unit[0] & 0x0F)
    if unit[0] & 0x10:
        if header + 4 > len(unit):
            return bytes(len(unit))
        body = 4 * int.from_bytes(unit[header + 2 : header + 4], "big")
        header += 4 + body
        kept = header if body <= MAX_EXTENSION_KEPT else header - body
    if header > len(unit):
        return bytes(len(unit))
    out = bytearray(len(unit))
    out[:kept] = unit[:kept]
    if unit[0] & 0x20:
        out[-1] = unit[-1]  # the padding count (RFC 3550 §5.1)
    return bytes(out)
