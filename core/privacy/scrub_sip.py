"""Pseudonymise one SIP message in place: every replacement has the original's length.

Same length means no IP, UDP or TCP length, no TCP sequence number and no
Content-Length changes. What is replaced (RFC 3261 §20 names, compact forms too):

- the user part of every ``sip:``/``sips:`` URI and every ``tel:`` number, in the
  Request-URI and in every header but Call-ID (keyed pseudonym: digits → digits);
- identity headers (From, To, Contact, P-Asserted-/P-Preferred-Identity,
  Remote-Party-ID, Diversion, History-Info, Referred-By, Refer-To...): display names
  and every header parameter except technical ones (``tag`` is kept: dialogs must
  still match);
- Authorization/Proxy-Authorization: ``username`` pseudonymised, ``response`` and
  ``cnonce`` (password derivatives) replaced by zeros;
- any header not known to be technical (Subject, P-Access-Network-Info with the cell
  id, User-to-User, Identity, X-...) is free text: its letters and digits are replaced;
- the body: see :mod:`scrub_sdp`. Bytes after the body (by Content-Length) are zeroed.

Call-ID, CSeq, Via, tags, Content-Type/-Length and the start line's method and status
stay, so the analysis builds the same calls and finds the same SDP.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from callscope.core.privacy.masking import split_outside
from callscope.core.privacy.scrub_pseudonym import Pseudonymizer, filler
from callscope.core.privacy.scrub_sdp import scrub_body
from callscope.core.sip.calls import message_media
from callscope.core.sip.message import COMPACT_HEADERS, header_end, parse_sip

IDENTITY_HEADERS = frozenset({
    "from", "to", "contact", "p-asserted-identity", "p-preferred-identity",
    "remote-party-id", "diversion", "history-info", "referred-by", "refer-to",
    "p-called-party-id", "p-associated-uri", "reply-to", "p-served-user",
})  # fmt: skip
AUTH_HEADERS = frozenset({"authorization", "proxy-authorization"})
TECHNICAL_HEADERS = frozenset({
    "via", "cseq", "content-length", "content-type", "content-encoding",
    "content-disposition", "content-language", "mime-version", "max-forwards", "expires",
    "min-expires", "session-expires", "min-se", "supported", "require", "proxy-require",
    "unsupported", "allow", "allow-events", "event", "subscription-state", "accept",
    "accept-encoding", "accept-language", "user-agent", "server", "timestamp", "date",
    "rack", "rseq", "route", "record-route", "path", "service-route", "privacy", "reason",
    "warning", "retry-after", "p-charging-vector", "p-charging-function-addresses",
    "security-client", "security-server", "security-verify", "recv-info", "accept-contact",
    "reject-contact", "request-disposition", "p-early-media", "www-authenticate",
    "proxy-authenticate", "authentication-info", "priority", "replaces", "refer-sub",
    "target-dialog", "p-visited-network-id", "p-preferred-service", "p-asserted-service",
    "session-id", "feature-caps", "max-breadth", "in-reply-to",
})  # fmt: skip
"""Headers whose values are protocol machinery; only URI user parts in them are replaced."""

KEPT_PARAMS = frozenset({
    b"tag", b"expires", b"q", b"reg-id", b"lr", b"transport", b"user", b"ob", b"method",
    b"ttl", b"cause", b"reason", b"privacy", b"screen", b"party", b"counter", b"index",
    b"rc", b"mp", b"np", b"limit", b"received", b"rport", b"branch", b"comp",
})  # fmt: skip

_SIP_USER = re.compile(rb"(?i)(?<![a-z0-9])(sips?:)([^@\s<>\"',]+)(?=@)")
_TEL_NUMBER = re.compile(rb"(?i)(?<![a-z0-9])(tel:)([^;\s<>\"',?]+)")
_PARAM = re.compile(rb';(\s*)([^=;,\s]+)(\s*=\s*)("(?:[^"\\]|\\.)*"|[^;,\s]*)')
_AUTH_PARAM = re.compile(
    rb'(?i)(?<![a-z0-9-])(username|cnonce|response)(\s*=\s*)("(?:[^"\\]|\\.)*"|[^,\s]*)'
)
_LINE = re.compile(rb"[^\n]*\n|[^\n]+")
_CONTENT_LENGTH_DIGITS = re.compile(r"[0-9]{1,9}")


def _quoted_inner(value: bytes, fn: Callable[[bytes], bytes]) -> bytes:
    """Apply ``fn`` inside double quotes when ``value`` is quoted, else to all of it."""
    if len(value) >= 2 and value[:1] == b'"' and value[-1:] == b'"':
        return b'"' + fn(value[1:-1]) + b'"'
    return fn(value)


class SipScrubber:
    """Scrubs SIP messages with one :class:`Pseudonymizer` (one case key)."""

    def __init__(self, ps: Pseudonymizer) -> None:
        self.ps = ps

    # -- URIs -----------------------------------------------------------------
    def _user(self, user: bytes) -> bytes:
        main, semi, params = user.partition(b";")
        name, colon, password = main.partition(b":")
        return self.ps.same_shape(name, b"user") + colon + filler(password, b"x") + semi + params

    def uri_users(self, text: bytes) -> bytes:
        """Every SIP URI user part and tel: number in ``text`` pseudonymised."""
        text = _SIP_USER.sub(lambda m: m.group(1) + self._user(m.group(2)), text)
        return _TEL_NUMBER.sub(
            lambda m: m.group(1) + self.ps.same_shape(m.group(2), b"user"), text
        )

    # -- header values ----------------------------------------------------------
    def _params(self, tail: bytes) -> bytes:
        def one(m: re.Match[bytes]) -> bytes:
            name, value = m.group(2), m.group(4)
            if name.lower() not in KEPT_PARAMS:
                value = self.ps.same_shape(value, b"param")
            return b";" + m.group(1) + name + m.group(3) + value

        return _PARAM.sub(one, tail)

    def identity(self, value: bytes) -> bytes:
        """Display names and non-technical header parameters of every element."""
        out = bytearray()
        for element in _split_outside(value, ord(",")):
            lt = _find_outside_quotes(element, ord("<"))
            if lt >= 0:
                gt = element.find(b">", lt)
                tail_at = gt + 1 if gt >= 0 else len(element)
                zone = element[:lt]
                name = zone.strip()
                if name:
                    at = zone.find(name)
                    zone = zone[:at] + self.ps.same_shape(name, b"name") + zone[at + len(name) :]
                element = zone + element[lt:tail_at] + self._params(element[tail_at:])
            else:
                semi = element.find(b";")
                if semi >= 0:
                    element = element[:semi] + self._params(element[semi:])
            out += element
            out += b","
        return bytes(out[:-1])

    def auth(self, value: bytes) -> bytes:
        """Digest ``username`` pseudonymised; ``response``/``cnonce`` zero-filled."""
        def one(m: re.Match[bytes]) -> bytes:
            name, eq, v = m.group(1), m.group(2), m.group(3)
            if name.lower() == b"username":
                v = _quoted_inner(v, lambda u: self.ps.same_shape(u, b"user"))
            else:
                v = _quoted_inner(v, lambda u: filler(u, b"0"))
            return name + eq + v

        return _AUTH_PARAM.sub(one, value)

    def header_value(self, name: str, value: bytes) -> bytes:
        """One header value (or folded continuation) scrubbed by the header's role."""
        if name == "call-id":
            return value
        if name in TECHNICAL_HEADERS:
            return self.uri_users(value)
        if name in IDENTITY_HEADERS:
            return self.uri_users(self.identity(value))
        if name in AUTH_HEADERS:
            return self.uri_users(self.auth(value))
        stripped = value.strip()
        if not stripped:
            return value
        at = value.find(stripped)
        return value[:at] + self.ps.same_shape(stripped, b"text") + value[at + len(stripped) :]

    # -- whole messages -----------------------------------------------------------
    def _header_block(self, block: bytes) -> bytes:
        out = bytearray()
        current = ""
        for number, match in enumerate(_LINE.finditer(block)):
            raw = match.group()
            line = raw.rstrip(b"\r\n")
            ending = raw[len(line) :]
            if number == 0:
                if not line.startswith(b"SIP/2.0"):
                    line = self.uri_users(line)  # request line: the Request-URI
            elif line[:1] in (b" ", b"\t"):
                line = self.header_value(current, line)  # folded continuation
            elif line.strip():
                name, colon, value = line.partition(b":")
                if colon:
                    key = name.strip().lower().decode("latin-1")
                    current = COMPACT_HEADERS.get(key, key)
                    line = name + colon + self.header_value(current, value)
                else:
                    current = ""
                    line = self.ps.same_shape(line, b"text")
            out += line + ending
        return bytes(out)

    def message(self, data: bytes) -> bytes | None:
        """A same-length scrubbed copy of one SIP message; None if it does not parse.

        ``data`` is a whole UDP payload or one message cut from a TCP stream.
        """
        parsed = parse_sip(data)
        if parsed is None:
            return None
        lead = len(data) - len(data.lstrip(b"\r\n"))
        msg = data[lead:]
        end = header_end(msg)
        if end < 0:
            return data[:lead] + self._header_block(msg)
        content_type = parsed.header("content-type").lower()
        length_text = parsed.header("content-length").split(",", 1)[0].strip()
        body_end = len(msg)
        if _CONTENT_LENGTH_DIGITS.fullmatch(length_text):
            body_end = min(len(msg), end + int(length_text))
        body = scrub_body(msg[end:body_end], content_type, self.ps)
        trailer = bytes(ch if ch in (10, 13) else 0 for ch in msg[body_end:])
        out = data[:lead] + self._header_block(msg[:end]) + body + trailer
        assert len(out) == len(data)
        return out


def _split_outside(value: bytes, sep: int) -> list[bytes]:
    """:func:`masking.split_outside` on bytes (Latin-1 keeps every byte and every length)."""
    return [p.encode("latin-1") for p in split_outside(value.decode("latin-1"), chr(sep))]


def _find_outside_quotes(value: bytes, target: int) -> int:
    """Index of the first ``target`` byte outside double quotes, or -1."""
    quoted, i = False, 0
    while i < len(value):
        ch = value[i]
        if quoted and ch == 0x5C:
            i += 2
            continue
        if ch == 0x22:
            quoted = not quoted
        elif ch == target and not quoted:
            return i
        i += 1
    return -1


def sip_key(message: bytes) -> tuple[object, ...] | None:
    """What the analysis takes from a message (parties aside): must survive scrubbing."""
    parsed = parse_sip(message)
    if parsed is None:
        return None
    return (parsed.is_request, parsed.method, parsed.status, parsed.call_id, parsed.cseq,
            parsed.cseq_method, parsed.from_tag, parsed.to_tag,
            parsed.header("content-type"), message_media(parsed))
