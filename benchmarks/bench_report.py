"""Benchmark figures, the issue's targets checked against them, and the Markdown report."""

from __future__ import annotations

import hashlib
import math
import os
import platform
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench_captures import size_label
from bench_process import Summary

MIB = 1 << 20
STREAMS = 50
"""Streams of the captures the targets name (the issue's "50 G.711 streams")."""


@dataclass(frozen=True)
class Figure:
    """One capture measured: CallScope end to end, its core in-process, tshark if present.

    ``sent`` is the generator's packet count (the size label); ``packets`` is what the
    file holds. Loads are 1-minute load averages before and after the measurement.
    """

    variant: str
    sent: int
    streams: int
    packets: int
    size_bytes: int
    callscope: Summary
    core_cpu_s: float
    core_thread_s: float  # CPU of the analysing thread alone (no SHA-256 thread)
    core_wall_s: float
    tshark: Summary | None
    tshark_truth: str  # "50/50" streams where tshark agreed with the truth, "" if not run
    load: tuple[float, float]

    @property
    def label(self) -> str:
        label = f"{self.variant} {size_label(self.sent)}"
        return label if self.streams == STREAMS else f"{label}, {self.streams:,} streams"

    @property
    def pps(self) -> float:
        """End-to-end packets per wall second (interpreter start included)."""
        return self.packets / self.callscope.wall_s

    @property
    def core_pps(self) -> float:
        """In-process packets per CPU second of analyze(): the one-core core throughput."""
        return self.packets / self.core_cpu_s

    @property
    def rss_per_packet(self) -> float:
        return self.callscope.maxrss_bytes / self.packets

    @property
    def time_ratio(self) -> float:
        """tshark wall / CallScope wall: how many times faster CallScope is."""
        return self.tshark.wall_s / self.callscope.wall_s if self.tshark else math.nan

    @property
    def rss_ratio(self) -> float:
        """CallScope peak RSS / tshark peak RSS (target ≤ 0.5)."""
        return self.callscope.maxrss_bytes / self.tshark.maxrss_bytes if self.tshark else math.nan


@dataclass(frozen=True)
class JobsFigure:
    """A folder of captures analysed with ``--jobs 1`` and with ``--jobs 2``."""

    captures: int
    sent_each: int
    packets: int  # in all files
    jobs1: Summary
    jobs2: Summary
    load: tuple[float, float]

    @property
    def speedup(self) -> float:
        return self.jobs1.wall_s / self.jobs2.wall_s


@dataclass(frozen=True)
class Target:
    """One target of issue 3 and whether the figures meet it."""

    name: str
    measured: str
    state: str  # "held", "FAILED" or "not measured"


def _find(figures: Sequence[Figure], variant: str, sent: int) -> Figure | None:
    """The figure of the targets' capture: ``variant``, ``sent`` packets, 50 streams."""
    return next((f for f in figures
                 if f.variant == variant and f.sent == sent and f.streams == STREAMS), None)


def _state(ok: bool) -> str:
    return "held" if ok else "FAILED"


def evaluate(figures: Sequence[Figure], jobs: JobsFigure | None) -> list[Target]:
    """The issue's targets; each is ``not measured`` unless its figures exist."""
    targets: list[Target] = []
    reg1m, reg10m = _find(figures, "regular", 1_000_000), _find(figures, "regular", 10_000_000)
    none = "not measured"
    if reg1m and reg1m.tshark:
        targets.append(Target("1M regular: ≥ 10× faster than tshark",
                              f"{reg1m.time_ratio:.1f}×", _state(reg1m.time_ratio >= 10)))
        targets.append(Target("1M regular: peak RSS ≤ 0.5 × tshark's",
                              f"{reg1m.rss_ratio:.2f}×", _state(reg1m.rss_ratio <= 0.5)))
    else:
        targets.append(Target("1M regular: ≥ 10× faster than tshark", "", none))
        targets.append(Target("1M regular: peak RSS ≤ 0.5 × tshark's", "", none))
    if reg1m:
        targets.append(Target("core, regular: ≥ 2 M pkt/s on one core",
                              f"{reg1m.core_pps / 1e6:.2f} M/s",
                              _state(reg1m.core_pps >= 2e6)))
    else:
        targets.append(Target("core, regular: ≥ 2 M pkt/s on one core", "", none))
    for variant in ("vlan", "gtpu"):
        fig = _find(figures, variant, 1_000_000)
        name = f"core, every frame {variant.upper()}: ≥ 0.5 M pkt/s"
        targets.append(Target(name, f"{fig.core_pps / 1e6:.2f} M/s", _state(fig.core_pps >= 5e5))
                       if fig else Target(name, "", none))
    ng = _find(figures, "pcapng", 1_000_000)
    name = "pcapng: core pkt/s within 25 % of pcap's"
    if ng and reg1m:
        rel = ng.core_pps / reg1m.core_pps
        targets.append(Target(name, f"{rel:.0%} of pcap", _state(rel >= 0.75)))
    else:
        targets.append(Target(name, "", none))
    if reg10m:
        rss = reg10m.callscope.maxrss_bytes
        targets.append(Target("10M: peak RSS < 1 GB", f"{rss / MIB:.0f} MiB",
                              _state(rss < 1_000_000_000)))
    else:
        targets.append(Target("10M: peak RSS < 1 GB", "", none))
    name = "10M: core pkt/s within 20 % of 1M's"
    if reg10m and reg1m:
        rel = reg10m.core_pps / reg1m.core_pps
        targets.append(Target(name, f"{rel:.0%} of 1M", _state(rel >= 0.8)))
    else:
        targets.append(Target(name, "", none))
    name = "20 × 100k, --jobs 2 vs --jobs 1: ≥ 1.7×"
    if jobs and jobs.captures == 20 and jobs.sent_each == 100_000:
        targets.append(Target(name, f"{jobs.speedup:.2f}×", _state(jobs.speedup >= 1.7)))
    else:
        targets.append(Target(name, "", none))
    return targets


def _first_line_with(path: str, key: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.lower().startswith(key):
                    return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def code_identity() -> str:
    """The measured code: git commit of the imported ``callscope.core`` and a digest of its files.

    The digest changes with any edit, committed or not, so a run can tell that the code
    changed under it (several people commit to the same checkout).
    """
    import callscope.core

    core = Path(callscope.core.__file__).resolve().parent
    digest = hashlib.sha256()
    for source in sorted(core.rglob("*.py")):
        digest.update(str(source.relative_to(core)).encode())
        digest.update(source.read_bytes())
    try:
        commit = subprocess.run(["git", "-C", str(core), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        commit = ""
    where = f"commit {commit}" if commit else f"files in {core}"
    return f"{where}, core files sha256 {digest.hexdigest()[:12]}"


def machine_info(tshark: str | None) -> list[tuple[str, str]]:
    """What the figures were measured on: CPU, cores, RAM, OS, versions, commit."""
    import dpkt
    import numpy

    from callscope.core import __version__

    cpu = _first_line_with("/proc/cpuinfo", "model name") or platform.processor() or "unknown"
    family, model = (_first_line_with("/proc/cpuinfo", k) for k in ("cpu family", "model\t"))
    if family and model:
        cpu += f" (family {family}, model {model})"
    flags = _first_line_with("/proc/cpuinfo", "flags") or ""
    if "hypervisor" in flags.split():
        cpu += ", virtual machine"
    mem = _first_line_with("/proc/meminfo", "memtotal")
    ram = f"{int(mem.split()[0]) / (1 << 20):.1f} GiB" if mem else "unknown"
    cores = str(os.cpu_count())
    if hasattr(os, "sched_getaffinity"):
        cores += f" ({len(os.sched_getaffinity(0))} usable)"
    return [("CPU", cpu), ("Cores", cores), ("RAM", ram), ("OS", platform.platform()),
            ("Python", platform.python_version()), ("numpy", numpy.__version__),
            ("dpkt", dpkt.__version__), ("CallScope", f"{__version__}, {code_identity()}"),
            ("tshark", tshark or "not installed")]


def _mib(n: int) -> str:
    return f"{n / MIB:.0f}"


def _opt(value: float, fmt: str) -> str:
    return "–" if math.isnan(value) else format(value, fmt)


def figures_table(figures: Sequence[Figure]) -> list[str]:
    """End-to-end and core figures, one row per capture."""
    rows = ["| Capture | Packets | File MB | CallScope wall s | CPU s | Peak RSS MiB "
            "| anon/file MiB | pkt/s (wall) | RSS B/pkt | Core pkt/s (CPU) "
            "| Core pkt/s (analysis thread) | Core pkt/s (wall) "
            "| tshark wall s | tshark RSS MiB | tshark ÷ CallScope time | CallScope ÷ tshark RSS "
            "| tshark truth | Load | Others' CPU |",
            "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for f in figures:
        c, t = f.callscope, f.tshark
        rows.append(
            f"| {f.label} | {f.packets:,} | {f.size_bytes / 1e6:,.0f} | {c.wall_s:.2f} "
            f"| {c.cpu_s:.2f} | {_mib(c.maxrss_bytes)} "
            f"| {_mib(c.anon_bytes)}/{_mib(c.file_bytes)} | {f.pps / 1e6:.2f} M "
            f"| {f.rss_per_packet:,.0f} | {f.core_pps / 1e6:.2f} M "
            f"| {f.packets / f.core_thread_s / 1e6:.2f} M "
            f"| {f.packets / f.core_wall_s / 1e6:.2f} M "
            f"| {f'{t.wall_s:.2f}' if t else '–'} | {_mib(t.maxrss_bytes) if t else '–'} "
            f"| {_opt(f.time_ratio, '.1f')}{'×' if t else ''} | {_opt(f.rss_ratio, '.2f')} "
            f"| {f.tshark_truth or '–'} | {f.load[0]:.1f}–{f.load[1]:.1f} "
            f"| {_opt(100 * c.others_share, '.0f')} % |")
    return rows


def jobs_table(jobs: JobsFigure) -> list[str]:
    """``--jobs 1`` against ``--jobs 2`` over one folder."""
    head = f"{jobs.captures} × {size_label(jobs.sent_each)}"
    rows = ["| Captures | Packets | --jobs 1 wall s | --jobs 2 wall s | Speed-up "
            "| --jobs 2 CPU s | --jobs 2 peak RSS MiB | Load | Others' CPU (1 / 2) |",
            "|---|--:|--:|--:|--:|--:|--:|--:|--:|"]
    rows.append(f"| {head} | {jobs.packets:,} | {jobs.jobs1.wall_s:.2f} "
                f"| {jobs.jobs2.wall_s:.2f} | {jobs.speedup:.2f}× | {jobs.jobs2.cpu_s:.2f} "
                f"| {_mib(jobs.jobs2.maxrss_bytes)} | {jobs.load[0]:.1f}–{jobs.load[1]:.1f} "
                f"| {_opt(100 * jobs.jobs1.others_share, '.0f')} % / "
                f"{_opt(100 * jobs.jobs2.others_share, '.0f')} % |")
    return rows


def targets_table(targets: Sequence[Target]) -> list[str]:
    rows = ["| Target | Measured | State |", "|---|--:|---|"]
    rows += [f"| {t.name} | {t.measured or '–'} | {t.state} |" for t in targets]
    return rows


def markdown(figures: Sequence[Figure], jobs: JobsFigure | None, targets: Sequence[Target],
             machine: Sequence[tuple[str, str]], command: str, truth_line: str,
             runs: int, profile: str = "") -> str:
    """The whole report, ready to paste into the README."""
    plural = "s" if runs != 1 else ""
    lines = ["## Benchmark", "", f"Measured with `{command}` ({runs} run{plural} each, median; "
             "CallScope and tshark alternate run by run).", ""]
    lines += ["| Machine | |", "|---|---|"] + [f"| {k} | {v} |" for k, v in machine] + [""]
    if figures:
        lines += [*figures_table(figures), ""]
    if jobs:
        lines += [*jobs_table(jobs), ""]
    if targets:
        lines += [*targets_table(targets), ""]
    lines += [
        f"{truth_line}.", "",
        "Wall and CPU time (user + system) and peak RSS are the operating system's figures "
        "for the `callscope analyze --format json` process (os.wait4), interpreter start "
        "included; anon/file splits it into anonymous memory and mapped file pages "
        "(highest values sampled from /proc every 10 ms). Core pkt/s times "
        "`callscope.core.analysis.analyze(path, series=False)` (what `callscope analyze` "
        "runs) inside one process "
        "with `time.process_time` (CPU seconds of all its threads, the SHA-256 thread "
        "included: the one-core figure the target is judged on), with `time.thread_time` "
        "(the analysing thread alone, the file's SHA-256 running beside it on another "
        "thread) and with the wall clock, imports excluded. Load is the 1-minute load average "
        "before–after each measurement; Others' CPU is the share of all cores that other "
        "processes used during CallScope's runs (/proc/stat): the machine is shared.", ""]
    if profile:
        lines += ["### Profile (cProfile, in-process analyze)", "", "```", profile.rstrip(),
                  "```", ""]
    return "\n".join(lines)


def write_results(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
