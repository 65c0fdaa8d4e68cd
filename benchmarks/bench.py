"""Benchmark ``callscope analyze`` against tshark on synthetic captures with ground truth.

    python benchmarks/bench.py [--quick] [--full] [--sizes 100k,1M,10M] [--runs 3]
                               [--out DIR] [--no-tshark] [--profile]

Generates reproducible captures (reused while their parameters match) into --out, then:
a size sweep of regular Ethernet/IPv4/UDP pcaps; pcapng, VLAN and GTP-U variants of the
same packets; and a folder of captures with ``--jobs 1`` against ``--jobs 2``. Every run's
per-stream counts are checked against the ground truth: a mismatch is printed loudly and
the script exits 1. Ends with a Markdown table, also written to DIR/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import math
import shlex
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bench_captures import Capture, CaptureSpec, ensure_capture, ensure_folder, parse_size
from bench_process import (
    RunStats,
    Summary,
    callscope_command,
    compile_bytecode,
    load_average,
    run_measured,
    tshark_command,
    tshark_path,
    tshark_version,
    warm_cache,
)
from bench_report import (
    Figure,
    JobsFigure,
    code_identity,
    evaluate,
    machine_info,
    markdown,
    write_results,
)
from bench_truth import (
    TruthCheck,
    TruthTally,
    check_callscope_json,
    check_callscope_lines,
    compare,
    tshark_streams,
)

HERE = Path(__file__).resolve().parent
VARIANTS = ("pcapng", "vlan", "gtpu")
PROFILE_TOP = 15


@dataclass(frozen=True)
class Plan:
    """What to measure, from the command line."""

    sizes: list[int]
    variant_size: int
    streams: int
    trunk_streams: int
    runs: int
    many: int
    many_size: int
    base: CaptureSpec


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true",
                   help="tiny sizes, 1 run: checks the script works (CI), measures nothing")
    p.add_argument("--full", action="store_true", help="add 10M packets to the sweep (~2.3 GB)")
    p.add_argument("--sizes", help="packets sent per sweep capture (default 100k,1M)")
    p.add_argument("--variant-size", help="packets of the pcapng/VLAN/GTP-U captures (1M)")
    p.add_argument("--runs", type=int, help="timed runs per measurement (default 3)")
    p.add_argument("--streams", type=int, help="RTP streams per capture (default 50)")
    p.add_argument("--many", type=int, help="captures in the --jobs folder (default 20)")
    p.add_argument("--many-size", help="packets per --jobs capture (default 100k)")
    p.add_argument("--no-many", action="store_true", help="skip the --jobs measurement")
    p.add_argument("--no-variants", action="store_true",
                   help="skip pcapng/VLAN/GTP-U and the many-streams capture")
    p.add_argument("--trunk-streams", type=int,
                   help="streams of the many-streams capture, same packets (default 2000)")
    p.add_argument("--codec", default="pcmu", choices=["pcmu", "pcma", "g722", "amr-wb"])
    p.add_argument("--loss", type=float, default=0.01)
    p.add_argument("--jitter-ms", type=float, default=2.0)
    p.add_argument("--reorder", type=float, default=0.001)
    p.add_argument("--duplicates", type=float, default=0.001)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", type=Path, default=HERE / "out",
                   help="captures and RESULTS.md (default benchmarks/out/)")
    p.add_argument("--no-tshark", action="store_true", help="do not run tshark")
    p.add_argument("--profile", action="store_true",
                   help=f"cProfile one in-process analyze of the variant-size regular capture "
                        f"(top {PROFILE_TOP} functions)")
    return p


def make_plan(args: argparse.Namespace) -> Plan:
    quick = args.quick
    sizes = [parse_size(s) for s in args.sizes.split(",")] if args.sizes else (
        [2_000] if quick else [100_000, 1_000_000])
    if args.full and 10_000_000 not in sizes:
        sizes.append(10_000_000)
    variant_size = parse_size(args.variant_size) if args.variant_size else (
        2_000 if quick else 1_000_000)
    streams = args.streams or (4 if quick else 50)
    base = CaptureSpec(packets=variant_size, streams=streams, codec=args.codec, loss=args.loss,
                       jitter_ms=args.jitter_ms, reorder=args.reorder,
                       duplicates=args.duplicates, seed=args.seed)
    return Plan(
        sizes=sorted(set(sizes)), variant_size=variant_size, streams=streams,
        trunk_streams=args.trunk_streams or (40 if quick else 2_000),
        runs=args.runs or (1 if quick else 3),
        many=0 if args.no_many else (args.many or (2 if quick else 20)),
        many_size=parse_size(args.many_size) if args.many_size else (2_000 if quick else 100_000),
        base=base)


class Bench:
    """Runs the measurements; keeps the figures and the truth tally."""

    def __init__(self, out: Path, runs: int, tshark: str | None) -> None:
        self.out, self.runs, self.tshark = out, runs, tshark
        self.callscope = callscope_command()
        self.tally = TruthTally()
        self.profile = ""

    def _callscope_run(self, capture: Capture, what: str) -> RunStats | None:
        run = run_measured([*self.callscope, "analyze", "--format", "json", str(capture.path)])
        if run.returncode != 0:
            self.tally.fail(what, f"exit {run.returncode}: {run.stderr.strip()[-500:]}")
            return None
        self.tally.add(what, check_callscope_json(run.stdout, capture.truth))
        return run

    def _tshark_run(self, capture: Capture) -> tuple[RunStats, TruthCheck] | None:
        assert self.tshark is not None
        run = run_measured(tshark_command(self.tshark, capture.path, capture.decode_as))
        if run.returncode != 0:
            print(f"    tshark exit {run.returncode}: {run.stderr.strip()[-300:]}")
            return None
        return run, compare(tshark_streams(run.stdout), capture.truth)

    def _core(self, capture: Capture, label: str, profile: bool
              ) -> tuple[float, float, float]:
        """Median CPU (all threads), CPU (analysing thread) and wall seconds of in-process
        analyze(); checks each run's counts."""
        cmd = [sys.executable, str(HERE / "bench_inproc.py"), str(capture.path),
               "--runs", str(self.runs)]
        if profile:
            cmd += ["--profile", str(PROFILE_TOP)]
        run = run_measured(cmd)
        if run.returncode != 0:
            self.tally.fail(f"{label} in-process", run.stderr.strip()[-500:])
            return math.nan, math.nan, math.nan
        doc: dict[str, Any] = json.loads(run.stdout)
        for i, r in enumerate(doc["runs"], 1):
            found = [(int(s["ssrc"], 16), (s["packets"], s["lost"])) for s in r["streams"]]
            self.tally.add(f"{label} in-process run {i}", compare(found, capture.truth))
        self.profile = doc.get("profile", self.profile)
        cpu = sorted(r["cpu_s"] for r in doc["runs"])
        thread = sorted(r["thread_cpu_s"] for r in doc["runs"])
        wall = sorted(r["wall_s"] for r in doc["runs"])
        return _median(cpu), _median(thread), _median(wall)

    def measure(self, capture: Capture, profile: bool = False) -> Figure | None:
        """CallScope and tshark alternately, ``runs`` times each, then the core in-process."""
        spec = capture.spec
        label = f"{spec.variant} {capture.path.name}"
        print(f"  {label}: {capture.packets:,} packets, {capture.size_bytes / 1e6:,.0f} MB"
              f"{' (reused)' if capture.reused else ''}", flush=True)
        warm_cache(capture.path)
        load0 = load_average()
        ours: list[RunStats] = []
        theirs: list[RunStats] = []
        agreed: list[TruthCheck] = []
        for i in range(1, self.runs + 1):
            run = self._callscope_run(capture, f"{label} run {i}")
            if run is not None:
                ours.append(run)
            if self.tshark:
                got = self._tshark_run(capture)
                if got:
                    theirs.append(got[0])
                    agreed.append(got[1])
        core_cpu, core_thread, core_wall = self._core(capture, label, profile)
        load = (load0, load_average())
        if not ours:
            return None
        fig = Figure(
            variant=spec.variant, sent=spec.packets, streams=spec.streams,
            packets=capture.packets,
            size_bytes=capture.size_bytes, callscope=Summary.of(ours), core_cpu_s=core_cpu,
            core_thread_s=core_thread, core_wall_s=core_wall,
            tshark=Summary.of(theirs) if theirs else None,
            tshark_truth=f"{min(c.ok for c in agreed)}/{agreed[0].total}" if agreed else "",
            load=load)
        _print_figure(fig)
        return fig

    def measure_jobs(self, captures: list[Capture], folder: Path, sent_each: int
                     ) -> JobsFigure | None:
        """``analyze --jobs 1`` and ``--jobs 2`` over ``folder``, alternating."""
        truths = {c.path.name: c.truth for c in captures}
        for c in captures:
            warm_cache(c.path)
        load0 = load_average()
        timed: dict[int, list[RunStats]] = {1: [], 2: []}
        for i in range(1, self.runs + 1):
            for jobs in (1, 2):
                what = f"--jobs {jobs} run {i}"
                run = run_measured([*self.callscope, "analyze", "--format", "json",
                                    "--jobs", str(jobs), str(folder)])
                if run.returncode != 0:
                    self.tally.fail(what, f"exit {run.returncode}: {run.stderr.strip()[-500:]}")
                    continue
                for name, check in sorted(check_callscope_lines(run.stdout, truths).items()):
                    self.tally.add(f"{what} {name}", check)
                timed[jobs].append(run)
        if not (timed[1] and timed[2]):
            return None
        fig = JobsFigure(len(captures), sent_each, sum(c.packets for c in captures),
                         Summary.of(timed[1]), Summary.of(timed[2]), (load0, load_average()))
        print(f"    --jobs 1 {fig.jobs1.wall_s:.2f} s ({_runs(fig.jobs1)}), --jobs 2 "
              f"{fig.jobs2.wall_s:.2f} s ({_runs(fig.jobs2)}): "
              f"speed-up {fig.speedup:.2f}× (load {fig.load[0]:.1f}–{fig.load[1]:.1f}, "
              f"others' CPU {100 * fig.jobs1.others_share:.0f} % / "
              f"{100 * fig.jobs2.others_share:.0f} %)", flush=True)
        return fig


def _median(values: list[float]) -> float:
    n = len(values)
    return (values[n // 2] + values[(n - 1) // 2]) / 2 if n else math.nan


def _runs(summary: Summary) -> str:
    return "/".join(f"{w:.2f}" for w in summary.walls)


def _print_figure(f: Figure) -> None:
    c = f.callscope
    text = (f"    callscope {c.wall_s:.2f} s wall ({_runs(c)}), {c.cpu_s:.2f} s CPU, "
            f"{c.maxrss_bytes / (1 << 20):.0f} MiB peak ({f.rss_per_packet:,.0f} B/pkt; "
            f"anon {c.anon_bytes / (1 << 20):.0f}, file {c.file_bytes / (1 << 20):.0f} MiB), "
            f"{f.pps / 1e6:.2f} M pkt/s; core {f.core_pps / 1e6:.2f} M pkt/s CPU "
            f"({f.packets / f.core_thread_s / 1e6:.2f} M analysis thread), "
            f"{f.packets / f.core_wall_s / 1e6:.2f} M wall")
    if f.tshark:
        text += (f" | tshark {f.tshark.wall_s:.2f} s ({_runs(f.tshark)}), "
                 f"{f.tshark.maxrss_bytes / (1 << 20):.0f} MiB: {f.time_ratio:.1f}× faster, "
                 f"RSS {f.rss_ratio:.2f}× "
                 f"(tshark truth {f.tshark_truth})")
    print(f"{text} | load {f.load[0]:.1f}–{f.load[1]:.1f}, others' CPU "
          f"{100 * c.others_share:.0f} %", flush=True)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        plan = make_plan(args)
    except ValueError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    tshark = None if args.no_tshark else tshark_path()
    out: Path = args.out
    code_before = code_identity()
    if not compile_bytecode():
        print("bench: some callscope modules did not compile", file=sys.stderr)
        return 1
    bench = Bench(out, plan.runs, tshark)
    print(f"callscope: {shlex.join(bench.callscope)}; tshark: {tshark or 'not used'}; "
          f"{plan.runs} run(s) each; captures in {out}", flush=True)
    figures: list[Figure] = []
    print("size sweep (regular Ethernet/IPv4/UDP pcap):", flush=True)
    for size in plan.sizes:
        cap = ensure_capture(replace(plan.base, packets=size), out)
        fig = bench.measure(cap, profile=args.profile and size == plan.variant_size)
        figures.extend([fig] if fig else [])
    if not args.no_variants:
        print("variants (same packets):", flush=True)
        if plan.variant_size not in plan.sizes:
            cap = ensure_capture(plan.base, out)
            fig = bench.measure(cap, profile=args.profile)
            figures.extend([fig] if fig else [])
        for variant in VARIANTS:
            fig = bench.measure(ensure_capture(plan.base.with_variant(variant), out))
            figures.extend([fig] if fig else [])
        print("many streams (same packets, shorter calls, as on a trunk):", flush=True)
        fig = bench.measure(ensure_capture(replace(plan.base, streams=plan.trunk_streams), out))
        figures.extend([fig] if fig else [])
    jobs = None
    if plan.many:
        folder = out / f"many-{plan.many}x{plan.many_size}-{plan.streams}s"
        print(f"many captures: {plan.many} × {plan.many_size:,} packets in {folder}", flush=True)
        captures = ensure_folder(replace(plan.base, packets=plan.many_size), folder, plan.many)
        jobs = bench.measure_jobs(captures, folder, plan.many_size)
    targets = [] if args.quick else evaluate(figures, jobs)
    command = shlex.join(["python", "benchmarks/bench.py", *sys.argv[1:]]) if argv is None \
        else shlex.join(["python", "benchmarks/bench.py", *argv])
    machine = machine_info(tshark_version(tshark) if tshark else None)
    code_after = code_identity()
    if code_after != code_before:
        warning = (f"!!! The code changed during the run ({code_before} → {code_after}): "
                   "the figures mix versions; run again.")
        print(warning, flush=True)
        machine.append(("Warning", warning.lstrip("! ")))
    text = markdown(figures, jobs, targets, machine, command, bench.tally.line(), plan.runs,
                    bench.profile)
    print()
    print(text)
    if args.quick:
        print("targets: not evaluated in --quick mode")
    write_results(out / "RESULTS.md", text)
    print(f"written to {out / 'RESULTS.md'}")
    print(bench.tally.line())
    if not bench.tally.passed:
        print("!!! GROUND-TRUTH CHECK FAILED: these figures do not count:", file=sys.stderr)
        for failure in bench.tally.failures:
            print(f"!!!   {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
