"""Scrub SIP message bodies in place (same length): SDP, multipart, anything else.

SDP (RFC 8866): ``o=`` user name pseudonymised; ``s=``/``i=``/``u=``/``e=``/``p=`` free
text pseudonymised; ``k=`` values blanked with ``*``; the key material of ``a=crypto``
(RFC 4568 ``inline:`` keys), ``a=key-mgmt`` (MIKEY) and ``a=ice-pwd`` replaced by filler
of the same length. Every line the analysis reads (``c=``, ``m=``, ``a=rtpmap``...) and
the presence of ``a=crypto`` (it marks a stream SRTP) stay as they are.

A multipart body keeps its boundaries and part headers; its SDP parts are scrubbed as
above, every other part (ISUP with BCD numbers, PIDF locations...) is zeroed. Any other
body (INFO DTMF digits, MESSAGE text...) is content: it is zeroed. Zeroing keeps CR and
LF bytes, so that the analysis still finds message and part delimiters at line starts.
"""

from __future__ import annotations

import re

from callscope.core.privacy.scrub_pseudonym import Pseudonymizer, base64_filler, filler

_INLINE_KEY = re.compile(rb"(?i)(inline:)([A-Za-z0-9+/=]+)")
_FREE_TEXT_LINES = frozenset(b"siuep")
_LINE_BREAK = re.compile(rb"\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e]|\xc2\x85|\xe2\x80[\xa8\xa9]")
_BLANKS = b" \t\x1f"


def is_sdp_body(content_type: str, body: bytes) -> bool:
    """The analysis's rule: ``application/sdp``, or no content type and ``v=0`` first."""
    return "application/sdp" in content_type.split(";", 1)[0] or (
        not content_type and body.lstrip().startswith(b"v=0")
    )


def _attribute(line: bytes) -> bytes:
    """One ``a=`` line (without its end of line)."""
    name, colon, value = line[2:].partition(b":")
    key = name.strip().lower()
    if not colon:
        return line
    if key == b"crypto":
        return _INLINE_KEY.sub(lambda m: m.group(1) + filler(m.group(2)), line)
    if key == b"key-mgmt":
        proto, space, data = value.partition(b" ")
        return line[: 2 + len(name) + 1] + proto + space + base64_filler(data)
    if key == b"ice-pwd":
        return line[: 2 + len(name) + 1] + filler(value)
    return line


def _lines(body: bytes) -> list[tuple[bytes, bytes, bytes]]:
    """(leading blanks, line, line break) per line, cut where ``str.splitlines`` cuts the
    decoded text (the analysis's ``parse_sdp`` does that, then strips each line)."""
    out: list[tuple[bytes, bytes, bytes]] = []
    pos = 0
    for match in _LINE_BREAK.finditer(body):
        out.append(_split_blanks(body[pos : match.start()], match.group()))
        pos = match.end()
    if pos < len(body):
        out.append(_split_blanks(body[pos:], b""))
    return out


def _split_blanks(text: bytes, ending: bytes) -> tuple[bytes, bytes, bytes]:
    line = text.lstrip(_BLANKS)
    return text[: len(text) - len(line)], line, ending


def scrub_sdp(body: bytes, ps: Pseudonymizer) -> bytes:
    """A same-length copy of an SDP body with identities and keys replaced."""
    out = bytearray()
    for lead, line, ending in _lines(body):
        out += lead
        if len(line) >= 2 and line[1:2] == b"=":
            kind = line[0]
            if kind == ord("o"):
                user, space, rest = line[2:].partition(b" ")
                line = b"o=" + ps.same_shape(user, b"user") + space + rest
            elif kind in _FREE_TEXT_LINES:
                line = line[:2] + ps.same_shape(line[2:], b"text")
            elif kind == ord("k"):
                line = b"k=" + b"*" * (len(line) - 2)
            elif kind == ord("a"):
                line = _attribute(line)
        elif line.strip():
            line = ps.same_shape(line, b"text")  # not an SDP line: treat as free text
        out += line + ending
    assert len(out) == len(body)
    return bytes(out)


def _boundary(content_type: str) -> bytes | None:
    """The multipart boundary as the analysis reads it (``sdp_bodies``)."""
    marker = content_type.find("boundary=")
    if marker < 0:
        return None
    boundary = content_type[marker + 9 :].split(";", 1)[0].strip().strip('"')
    return boundary.encode("utf-8", "replace") if boundary else None


def _scrub_multipart(body: bytes, boundary: bytes, ps: Pseudonymizer) -> bytes:
    """Boundaries and part headers kept; SDP parts scrubbed, every other part zeroed."""
    delimiter = b"--" + boundary
    pieces = body.split(delimiter)
    out = bytearray(bytes(len(pieces[0])))  # the preamble is not a part
    for piece in pieces[1:]:
        out += delimiter
        head, sep, content = piece.partition(b"\r\n\r\n")
        if not sep:
            head, sep, content = piece.partition(b"\n\n")
        if not sep:
            out += _keep_line_structure(piece)
            continue
        out += head + sep
        if b"application/sdp" in head.lower():
            out += scrub_sdp(content, ps)
        else:
            out += _keep_line_structure(content)
    assert len(out) == len(body)
    return bytes(out)


def _keep_line_structure(data: bytes) -> bytes:
    """Every byte zeroed except CR and LF (so that delimiters stay at line starts)."""
    return bytes(ch if ch in (10, 13) else 0 for ch in data)


def scrub_body(body: bytes, content_type: str, ps: Pseudonymizer) -> bytes:
    """A same-length copy of a SIP body: SDP scrubbed, multipart by part, else zeroed.

    ``content_type`` is the message's Content-Type value, lower case, as parsed.
    """
    if not body:
        return body
    if is_sdp_body(content_type, body):
        return scrub_sdp(body, ps)
    if content_type.startswith("multipart/"):
        boundary = _boundary(content_type)
        if boundary:
            return _scrub_multipart(body, boundary, ps)
    return _keep_line_structure(body)
