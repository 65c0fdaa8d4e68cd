"""Canonical JSON bytes: the RFC 8785 (JCS) subset without floats.

Values are ``str``, ``int`` (|n| < 2**53), ``bool``, ``None``, ``list`` and ``dict``
with ``str`` keys. Output: UTF-8, no whitespace, object members sorted by their
UTF-16 code units (RFC 8785 §3.2.3), strings escaped as ECMAScript ``JSON.stringify``
does (RFC 8785 §3.2.2.2): only ``"``, ``\\`` and U+0000..U+001F are escaped. Two equal
values always give the same bytes, so hashes and signatures over them are stable.
"""

from __future__ import annotations

import json
import re
from typing import Any

JsonValue = Any  # str | int | bool | None | list[JsonValue] | dict[str, JsonValue]

MAX_SAFE_INT = 2**53 - 1
_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f\ud800-\udfff]')
_SHORT_ESCAPES = {0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r"}


class CanonicalError(ValueError):
    """A value outside the canonical subset (float, huge int, lone surrogate...)."""


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    code = ord(ch)
    if 0xD800 <= code <= 0xDFFF:
        raise CanonicalError("string holds a lone UTF-16 surrogate")
    if ch in ('"', "\\"):
        return "\\" + ch
    return _SHORT_ESCAPES.get(code, f"\\u{code:04x}")


def _quote(text: str) -> str:
    return '"' + _NEEDS_ESCAPE.sub(_escape, text) + '"'


def _utf16_key(key: str) -> bytes:
    return key.encode("utf-16-be", "surrogatepass")


def _emit(value: JsonValue, out: list[str], depth: int) -> None:
    if depth > 32:
        raise CanonicalError("nesting deeper than 32 levels")
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        if abs(value) > MAX_SAFE_INT:
            raise CanonicalError(f"integer {value} is outside ±(2**53 - 1)")
        out.append(str(int(value)))
    elif isinstance(value, str):
        out.append(_quote(value))
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _emit(item, out, depth + 1)
        out.append("]")
    elif isinstance(value, dict):
        keys = list(value)
        if not all(isinstance(k, str) for k in keys):
            raise CanonicalError("object keys must be strings")
        out.append("{")
        for i, key in enumerate(sorted(keys, key=_utf16_key)):
            if i:
                out.append(",")
            out.append(_quote(key))
            out.append(":")
            _emit(value[key], out, depth + 1)
        out.append("}")
    else:
        raise CanonicalError(f"{type(value).__name__} is not allowed in canonical JSON")


def canonical_bytes(value: JsonValue) -> bytes:
    """The RFC 8785 bytes of ``value`` (raises ``CanonicalError`` outside the subset)."""
    out: list[str] = []
    _emit(value, out, 0)
    return "".join(out).encode("utf-8")


def _no_duplicates(pairs: list[tuple[str, JsonValue]]) -> dict[str, JsonValue]:
    result: dict[str, JsonValue] = {}
    for key, val in pairs:
        if key in result:
            raise CanonicalError(f"duplicate key {key!r}")
        result[key] = val
    return result


def _no_float(text: str) -> JsonValue:
    raise CanonicalError(f"number {text[:20]} is not an integer")


def parse_strict(data: bytes) -> JsonValue:
    """Parse JSON that must be within the subset: no floats, NaN or duplicate keys."""
    try:
        text = data.decode("utf-8")
        return json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_float=_no_float,
            parse_constant=_no_float,
        )
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise CanonicalError(f"not valid JSON: {exc}") from None
    except ValueError as exc:  # CanonicalError or an int too long to parse
        raise CanonicalError(str(exc)) from None


def parse_canonical(data: bytes) -> JsonValue:
    """Parse ``data`` and require it to be exactly its own canonical form."""
    value = parse_strict(data)
    if canonical_bytes(value) != data:
        raise CanonicalError("not in canonical form")
    return value
