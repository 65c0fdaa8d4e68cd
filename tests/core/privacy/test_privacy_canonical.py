"""Canonical JSON (RFC 8785 subset) and the strict parser the verifier relies on."""

from __future__ import annotations

import pytest

from callscope.core.privacy.canonical import (
    CanonicalError,
    canonical_bytes,
    parse_canonical,
    parse_strict,
)


def test_known_answers() -> None:
    assert (
        canonical_bytes({"b": 1, "a": [True, None, -5, "x"]}) == b'{"a":[true,null,-5,"x"],"b":1}'
    )
    assert canonical_bytes("\u00e9\u20ac") == '"\u00e9\u20ac"'.encode()
    assert canonical_bytes('\x00\x08\t\n\x0c\r\x1f\x7f"\\') == (
        b'"\\u0000\\b\\t\\n\\f\\r\\u001f\x7f\\"\\\\"'
    )
    assert canonical_bytes("\u2028") == b'"\xe2\x80\xa8"'  # RFC 8785 leaves it raw
    assert canonical_bytes([]) == b"[]" and canonical_bytes({}) == b"{}"
    assert canonical_bytes(2**53 - 1) == b"9007199254740991"


def test_keys_sort_by_utf16_code_units() -> None:
    """RFC 8785 §3.2.3: U+1F600 (surrogates D83D DE00) sorts before U+FF61."""
    value = {"\uff61": 1, "\U0001f600": 2, "\u20ac": 3, "a": 4}
    assert canonical_bytes(value) == '{"a":4,"\u20ac":3,"\U0001f600":2,"\uff61":1}'.encode()


@pytest.mark.parametrize(
    "bad", [1.0, float("nan"), 2**53, -(2**53), "\ud800", {1: "x"}, b"x", {"a": object()}]
)
def test_values_outside_the_subset_are_refused(bad: object) -> None:
    with pytest.raises(CanonicalError):
        canonical_bytes(bad)


def test_deep_nesting_is_refused() -> None:
    value: list[object] = []
    for _ in range(40):
        value = [value]
    with pytest.raises(CanonicalError):
        canonical_bytes(value)


@pytest.mark.parametrize(
    "text",
    [b'{"a":1,"a":2}', b"[1.5]", b"[NaN]", b"[1e3]", b"\xff", b"{", b"[" * 100000 + b"]" * 100000],
)
def test_strict_parser_refuses(text: bytes) -> None:
    with pytest.raises(CanonicalError):
        parse_strict(text)


@pytest.mark.parametrize(
    "text",
    [b'{"b":1,"a":2}', b'{"a": 1}', b'["\\u00e9"]', b'["\\/"]', b"[ 1]", b"[01]", b'["\\u001F"]'],
)
def test_non_canonical_forms_are_refused(text: bytes) -> None:
    with pytest.raises(CanonicalError):
        parse_canonical(text)


def test_round_trip() -> None:
    value = {"z": [1, -2, {"y": None}], "reason": "a\nb\u2028<html>", "ok": False}
    assert parse_canonical(canonical_bytes(value)) == value
