"""SDP (RFC 8866) bodies → the media each side expects to receive, one per ``m=`` line.

An SDP's ``c=``/``m=`` say where the SENDER of that SDP wants to receive media.
Codecs come from ``a=rtpmap`` (RFC 8866 §6.6), else from the RFC 3551 static table
(whose spelling wins for a static PT: ``pcma`` → ``PCMA``); a dynamic name without a
rate gets Wireshark's default clock for that name.
Never raises: malformed lines are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from callscope.core.model import Codec, MediaDescription
from callscope.core.rtp.payload_types import DEFAULT_CLOCK_BY_NAME, STATIC_PAYLOAD_TYPES

MAX_SDP_BYTES = 64 * 1024
MAX_MEDIA = 64
DIRECTIONS = frozenset({"sendrecv", "sendonly", "recvonly", "inactive"})


@dataclass
class _Media:
    """One ``m=`` section while its attribute lines are read."""

    media: str
    port: int
    protocol: str
    payload_types: tuple[int, ...]
    address: str = ""
    rtpmap: dict[int, tuple[str, int, int]] = field(default_factory=dict)
    fmtp: dict[int, str] = field(default_factory=dict)
    ptime_ms: int | None = None
    direction: str | None = None
    rtcp_mux: bool = False
    has_crypto: bool = False


def _connection_address(value: str) -> str | None:
    """``IN IP4 192.0.2.1/127`` → ``192.0.2.1``; IPv6 without brackets; None if unusable."""
    parts = value.split()
    if len(parts) < 3 or parts[0].upper() != "IN" or parts[1].upper() not in ("IP4", "IP6"):
        return None
    return parts[2].split("/", 1)[0].strip("[]") or None


def _media_line(value: str) -> _Media | None:
    """``audio 49170/2 RTP/AVP 0 8 97`` → a section (base port; non-numeric formats dropped)."""
    parts = value.split()
    if len(parts) < 3:
        return None
    port_text = parts[1].split("/", 1)[0]
    if not port_text.isdigit() or int(port_text) > 65535:
        return None
    pts = tuple(int(p) for p in parts[3:] if p.isdigit() and int(p) < 128)
    return _Media(parts[0].lower(), int(port_text), parts[2], tuple(dict.fromkeys(pts)))


def _rtpmap(value: str) -> tuple[int, tuple[str, int, int]] | None:
    """``96 L16/16000/2`` → (96, ("L16", 16000, 2)); rate 0 when absent."""
    pt_text, _, encoding = value.strip().partition(" ")
    if not pt_text.isdigit() or int(pt_text) >= 128:
        return None
    fields = encoding.strip().split("/")
    name = fields[0].strip()
    if not name:
        return None
    rate = int(fields[1]) if len(fields) > 1 and fields[1].strip().isdigit() else 0
    channels = int(fields[2]) if len(fields) > 2 and fields[2].strip().isdigit() else 1
    return int(pt_text), (name, min(rate, 10_000_000), max(1, min(channels, 255)))


def _ptime(value: str) -> int | None:
    """``20`` or ``20.0`` → 20 ms; None when unusable."""
    try:
        ms = float(value.strip())
    except ValueError:
        return None
    return round(ms) if 0 < ms < 10_000 else None


def _attribute(target: _Media, name: str, value: str) -> None:
    """Apply one ``a=`` line to the current media section (or the session level)."""
    if name == "rtpmap":
        parsed = _rtpmap(value)
        if parsed is not None:
            target.rtpmap[parsed[0]] = parsed[1]
    elif name == "fmtp":
        pt_text, _, params = value.strip().partition(" ")
        if pt_text.isdigit() and int(pt_text) < 128:
            target.fmtp[int(pt_text)] = params.strip()
    elif name == "ptime":
        target.ptime_ms = _ptime(value)
    elif name in DIRECTIONS:
        target.direction = name
    elif name == "rtcp-mux":
        target.rtcp_mux = True
    elif name == "crypto":
        target.has_crypto = True


def _codec(pt: int, section: _Media) -> Codec | None:
    """The codec of one payload type: rtpmap first, then the static table."""
    mapped = section.rtpmap.get(pt)
    fmtp = section.fmtp.get(pt, "")
    static = STATIC_PAYLOAD_TYPES.get(pt)
    if mapped is not None:
        name, rate, channels = mapped
        if static is not None and name.upper() == static.name.upper():
            name, rate = static.name, rate or static.clock_rate  # "pcma" → "PCMA"
        rate = rate or DEFAULT_CLOCK_BY_NAME.get(name.lower(), 0)
        return Codec(name, rate, channels, fmtp)
    if static is None:
        return None
    return Codec(static.name, static.clock_rate, static.channels, fmtp)


def _describe(section: _Media, session: _Media, frame: int, time_ns: int) -> MediaDescription:
    """Freeze a section, inheriting session-level connection and direction."""
    codecs: dict[int, Codec] = {}
    for pt in section.payload_types:
        codec = _codec(pt, section)
        if codec is not None:
            codecs[pt] = codec
    return MediaDescription(
        address=section.address or session.address,
        port=section.port,
        media=section.media,
        protocol=section.protocol,
        payload_types=section.payload_types,
        codecs=codecs,
        ptime_ms=section.ptime_ms if section.ptime_ms is not None else session.ptime_ms,
        direction=section.direction or session.direction or "sendrecv",
        rtcp_mux=section.rtcp_mux,
        has_crypto=section.has_crypto,
        frame=frame,
        time_ns=time_ns,
    )


def parse_sdp(body: bytes, *, frame: int = 0, time_ns: int = 0) -> list[MediaDescription]:
    """Every ``m=`` line of an SDP body, in order; [] when the body is not SDP or too big.

    ``frame``/``time_ns`` are those of the SIP message carrying the SDP.
    """
    if len(body) > MAX_SDP_BYTES:
        return []
    text = bytes(body).decode("utf-8", "replace")
    session = _Media("", 0, "", ())
    sections: list[_Media] = []
    for raw in text.splitlines():
        line = raw.strip()
        if len(line) < 2 or line[1] != "=":
            continue
        kind, value = line[0], line[2:]
        current = sections[-1] if sections else session
        if kind == "m":
            if len(sections) >= MAX_MEDIA:
                break
            # an unusable m= still opens a section, so its a= lines stay off the previous one
            sections.append(_media_line(value) or _Media("", 0, "", ()))
        elif kind == "c":
            address = _connection_address(value)
            if address is not None:
                current.address = address
        elif kind == "a":
            name, _, attr_value = value.partition(":")
            _attribute(current, name.strip().lower(), attr_value)
    return [_describe(s, session, frame, time_ns) for s in sections if s.media]
