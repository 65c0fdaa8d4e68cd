"""A grant: the in-memory permission to reach one capture's content for a while.

Scoped to a capture hash, stream ids and actions, issued to one technician, with an
expiry (wall clock and a monotonic deadline, whichever comes first). It cannot be
serialised (pickle/copy raise), and a grant only counts when it is the very object the
issuing ``ContentGate`` holds in its table and its HMAC under that gate's process-random
key still matches: a grant from another process, another gate, or rebuilt by hand is
worthless.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NoReturn

from callscope.core.privacy.canonical import canonical_bytes
from callscope.core.privacy.clock import iso_ms

ACTIONS = frozenset({"listen", "spectrogram", "export_audio", "reveal"})
"""What a grant may allow: play audio, show a fine spectrogram, export audio, reveal
unmasked numbers."""


@dataclass(frozen=True, eq=False)
class Grant:
    """Permission issued by ``ContentGate.request``; check it with ``authorize``."""

    grant_id: str  # random, 32 hex digits; logged so entries can be correlated
    capture_sha256: str
    stream_ids: frozenset[int]
    actions: frozenset[str]
    actor: str
    case_ref: str
    purpose: str
    expires_at: datetime
    deadline_monotonic: float = field(repr=False)
    mac: bytes = field(repr=False)

    def __reduce__(self) -> NoReturn:
        raise TypeError("a grant cannot be serialised or copied")

    def __copy__(self) -> NoReturn:
        raise TypeError("a grant cannot be copied")

    def __deepcopy__(self, memo: Any) -> NoReturn:
        raise TypeError("a grant cannot be copied")

    def describe(self) -> str:
        """One line for the UI: what it allows, until when."""
        return (
            f"{', '.join(sorted(self.actions))} on streams "
            f"{', '.join(map(str, sorted(self.stream_ids)))} until {iso_ms(self.expires_at)}"
        )


def grant_mac(
    key: bytes,
    grant_id: str,
    capture: str,
    streams: frozenset[int],
    actions: frozenset[str],
    actor: str,
    expires_at: datetime,
) -> bytes:
    """HMAC-SHA256 binding a grant's scope to the issuing gate's key."""
    body = canonical_bytes(
        [grant_id, capture, sorted(streams), sorted(actions), actor, iso_ms(expires_at)]
    )
    return hmac.new(key, body, hashlib.sha256).digest()
