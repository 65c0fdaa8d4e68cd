"""Compare an analyser's per-stream counts with the synthetic ground truth, by SSRC.

Counts follow Wireshark's RTP Streams: ``packets`` received (duplicates included) and
``lost`` = expected - received. A stream missing, split in two, or found where the
truth has none is a mismatch too: a fast wrong answer must never count.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Counts = tuple[int, int]  # (packets, lost)

_TSHARK_ROW = re.compile(r"\s(0x[0-9A-Fa-f]{1,8})\s+(\S+)\s+(\d+)\s+(-?\d+)\s+\(")


@dataclass(frozen=True)
class TruthCheck:
    """The outcome of one run's check: streams OK out of the truth's, and what differed."""

    ok: int
    total: int
    problems: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return not self.problems and self.ok == self.total


def truth_counts(truth: Mapping[str, Any]) -> dict[int, Counts]:
    """SSRC → (received, lost) from a ``*.truth.json`` document."""
    return {int(s["ssrc"]): (int(s["received"]), int(s["lost"])) for s in truth["streams"]}


def compare(found: Iterable[tuple[int, Counts]], truth: Mapping[str, Any]) -> TruthCheck:
    """Check (ssrc, (packets, lost)) pairs an analyser reported against the truth."""
    expected = truth_counts(truth)
    seen: dict[int, list[Counts]] = defaultdict(list)
    for ssrc, counts in found:
        seen[ssrc].append(counts)
    problems: list[str] = []
    ok = 0
    for ssrc, want in sorted(expected.items()):
        got = seen.get(ssrc, [])
        if not got:
            problems.append(f"SSRC 0x{ssrc:08x}: not found (truth packets={want[0]}, "
                            f"lost={want[1]})")
        elif len(got) > 1:
            problems.append(f"SSRC 0x{ssrc:08x}: split into {len(got)} streams {got}")
        elif got[0] != want:
            problems.append(f"SSRC 0x{ssrc:08x}: packets={got[0][0]} lost={got[0][1]}, "
                            f"truth packets={want[0]} lost={want[1]}")
        else:
            ok += 1
    for ssrc in sorted(set(seen) - set(expected)):
        problems.append(f"SSRC 0x{ssrc:08x}: reported but not in the capture's truth")
    return TruthCheck(ok, len(expected), tuple(problems))


def callscope_streams(record: Mapping[str, Any]) -> list[tuple[int, Counts]]:
    """(ssrc, (packets, lost)) of every stream in one ``callscope analyze`` JSON record."""
    return [(int(s["ssrc"], 16), (int(s["packets"]), int(s["lost"])))
            for s in record["streams"]]


def check_callscope_json(stdout: str, truth: Mapping[str, Any]) -> TruthCheck:
    """Check the JSON of one capture (``callscope analyze --format json``)."""
    try:
        record = json.loads(stdout)
        found = callscope_streams(record)
    except (ValueError, KeyError, TypeError) as exc:
        return TruthCheck(0, len(truth["streams"]), (f"unreadable JSON output: {exc}",))
    return compare(found, truth)


def check_callscope_lines(stdout: str, truths: Mapping[str, Mapping[str, Any]]
                          ) -> dict[str, TruthCheck]:
    """Check JSON Lines of many captures; ``truths`` maps a capture's file name to its truth.

    A capture without an output line gets a failed check.
    """
    checks: dict[str, TruthCheck] = {}
    for line in stdout.splitlines():
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            name = Path(record["capture"]["path"]).name
        except (ValueError, KeyError, TypeError) as exc:
            checks[f"<line {len(checks) + 1}>"] = TruthCheck(0, 0, (f"unreadable: {exc}",))
            continue
        if name not in truths:
            checks[name] = TruthCheck(0, 0, (f"output for unknown capture {name}",))
            continue
        checks[name] = compare(callscope_streams(record), truths[name])
    for name, truth in truths.items():
        if name not in checks:
            checks[name] = TruthCheck(0, len(truth["streams"]), ("no output for this capture",))
    return checks


def tshark_streams(stdout: str) -> list[tuple[int, Counts]]:
    """(ssrc, (packets, lost)) of every row of tshark's ``-z rtp,streams`` table."""
    return [(int(m.group(1), 16), (int(m.group(3)), int(m.group(4))))
            for m in map(_TSHARK_ROW.search, stdout.splitlines()) if m is not None]


@dataclass
class TruthTally:
    """Every check of a benchmark run: the totals and the loud failures."""

    ok: int = 0
    total: int = 0
    runs: int = 0
    failures: list[str] = field(default_factory=list)

    def add(self, what: str, check: TruthCheck) -> TruthCheck:
        """Record ``check`` of run ``what``; print every problem loudly."""
        self.runs += 1
        self.ok += check.ok
        self.total += check.total
        if not check.passed:
            head = f"TRUTH MISMATCH in {what}: {check.ok}/{check.total} streams OK"
            self.failures.append(head)
            print(f"!!! {head}", flush=True)
            for problem in check.problems[:20]:
                print(f"!!!     {problem}", flush=True)
            if len(check.problems) > 20:
                print(f"!!!     ... and {len(check.problems) - 20} more", flush=True)
        return check

    def fail(self, what: str, reason: str) -> None:
        """Record a run that produced no answer to check (crash, non-zero exit)."""
        self.runs += 1
        self.failures.append(f"{what}: {reason}")
        print(f"!!! FAILED {what}: {reason}", flush=True)

    @property
    def passed(self) -> bool:
        return not self.failures and self.ok == self.total and self.runs > 0

    def line(self) -> str:
        """``truth check: N/N streams OK in R runs`` (or the failure count)."""
        state = "" if self.passed else f", {len(self.failures)} FAILED runs"
        return f"truth check: {self.ok}/{self.total} streams OK in {self.runs} runs{state}"
