"""Masking of phone numbers, SIP/tel URIs and display names: the default view everywhere.

Rules (product spec: "only the last 3 digits of a phone number are visible"):

- **Numbers** become a fixed-width mask plus the last 3 digits: ``+32475123456`` →
  ``+***456``, ``0475 12 34 56`` → ``***456``. The width never depends on the length,
  so the mask reveals neither the length nor the numbering plan; a leading ``+`` is
  kept because "international vs national format" is a classic fault a technician
  must see. Numbers of 3 digits or fewer (extensions, ``112``) show those digits.
- **URI user parts** are masked as numbers when they look like one, else reduced to
  their first letter: ``sip:alice@example.com`` → ``sip:a***@example.com``. A
  password (``user:pw@``) is dropped. URI headers (``?...``) become ``?***``.
- **Hosts** that are domain names are kept: they name the operator, not the person.
  IP-literal hosts keep their network part only: IPv4 ``192.168.*.*``, IPv6 the
  first two groups ``[2001:db8:*]`` (a /64 prefix can identify a subscriber).
- **Parameters** (URI and header) keep their value only when it is technical
  (``transport``, ``user``, ``tag``...); any other value becomes ``***``
  (``+sip.instance`` holds an IMEI, ``gr`` a device GRUU).
- **Display names** become their first letter and ``***`` (``"John Doe"``
  → ``"J***"``); a display name that is a number is masked as a number.

Every function is idempotent (masking masked text changes nothing) and never raises:
on an unexpected internal error it returns the full mask ``***``.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from urllib.parse import unquote

MASK = "***"
VISIBLE_DIGITS = 3

_URI_PARAMS_KEPT = frozenset(
    {"transport", "user", "lr", "ttl", "method", "ob", "phone-context", "npdi", "comp"}
)
_HEADER_PARAMS_KEPT = frozenset({"tag", "q", "expires", "reg-id", "cause", "reason"})

_TOKEN = re.compile(r"[\w\-.!%*+`'~:\[\]]*")
_HOSTNAME = re.compile(r"[A-Za-z0-9_\-.*]+|\[[0-9A-Fa-f:.*]+\]")
_PHONE_LIKE = re.compile(r"\+?[\d*#()\-. /]*\d[\d*#()\-. /]*")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]{0,15}):(.*)", re.S)


def _safe(fn: Callable[[str], str]) -> Callable[[str], str]:
    """Wrap a masking function so that it returns the full mask instead of raising."""

    def wrapper(value: str) -> str:
        try:
            return fn(value if isinstance(value, str) else str(value))
        except Exception:  # masking must never break the caller, and never leak
            return MASK

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


def _initial(text: str) -> str:
    """A name reduced to its first letter and the mask (a digit-only name: as a number)."""
    first = next((ch for ch in text if ch.isalpha()), "")
    if not first and any(ch.isdigit() for ch in text):
        return mask_number(text)
    return f"{first}{MASK}"


def _looks_like_number(text: str) -> bool:
    """True for digits with visual separators, an optional ``+`` and ``*``/``#``."""
    return bool(_PHONE_LIKE.fullmatch(text.strip()))


@_safe
def mask_number(digits: str) -> str:
    """``+32475123456`` → ``+***456``: fixed-width mask, last 3 digits, leading ``+`` kept.

    Every character other than digits and a leading ``+`` is dropped.
    """
    text = digits.strip()
    plus = "+" if text.startswith("+") else ""
    tail = "".join(ch for ch in text if ch.isdigit() and ch.isascii())[-VISIBLE_DIGITS:]
    return f"{plus}{MASK}{tail}"


@_safe
def mask_display_name(name: str) -> str:
    """``"John Doe"`` → ``"J***"`` (quotes kept when present); numbers as numbers."""
    text = name.strip()
    if not text:
        return ""
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        inner = mask_display_name(text[1:-1])
        return f'"{inner}"'
    if _looks_like_number(text):
        return mask_number(text)
    return _initial(text)


def _mask_host(host: str) -> str:
    """Keep a domain name; reduce an IP literal to its network part; hide anything else."""
    bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        address = ipaddress.ip_address(bare)
    except ValueError:
        return host if _HOSTNAME.fullmatch(host) else MASK
    if address.version == 4:
        a, b, _, _ = str(address).split(".")
        return f"{a}.{b}.*.*"
    groups = address.exploded.split(":")
    return f"[{int(groups[0], 16):x}:{int(groups[1], 16):x}:*]"


def _mask_params(params: str, kept: frozenset[str]) -> str:
    """``;name=value`` list: values of names outside ``kept``, or not tokens, become ``***``."""
    if not params:
        return ""
    out: list[str] = []
    for param in params.split(";")[1:]:
        name, sep, value = param.partition("=")
        key = name.strip().lower()
        if not _TOKEN.fullmatch(name.strip()):
            out.append(MASK)
        elif key == "maddr":
            out.append(f"{name}={_mask_host(value)}")
        elif not sep or (key in kept and _TOKEN.fullmatch(value.strip())):
            out.append(param)
        else:
            out.append(f"{name}={MASK}")
    return "".join(f";{p}" for p in out)


def _mask_user(user: str) -> str:
    """The user part of a URI: a number, or a name reduced to its first character."""
    user = user.split(":", 1)[0]  # drop a password
    main, semi, params = user.partition(";")
    decoded = unquote(main)
    if _looks_like_number(decoded):
        masked = mask_number(decoded)
    else:
        masked = _initial(decoded) if decoded else ""
    return masked + (_mask_params(semi + params, _URI_PARAMS_KEPT) if semi else "")


def _mask_hostport(hostport: str) -> str:
    """``host[:port][;params]`` with the host masked as :func:`_mask_host` says."""
    hp, semi, params = hostport.partition(";")
    if hp.startswith("["):
        end = hp.find("]")
        host, rest = (hp[: end + 1], hp[end + 1 :]) if end > 0 else (hp, "")
    else:
        host, colon, port = hp.partition(":")
        rest = colon + port
    if rest and not re.fullmatch(r":\d{1,5}", rest):
        rest = ""  # not a port: garbage, dropped
    tail = _mask_params(semi + params, _URI_PARAMS_KEPT) if semi else ""
    return _mask_host(host) + rest + tail


@_safe
def mask_uri(uri: str) -> str:
    """Mask one URI (``sip:``, ``sips:``, ``tel:``; bare ``user@host`` or number too)."""
    text = uri.strip()
    if not text:
        return ""
    match = _SCHEME.fullmatch(text)
    scheme, after = (match.group(1), match.group(2)) if match else ("", text)
    if scheme.lower() == "tel":
        number, semi, params = after.partition(";")
        tail = _mask_params(semi + params, _URI_PARAMS_KEPT) if semi else ""
        return f"{scheme}:{mask_number(number)}{tail}"
    if scheme.lower() in ("sip", "sips"):
        prefix, rest = scheme + ":", after
    elif scheme and not _looks_like_number(text):
        return f"{scheme}:{MASK}"  # other schemes (urn:, mailto:, http:): hide all
    else:
        prefix, rest = "", text
    rest, qmark, _headers = rest.partition("?")
    headers = f"?{MASK}" if qmark else ""
    user, at, hostport = rest.rpartition("@")
    if at:
        return f"{prefix}{_mask_user(user)}@{_mask_hostport(hostport)}{headers}"
    if prefix:
        return f"{prefix}{_mask_hostport(hostport)}{headers}"
    return _mask_user(hostport) + headers  # bare "alice" or "+3247...": a user part


_NAME_ADDR = re.compile(
    r'\s*(?P<name>"(?:[^"\\]|\\.)*"|[^"<]*?)\s*<(?P<uri>[^>]*)>(?P<params>.*)', re.S
)


def split_outside(value: str, sep: str) -> list[str]:
    """Split on ``sep`` outside double quotes and angle brackets (separators dropped)."""
    parts: list[str] = []
    depth, quoted, start, i = 0, False, 0, 0
    while i < len(value):
        ch = value[i]
        if quoted and ch == "\\":
            i += 2
            continue
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch == "<":
            depth += 1
        elif not quoted and ch == ">":
            depth = max(0, depth - 1)
        elif ch == sep and not quoted and depth == 0:
            parts.append(value[start:i])
            start = i + 1
        i += 1
    parts.append(value[start:])
    return parts


def _mask_one_party(element: str) -> str:
    """One name-addr or addr-spec with its header parameters."""
    match = _NAME_ADDR.fullmatch(element)
    lead = element[: len(element) - len(element.lstrip())]
    if match:
        name = mask_display_name(match.group("name"))
        uri = mask_uri(match.group("uri"))
        params = _mask_params(match.group("params").strip(), _HEADER_PARAMS_KEPT)
        return f"{lead}{name + ' ' if name else ''}<{uri}>{params}"
    uri, semi, params = element.strip().partition(";")
    tail = _mask_params(semi + params, _HEADER_PARAMS_KEPT) if semi else ""
    return f"{lead}{mask_uri(uri)}{tail}"


@_safe
def mask_party(header_value: str) -> str:
    """Mask a From/To/P-Asserted-Identity/Contact value, each comma-separated element."""
    return ",".join(_mask_one_party(e) for e in split_outside(header_value, ","))


_TEXT_PATTERN = re.compile(
    r"""
    (?P<nameaddr>
        (?:"(?:[^"\\\n]|\\.){0,200}"|(?:[^\W\d_][\w.'-]{0,40}[ \t]+){0,3})
        [ \t]*<(?:sips?|tel):[^<>\s]{0,500}>
    )
    | (?P<uri>(?<![\w.])(?:sips?|tel):[^\s<>"',]{1,500})
    | (?P<number>(?<![\w*+./:])\+?\d[\d \-./()]{5,24}\d(?![\w]|\.\d))
    """,
    re.X | re.I,
)
_PURE_RUN = re.compile(r"(?<![\d.])\d{7,15}(?!\d|\.\d)")
_IPV4_LIKE = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")


def _is_phone_number(candidate: str) -> bool:
    """Decide whether a digit run with separators found in free text is a phone number."""
    digits = sum(ch.isdigit() for ch in candidate)
    if _IPV4_LIKE.fullmatch(candidate):
        return False
    if candidate.startswith("+"):
        return 6 <= digits <= 17
    if candidate.isdigit():
        return 7 <= digits <= 15
    first_group = re.match(r"\d+", candidate)
    return (
        candidate.startswith("0")
        and first_group is not None
        and len(first_group.group()) >= 2
        and 8 <= digits <= 15
    )


def _replace(match: re.Match[str]) -> str:
    if match.group("nameaddr") is not None:
        return mask_party(match.group("nameaddr"))
    if match.group("uri") is not None:
        return mask_uri(match.group("uri"))
    candidate = match.group("number")
    if _is_phone_number(candidate):
        return mask_number(candidate)
    return _PURE_RUN.sub(lambda m: mask_number(m.group()), candidate)


@_safe
def mask_text(text: str) -> str:
    """Mask every phone number, ``sip:``/``sips:``/``tel:`` URI and ``Name <uri>`` in text.

    For logs, reason phrases and error messages. Numbers are: ``+`` and 6-17 digits,
    7-15 plain digits, or a national number (``0`` then groups separated by space,
    ``-``, ``.``, ``/``) of 8-15 digits. Dotted quads, decimals and runs of 16+
    digits (ns timestamps) are left alone. Unquoted names of up to 3 words just
    before ``<sip:`` are masked, erring on the side of masking a word too many.
    """
    return _TEXT_PATTERN.sub(_replace, text)
