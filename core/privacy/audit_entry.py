"""One audit-log entry: its fields, how free text is made safe, how it is checked.

An entry is one line of canonical JSON (see ``canonical.py``)::

    {"v":1,"log_id":<32 hex>,"seq":N,"ts":"2025-03-04T09:12:33.118Z","actor":"alice",
     "action":"PLAY_START","obj":{"capture":"sha256:…","streams":[2],"t":[12000,18000]},
     "case":"INC-88412","reason":"choppy UL 12-18s","prev":"sha256:…","tag":"hmac-sha256:…"}

``CHECKPOINT`` and ``LOG_CREATED`` entries also carry ``"sig":"ed25519:…"``. Free text
(actor, case, reason, and any ``obj`` string that is not a hash or an upper-case code)
goes through ``masking.mask_text``, loses raw line separators (U+2028/U+2029/U+0085
become ``\\n``, which JSON escapes) and is capped at 4 KiB with an explicit marker.
Entries therefore never hold payload bytes or unmasked numbers, and one entry is
always exactly one line.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Any

from callscope.core.privacy.masking import mask_text

VERSION = 1
MAX_TEXT_BYTES = 4096
MAX_LINE_BYTES = 64 * 1024
MAX_OBJ_ITEMS = 1000
ZERO_HASH = "sha256:" + "0" * 64

ACTIONS = frozenset(
    {
        "LOG_CREATED",
        "CHECKPOINT",
        "OPEN",
        "CONSENT_RECORDED",
        "CONSENT_GRANTED",
        "CONSENT_REFUSED",
        "GRANT_REVOKED",
        "PLAY_START",
        "PLAY_STOP",
        "SPECTROGRAM",
        "EXPORT",
        "EXPORT_SCRUBBED",
        "REVEAL",
        "PURGE",
        "POLICY_LOADED",
        "POLICY_REFUSED",
        "RETENTION_REFUSED",
        "CLOCK_ANOMALY",
    }
)
SIGNED_ACTIONS = frozenset({"LOG_CREATED", "CHECKPOINT"})
FIELDS = frozenset({"v", "log_id", "seq", "ts", "actor", "action", "obj", "case", "reason"})
CHAIN_FIELDS = frozenset({"prev", "tag", "sig"})

_HASHLIKE = re.compile(r"^(?:(?:sha256|hmac-sha256|ed25519|x25519):)?[0-9a-f]{32,512}$")
_CODE = re.compile(r"^(?:[A-Z][A-Z_]{0,39}|[a-z][a-z_]{0,31})$")
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
LOG_ID = re.compile(r"^[0-9a-f]{32}$")
HASH = re.compile(r"^sha256:[0-9a-f]{64}$")
TAG = re.compile(r"^hmac-sha256:[0-9a-f]{64}$")
SIG = re.compile(r"^ed25519:[0-9a-f]{128}$")
_SEPARATORS = str.maketrans({"\u2028": "\n", "\u2029": "\n", "\u0085": "\n"})


def sanitize_text(text: str) -> str:
    """Mask numbers/URIs, neutralise line separators, cap at 4 KiB of UTF-8."""
    original_chars = len(text)
    text = text[: MAX_TEXT_BYTES + 1]  # bound the work before masking a huge input
    text = text.encode("utf-8", "replace").decode("utf-8").translate(_SEPARATORS)
    text = mask_text(text)
    data = text.encode("utf-8")
    if len(data) <= MAX_TEXT_BYTES and original_chars <= MAX_TEXT_BYTES:
        return text
    marker = f" …[truncated: {original_chars} characters in total]"
    room = MAX_TEXT_BYTES - len(marker.encode("utf-8"))
    return data[:room].decode("utf-8", "ignore") + marker


def display_text(text: str) -> str:
    """Plain-text rendering: control, format and separator characters shown escaped.

    Used by ``audit show`` so a reason cannot move the cursor, fake a new line or
    reverse text direction on a terminal (HTML needs nothing: it is never interpreted).
    """
    out = []
    for ch in text:
        if ch == "\n":
            out.append("\\n")
        elif ch == "\\":
            out.append("\\\\")
        elif unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"):
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


def clean_obj(value: Any, depth: int = 0) -> Any:
    """A copy of an ``obj`` value safe to log: hashes and codes kept, other text masked."""
    if depth > 4:
        raise ValueError("audit object nested too deeply")
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, str):
        if _HASHLIKE.match(value) or _CODE.match(value) or _TS.match(value):
            return value
        return sanitize_text(value)
    if isinstance(value, (list, tuple)):
        if len(value) > MAX_OBJ_ITEMS:
            raise ValueError(f"audit object list longer than {MAX_OBJ_ITEMS} items")
        return [clean_obj(v, depth + 1) for v in value]
    if isinstance(value, dict):
        if len(value) > 64 or not all(isinstance(k, str) and _KEY.match(k) for k in value):
            raise ValueError("audit object keys must be short lower-case names")
        return {k: clean_obj(v, depth + 1) for k, v in value.items()}
    raise ValueError(f"{type(value).__name__} cannot be logged")


def line_hash(line: bytes) -> str:
    """``sha256:<hex>`` of one line's bytes without its newline."""
    return "sha256:" + hashlib.sha256(line).hexdigest()


def _opt_text(value: Any) -> bool:
    return value is None or (isinstance(value, str) and len(value.encode()) <= 2 * MAX_TEXT_BYTES)


def shape_error(entry: Any) -> str | None:
    """Why ``entry`` is not a well-formed entry (None when it is)."""
    if not isinstance(entry, dict):
        return "entry is not an object"
    keys = set(entry)
    if not FIELDS | {"prev", "tag"} <= keys or not keys <= FIELDS | CHAIN_FIELDS:
        return "entry fields are wrong"
    seq = entry["seq"]
    checks = (
        (type(entry["v"]) is int and entry["v"] == VERSION, "unknown entry version"),
        (isinstance(entry["log_id"], str) and LOG_ID.match(entry["log_id"]), "bad log_id"),
        (isinstance(seq, int) and not isinstance(seq, bool) and seq >= 0, "bad seq"),
        (isinstance(entry["ts"], str) and _TS.match(entry["ts"]), "bad timestamp"),
        (isinstance(entry["actor"], str) and _opt_text(entry["actor"]), "bad actor"),
        (entry["action"] in ACTIONS, "unknown action"),
        (isinstance(entry["obj"], dict), "obj is not an object"),
        (_opt_text(entry["case"]) and _opt_text(entry["reason"]), "bad case or reason"),
        (isinstance(entry["prev"], str) and HASH.match(entry["prev"]), "bad prev hash"),
        (isinstance(entry["tag"], str) and TAG.match(entry["tag"]), "bad tag"),
        (("sig" in entry) == (entry["action"] in SIGNED_ACTIONS), "signature misplaced"),
        (
            "sig" not in entry or bool(isinstance(entry["sig"], str) and SIG.match(entry["sig"])),
            "bad sig",
        ),
    )
    for ok, why in checks:
        if not ok:
            return why
    return None
