"""Core throughput: time ``callscope.core.analysis.analyze`` inside one Python process.

    python benchmarks/bench_inproc.py CAPTURE --runs 3 [--profile 15]

Interpreter start and imports are excluded. Prints one JSON object: per run the CPU
seconds (``time.process_time``, all threads of this process; ``time.thread_time``, the
analysing thread alone, without the SHA-256 thread) and wall seconds, and the
per-stream counts (SSRC, packets, lost) for the ground-truth check; with ``--profile N``
also cProfile's top N functions by cumulative and by own time, as text.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import pstats
import sys
import time
from typing import Any

from callscope.core.cli.main import numpy_runtime_defaults

numpy_runtime_defaults()  # as the callscope command does, before numpy is imported

from callscope.core.analysis import analyze  # noqa: E402
from callscope.core.errors import CallScopeError  # noqa: E402
from callscope.core.report.records import result_record  # noqa: E402


def timed_run(path: str) -> dict[str, Any]:
    """Analyse ``path`` once; CPU and wall seconds and the streams' counts."""
    gc.collect()
    cpu0, thread0, wall0 = time.process_time(), time.thread_time(), time.perf_counter()
    result = analyze(path, series=False)  # what `callscope analyze` runs
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    thread = time.thread_time() - thread0  # the analysis alone: no SHA-256 thread
    record = result_record(result)
    streams = [{"ssrc": s["ssrc"], "packets": s["packets"], "lost": s["lost"]}
               for s in record["streams"]]
    return {"cpu_s": cpu, "thread_cpu_s": thread, "wall_s": wall,
            "packets": result.capture.packets,
            "streams": streams}


def profile_text(path: str, top: int) -> str:
    """cProfile of one analyze(path): top functions by cumulative, then by own time."""
    profiler = cProfile.Profile()
    profiler.enable()
    analyze(path, series=False)
    profiler.disable()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text).strip_dirs()
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return text.getvalue()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("capture")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--profile", type=int, default=0, metavar="N",
                   help="also profile one run and report the top N functions")
    args = p.parse_args(argv)
    try:
        doc: dict[str, Any] = {"capture": args.capture,
                               "runs": [timed_run(args.capture) for _ in range(args.runs)]}
        if args.profile:
            doc["profile"] = profile_text(args.capture, args.profile)
    except CallScopeError as exc:
        print(f"bench_inproc: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(doc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
