"""Time for privacy decisions: an injectable clock and a persisted high-water mark.

Retention and policy expiry are judged against ``max(clock, mark)`` where the mark is
the latest wall-clock time ever seen on this installation (``state/time-mark.json``),
so setting the system clock back does not extend retention. Limit: deleting the mark
file resets it (it is a local file the user owns).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from callscope.core.privacy import files, paths

CLOCK_TOLERANCE = timedelta(minutes=10)
"""How far behind the mark the clock may be before it counts as an anomaly."""


class Clock(Protocol):
    """Anything with ``now() -> aware UTC datetime`` (tests inject a fixed one)."""

    def now(self) -> datetime: ...


class SystemClock:
    """The operating system's wall clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


def to_ms(t: datetime) -> int:
    """Milliseconds since the Unix epoch (``t`` must be timezone-aware)."""
    return (t - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)


def from_ms(ms: int) -> datetime:
    """Aware UTC datetime from milliseconds since the Unix epoch."""
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)


def iso_ms(t: datetime) -> str:
    """``2025-03-04T09:12:33.118Z``: UTC, millisecond precision."""
    t = t.astimezone(UTC)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> datetime:
    """Parse an ISO 8601 time with a zone (``Z`` or ``+hh:mm``); ValueError otherwise."""
    t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if t.tzinfo is None:
        raise ValueError(f"time {text!r} has no time zone")
    return t.astimezone(UTC)


@dataclass(frozen=True)
class TrustedTime:
    """The time to judge by and how far the clock was behind the mark."""

    now: datetime  # max(clock, mark)
    clock: datetime  # what the clock said
    behind: timedelta  # mark - clock when positive, else 0

    @property
    def anomaly(self) -> bool:
        """True when the clock is behind the mark by more than the tolerance."""
        return self.behind > CLOCK_TOLERANCE


def _mark_path() -> Path:
    return paths.state_dir() / "time-mark.json"


def read_mark() -> int:
    """The persisted high-water mark in ms since the epoch (0 when none or unreadable)."""
    try:
        value = json.loads(files.read_regular(_mark_path(), 4096))
        mark = value.get("max_seen_ms", 0) if isinstance(value, dict) else 0
        return mark if isinstance(mark, int) and not isinstance(mark, bool) else 0
    except (OSError, ValueError):
        return 0


def trusted_now(clock: Clock) -> TrustedTime:
    """Read the clock, raise the mark if the clock is ahead, and return both.

    The mark is written atomically; a failure to persist it is ignored (the returned
    time is still ``max(clock, mark)``), because refusing would not protect anything.
    """
    now = clock.now()
    mark_ms = read_mark()
    now_ms = to_ms(now)
    if now_ms > mark_ms:
        try:
            data = json.dumps({"max_seen_ms": now_ms}).encode()
            files.write_atomic(_mark_path(), data)
        except OSError:
            pass
        return TrustedTime(now=now, clock=now, behind=timedelta(0))
    mark = from_ms(mark_ms)
    return TrustedTime(now=max(mark, now), clock=now, behind=mark - now)


def monotonic_s() -> float:
    """Seconds of a clock that never goes back (second guard on grant expiry)."""
    return time.monotonic()
