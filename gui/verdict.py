"""Per-stream verdict (good / warning / bad) from user-changeable thresholds.

Presentation policy only: it compares the core's Wireshark-compatible figures
(lost %, max jitter ms, max delta ms) with two limits each; nothing is recomputed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from enum import Enum, IntEnum

from callscope.core.model import StreamStats


class Verdict(IntEnum):
    """How a stream looks to a technician; ordered so that max() is the worst."""

    GOOD = 0
    WARN = 1
    BAD = 2


class Reason(Enum):
    """Which figure pushed a stream out of GOOD."""

    LOSS = "loss"
    JITTER = "jitter"
    DELTA = "delta"


@dataclass(frozen=True)
class Thresholds:
    """Warning and bad limits; a figure strictly above a limit reaches that level.

    Defaults: 1 % / 3 % loss is where G.711 without concealment becomes audible /
    annoying (ITU-T G.113 Appendix I); 30 / 60 ms jitter exceeds typical fixed
    jitter buffers; 80 / 200 ms max delta is 4 / 10 missing 20 ms packets in a row.
    """

    lost_percent_warn: float = 1.0
    lost_percent_bad: float = 3.0
    max_jitter_ms_warn: float = 30.0
    max_jitter_ms_bad: float = 60.0
    max_delta_ms_warn: float = 80.0
    max_delta_ms_bad: float = 200.0

    def valid(self) -> bool:
        """True when every limit is a non-negative number and warn <= bad."""
        values = [getattr(self, f.name) for f in fields(self)]
        if not all(math.isfinite(v) and v >= 0 for v in values):
            return False
        return (
            self.lost_percent_warn <= self.lost_percent_bad
            and self.max_jitter_ms_warn <= self.max_jitter_ms_bad
            and self.max_delta_ms_warn <= self.max_delta_ms_bad
        )


@dataclass(frozen=True)
class StreamVerdict:
    """The level and the figures responsible for it (empty when GOOD)."""

    level: Verdict
    reasons: tuple[Reason, ...]


def _level(value: float, warn: float, bad: float) -> Verdict:
    # NaN (no clock rate, no jitter) compares False: it never raises the level.
    if value > bad:
        return Verdict.BAD
    if value > warn:
        return Verdict.WARN
    return Verdict.GOOD


def judge(stats: StreamStats, limits: Thresholds) -> StreamVerdict:
    """Verdict of one stream: the worst level reached by loss, jitter or delta."""
    levels = {
        Reason.LOSS: _level(stats.lost_percent, limits.lost_percent_warn, limits.lost_percent_bad),
        Reason.JITTER: _level(
            stats.max_jitter_ms, limits.max_jitter_ms_warn, limits.max_jitter_ms_bad
        ),
        Reason.DELTA: _level(
            stats.max_delta_ms, limits.max_delta_ms_warn, limits.max_delta_ms_bad
        ),
    }
    worst = max(levels.values())
    if worst == Verdict.GOOD:
        return StreamVerdict(Verdict.GOOD, ())
    return StreamVerdict(worst, tuple(r for r, lv in levels.items() if lv == worst))
