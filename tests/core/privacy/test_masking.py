"""Masking of numbers, URIs, display names and free text: visible parts, idempotence."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callscope.core.privacy.masking import (
    mask_display_name,
    mask_number,
    mask_party,
    mask_text,
    mask_uri,
)


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("+32475123456", "+***456"),
        ("0475 12 34 56", "***456"),
        ("32475123456", "***456"),
        ("+1 (555) 123-4567", "+***567"),
        ("112", "***112"),
        ("", "***"),
    ],
)
def test_mask_number_keeps_only_last_three_digits(raw: str, masked: str) -> None:
    assert mask_number(raw) == masked


def test_mask_number_width_does_not_reveal_length() -> None:
    assert len(mask_number("+3247512345678")) == len(mask_number("+3212345"))


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("sip:+32475123456@ims.example.com;user=phone", "sip:+***456@ims.example.com;user=phone"),
        (
            "sip:alice:secret@example.com:5060;transport=tcp",
            "sip:a***@example.com:5060;transport=tcp",
        ),
        ("sip:bob@example.com?Subject=hello", "sip:b***@example.com?***"),
        ("sip:200.57.7.195:55061;user=phone", "sip:200.57.*.*:55061;user=phone"),
        ("sips:carol@[2001:db8:85a3::8a2e:370:7334]:5061", "sips:c***@[2001:db8:*]:5061"),
        ("tel:+32475123456;phone-context=example.com", "tel:+***456;phone-context=example.com"),
        ("SIP:%2B32475123456@example.com", "SIP:+***456@example.com"),
        ("sip:alice@example.com;gr=urn:uuid:f81d4fae", "sip:a***@example.com;gr=***"),
        ("alice@example.com", "a***@example.com"),
        ("urn:uuid:f81d4fae-7dec-11d0", "urn:***"),
    ],
)
def test_mask_uri(raw: str, masked: str) -> None:
    assert mask_uri(raw) == masked


def test_mask_uri_never_keeps_the_user_or_password() -> None:
    masked = mask_uri("sip:francisco:hunter2@bestel.com")
    assert "francisco" not in masked and "hunter2" not in masked
    assert masked.endswith("@bestel.com")


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ('"John Doe"', '"J***"'),
        ("John Doe", "J***"),
        ('"+32475123456"', '"+***456"'),
        ('"  "', '""'),
        ("", ""),
        ("Émile", "É***"),
    ],
)
def test_mask_display_name(raw: str, masked: str) -> None:
    assert mask_display_name(raw) == masked


def test_mask_party_masks_name_uri_and_personal_parameters() -> None:
    raw = '"John Doe" <sip:+32475123456@example.com>;tag=a1b2;+sip.instance="<urn:gsma:imei:35>"'
    assert mask_party(raw) == '"J***" <sip:+***456@example.com>;tag=a1b2;+sip.instance=***'


def test_mask_party_handles_lists_and_addr_spec() -> None:
    assert mask_party("Bob <sip:bob@x.org>, <tel:+3212345678>") == (
        "B*** <sip:b***@x.org>, <tel:+***678>"
    )
    assert mask_party("sip:alice@example.com;tag=1") == "sip:a***@example.com;tag=1"


def test_mask_text_masks_numbers_uris_and_names_in_prose() -> None:
    text = (
        'INVITE from "Alice Smith" <sip:alice@example.com> to +32 475 12 34 56 '
        "(national 0475/12.34.56), contact sip:0475123456@10.1.2.3;user=phone"
    )
    masked = mask_text(text)
    for secret in ("Alice", "Smith", "alice@", "475 12", "0475/12", "0475123456", "10.1.2.3"):
        assert secret not in masked
    assert masked.count("***456") == 3
    assert '"A***" <sip:a***@example.com>' in masked


def test_mask_text_leaves_technical_figures_alone() -> None:
    text = (
        "frame 42 at 2024-01-02T03:04:05.123456Z from 192.168.1.20:5060, "
        "jitter 12.3456789 ms, ssrc 0x1a2b3c4d, t=1700000000123456789 ns, SIP/2.0 200 OK"
    )
    assert mask_text(text) == text


def test_mask_text_masks_a_number_hidden_behind_short_groups() -> None:
    assert mask_text("id 12 0475123456 end") == "id 12 ***456 end"


def test_mask_text_unquoted_multiword_name_is_fully_hidden() -> None:
    masked = mask_text("call to Jean Paul Sartre <sip:jps@example.fr> failed")
    assert "Jean" not in masked and "Paul" not in masked and "Sartre" not in masked


_SAMPLES = st.sampled_from(
    [
        '"John Doe" <sip:+32475123456@example.com>;tag=1',
        "sip:alice@192.168.0.1:5060",
        "tel:+3212345678",
        "+32 475 12 34 56",
        "0475/12.34.56",
        "Bob <sips:bob@[2001:db8::1]>",
        "sip:%2B32475123456@example.com",
    ]
)
_TEXT = st.lists(st.one_of(_SAMPLES, st.text(max_size=30)), max_size=6).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(_TEXT)
def test_every_mask_is_idempotent_and_total(text: str) -> None:
    for fn in (mask_number, mask_uri, mask_display_name, mask_party, mask_text):
        once = fn(text)
        assert isinstance(once, str)
        assert fn(once) == once


@settings(max_examples=200, deadline=None)
@given(st.from_regex(r"\+?[1-9][0-9]{7,13}", fullmatch=True))
def test_no_masked_number_keeps_more_than_three_digits(number: str) -> None:
    for masked in (mask_number(number), mask_uri(f"tel:{number}"), mask_text(f"n {number} .")):
        assert len(re.findall(r"\d", masked)) == 3
