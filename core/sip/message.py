"""SIP messages (RFC 3261 §7): parse one message, or cut a TCP byte stream into messages.

Tolerant by design: captures hold truncated, fuzzed and non-SIP payloads, so nothing
here raises on bad bytes; a payload whose first line is not a SIP request or status
line is simply not SIP (``None``). Sizes are bounded before anything is copied.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from callscope.core.privacy.masking import mask_text

MAX_MESSAGE_BYTES = 256 * 1024
MAX_HEADER_BYTES = 64 * 1024
MAX_BODY_BYTES = 64 * 1024
"""Bodies larger than this are ignored (``body`` is empty): no SDP is that large."""
MAX_HEADERS = 200

REQUEST_METHODS = (
    "INVITE", "ACK", "BYE", "CANCEL", "REGISTER", "OPTIONS", "PRACK", "SUBSCRIBE",
    "NOTIFY", "PUBLISH", "INFO", "REFER", "MESSAGE", "UPDATE",
)  # fmt: skip

COMPACT_HEADERS = {
    "a": "accept-contact", "b": "referred-by", "c": "content-type", "d": "request-disposition",
    "e": "content-encoding", "f": "from", "i": "call-id", "j": "reject-contact",
    "k": "supported", "l": "content-length", "m": "contact", "n": "identity-info",
    "o": "event", "r": "refer-to", "s": "subject", "t": "to", "u": "allow-events",
    "v": "via", "x": "session-expires", "y": "identity",
}  # fmt: skip
"""RFC 3261 §7.3.3 compact forms and those registered since (IANA SIP parameters)."""

_TOKEN = rb"[A-Za-z0-9\-.!%*_+`'~]{1,32}"
_REQUEST_LINE = re.compile(rb"(" + _TOKEN + rb") (\S{1,4096}) SIP/2\.0[ \t]*")
_STATUS_LINE = re.compile(rb"SIP/2\.0 ([1-6][0-9][0-9])(?:[ \t](.{0,1024}))?", re.S)
_START_LINE = (
    rb"(?:SIP/2\.0 [1-6][0-9][0-9][ \t\r\n]|" + _TOKEN + rb" \S{1,4096} SIP/2\.0[ \t]*\r?$)"
)
_MESSAGE_HERE = re.compile(_START_LINE, re.M)
_MESSAGE_NEXT = re.compile(rb"^" + _START_LINE, re.M)
_CONTENT_LENGTH = re.compile(
    rb"^(?:content-length|l)[ \t]*:[ \t]*([0-9]{1,9})[ \t]*\r?$", re.M | re.I
)
_TAG = re.compile(r";\s*tag\s*=\s*([^;,\s>]+)", re.I)


@dataclass(frozen=True, repr=False)
class SipMessage:
    """One SIP request or response as captured; raw (unmasked) parties: keep in memory only.

    ``headers`` maps lower-case names (compact forms expanded) to the value; repeated
    headers are joined with ``", "`` (RFC 3261 §7.3.1). ``cseq`` is -1 when absent or
    invalid. ``body`` is the message body (empty if absent, truncated away or larger
    than ``MAX_BODY_BYTES``). ``repr`` masks the parties so that logs never leak them.
    """

    frame: int
    time_ns: int
    src: str
    sport: int
    dst: str
    dport: int
    transport: str  # "udp" | "tcp"
    is_request: bool
    method: str | None  # request method, None for a response
    status: int | None  # response status code, None for a request
    reason: str  # response reason phrase ("" for requests)
    call_id: str
    cseq_method: str
    cseq: int
    from_uri: str
    to_uri: str
    from_tag: str
    to_tag: str
    headers: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    body: bytes = b""
    request_uri: str = ""

    def header(self, name: str, default: str = "") -> str:
        """A header's value by (case-insensitive, compact or full) name."""
        key = name.lower()
        return self.headers.get(COMPACT_HEADERS.get(key, key), default)

    @property
    def summary(self) -> str:
        """``INVITE`` or ``200 OK``: the first line without the parties."""
        return self.method or f"{self.status} {self.reason}".strip()

    def __repr__(self) -> str:
        return mask_text(
            f"SipMessage(frame={self.frame}, {self.summary!r}, call_id={self.call_id!r}, "
            f"cseq={self.cseq} {self.cseq_method}, {self.transport})"
        )


def header_end(data: bytes, start: int = 0) -> int:
    """Offset just past the blank line ending the header section at ``start``, or -1."""
    limit = min(len(data), start + MAX_HEADER_BYTES + 4)
    crlf = data.find(b"\r\n\r\n", start, limit)
    lf = data.find(b"\n\n", start, crlf + 3 if crlf >= 0 else limit)
    if crlf >= 0 and (lf < 0 or crlf + 2 <= lf):
        return crlf + 4
    return lf + 2 if lf >= 0 else -1


class _BlankLines:
    """Where the next blank line is, each search remembered: linear over a whole stream."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.crlf = self.lf = -2  # -2: not searched yet, -1: none until the end

    def end_after(self, start: int) -> int:
        """Offset just past the first blank line at or after ``start``, or -1."""
        if self.crlf != -1 and self.crlf < start:
            self.crlf = self.data.find(b"\r\n\r\n", start)
        if self.lf != -1 and self.lf < start:
            self.lf = self.data.find(b"\n\n", start)
        crlf, lf = self.crlf, self.lf
        if crlf >= 0 and (lf < 0 or crlf + 2 <= lf):
            return crlf + 4
        return lf + 2 if lf >= 0 else -1


def _unfold(header_block: bytes) -> list[tuple[str, str]]:
    """(lower-case expanded name, value) for each header line, folded lines joined."""
    fields: list[tuple[str, str]] = []
    for raw in header_block.split(b"\n"):
        line = raw.rstrip(b"\r").decode("utf-8", "replace")
        if not line.strip():
            continue
        if line[0] in " \t":
            if fields:  # RFC 3261 §7.3.1 line folding
                name, value = fields[-1]
                fields[-1] = (name, f"{value} {line.strip()}")
            continue
        name, colon, value = line.partition(":")
        name = name.strip().lower()
        if not colon or not name or " " in name:
            continue
        fields.append((COMPACT_HEADERS.get(name, name), value.strip()))
        if len(fields) >= MAX_HEADERS:
            break
    return fields


def _uri_of(value: str) -> str:
    """The URI of a From/To value: inside ``<>``, else the addr-spec before parameters."""
    lt = value.find("<")
    if lt >= 0:
        gt = value.find(">", lt)
        return value[lt + 1 : gt if gt > lt else len(value)].strip()
    return value.split(";", 1)[0].strip()


def _tag_of(value: str) -> str:
    """The ``tag`` header parameter (after the URI) of a From/To value, or ""."""
    gt = value.rfind(">")
    match = _TAG.search(value[gt + 1 :] if gt >= 0 else value)
    return match.group(1) if match else ""


def _cseq(value: str) -> tuple[int, str]:
    """``"314159 INVITE"`` → (314159, "INVITE"); (-1, "") when unusable."""
    parts = value.split()
    if len(parts) < 2 or not parts[0].isdigit() or len(parts[0]) > 10:
        return -1, parts[-1].upper() if parts else ""
    number = int(parts[0])
    return (number if number < 2**32 else -1), parts[1].upper()


def _body(rest: bytes, content_length: str | None) -> bytes:
    """The body by Content-Length (all the rest when absent), empty when oversized."""
    if content_length is not None:
        if not content_length.isdigit() or len(content_length) > 9:
            return b""
        rest = rest[: int(content_length)]
    return rest if len(rest) <= MAX_BODY_BYTES else b""


def parse_sip(
    data: bytes,
    *,
    frame: int = 0,
    time_ns: int = 0,
    src: str = "",
    sport: int = 0,
    dst: str = "",
    dport: int = 0,
    transport: str = "udp",
) -> SipMessage | None:
    """Parse one SIP message; None when the first line is not a SIP request/status line."""
    try:
        head = bytes(data[:MAX_MESSAGE_BYTES])
        return _parse(head, frame, time_ns, src, sport, dst, dport, transport)
    except (ValueError, IndexError, UnicodeError):  # defensive: never raise on garbage
        return None


def _parse(
    data: bytes,
    frame: int,
    time_ns: int,
    src: str,
    sport: int,
    dst: str,
    dport: int,
    transport: str,
) -> SipMessage | None:
    data = data.lstrip(b"\r\n")  # RFC 5626 keep-alives before a message
    first_end = data.find(b"\n", 0, 8192)
    first = data[: first_end if first_end >= 0 else min(len(data), 8192)].rstrip(b"\r")
    request = _REQUEST_LINE.fullmatch(first)
    status = None if request else _STATUS_LINE.fullmatch(first)
    if request is None and status is None:
        return None
    end = header_end(data)
    block_end = end if end >= 0 else min(len(data), MAX_HEADER_BYTES)
    block = data[len(first) : block_end]
    fields = _unfold(block)
    joined: dict[str, str] = {}
    firsts: dict[str, str] = {}
    for name, value in fields:
        joined[name] = f"{joined[name]}, {value}" if name in joined else value
        firsts.setdefault(name, value)
    body = _body(data[end:], firsts.get("content-length")) if end >= 0 else b""
    cseq, cseq_method = _cseq(firsts.get("cseq", ""))
    from_value, to_value = firsts.get("from", ""), firsts.get("to", "")
    return SipMessage(
        frame=frame,
        time_ns=time_ns,
        src=src,
        sport=sport,
        dst=dst,
        dport=dport,
        transport=transport,
        is_request=request is not None,
        method=request.group(1).decode("ascii") if request else None,
        status=int(status.group(1)) if status else None,
        reason=(status.group(2) or b"").decode("utf-8", "replace").strip() if status else "",
        call_id=firsts.get("call-id", "").strip(),
        cseq_method=cseq_method,
        cseq=cseq,
        from_uri=_uri_of(from_value),
        to_uri=_uri_of(to_value),
        from_tag=_tag_of(from_value),
        to_tag=_tag_of(to_value),
        headers=MappingProxyType(joined),
        body=body,
        request_uri=request.group(2).decode("utf-8", "replace") if request else "",
    )


def split_sip_stream(data: bytes) -> list[tuple[int, int]]:
    """(start, end) offsets of each SIP message in a TCP byte stream (RFC 3261 §18.3).

    Messages are delimited by their Content-Length (0 when absent). Bytes that do not
    start a message (keep-alives, garbage, a hole) are skipped up to the next line that
    looks like a SIP start line. A message whose body is cut off by the end of the data
    or has an absurd length ends at its header section, and the scan goes on from there.
    """
    out: list[tuple[int, int]] = []
    blanks = _BlankLines(data)
    pos, n = 0, len(data)
    while pos < n:
        match = _MESSAGE_HERE.match(data, pos) or _MESSAGE_NEXT.search(data, pos)
        if match is None:
            break
        start = match.start()
        end = blanks.end_after(start)
        if end < 0 and n - start <= MAX_HEADER_BYTES:  # cut off by the end of the capture
            out.append((start, n))
            break
        if end < 0 or end - start > MAX_HEADER_BYTES + 4:
            pos = start + 1
            continue
        length = _CONTENT_LENGTH.search(data, start, end)
        size = int(length.group(1)) if length else 0
        stop = end + size
        if size > MAX_BODY_BYTES or stop > n:
            stop = end
        out.append((start, stop))
        pos = max(stop, start + 1)
    return out
