"""Time a command as a separate process: wall time, CPU time and peak RSS from the OS.

CPU time and peak RSS come from ``os.wait4``: the kernel's own accounting of the
child (and of any grandchildren it waited for, such as a process pool's workers).
"""

from __future__ import annotations

import math
import os
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

READ_CHUNK = 8 << 20
SAMPLE_S = 0.01  # /proc sampling period for the anonymous/file-backed split of RSS


@dataclass(frozen=True)
class RunStats:
    """One run of a command. ``maxrss_bytes`` is the peak resident set size."""

    wall_s: float
    cpu_s: float  # user + system
    maxrss_bytes: int
    returncode: int
    stdout: str
    stderr: str
    anon_bytes: int = 0  # highest RssAnon sampled from /proc (Linux; 0 elsewhere)
    file_bytes: int = 0  # highest RssFile sampled: mapped file pages (mmap'ed captures)
    others_share: float = math.nan  # CPU other processes used meanwhile, share of all cores


@dataclass(frozen=True)
class Summary:
    """Medians over several runs of one command."""

    runs: int
    wall_s: float
    cpu_s: float
    maxrss_bytes: int
    anon_bytes: int = 0
    file_bytes: int = 0
    others_share: float = math.nan
    walls: tuple[float, ...] = ()  # every run's wall seconds, in run order

    @staticmethod
    def of(runs: Sequence[RunStats]) -> Summary:
        return Summary(
            runs=len(runs),
            wall_s=statistics.median(r.wall_s for r in runs),
            cpu_s=statistics.median(r.cpu_s for r in runs),
            maxrss_bytes=round(statistics.median(r.maxrss_bytes for r in runs)),
            anon_bytes=round(statistics.median(r.anon_bytes for r in runs)),
            file_bytes=round(statistics.median(r.file_bytes for r in runs)),
            others_share=statistics.median(r.others_share for r in runs),
            walls=tuple(r.wall_s for r in runs),
        )


def _drain(stream: IO[bytes], into: list[bytes]) -> None:
    into.append(stream.read())


class RssSampler(threading.Thread):
    """Samples a process's RssAnon and RssFile (/proc/PID/status) until stopped; keeps maxima.

    Sampled, so a short peak can be missed; ru_maxrss stays the authoritative total.
    """

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.path = Path(f"/proc/{pid}/status")
        self.anon = self.file = 0
        self.done = threading.Event()

    def sample(self) -> None:
        try:
            text = self.path.read_text(encoding="ascii", errors="replace")
        except OSError:
            return
        for line in text.splitlines():
            if line.startswith("RssAnon:"):
                self.anon = max(self.anon, int(line.split()[1]) * 1024)
            elif line.startswith("RssFile:"):
                self.file = max(self.file, int(line.split()[1]) * 1024)

    def run(self) -> None:
        while not self.done.wait(SAMPLE_S):
            self.sample()


def busy_cpu_s() -> float:
    """CPU seconds all cores have spent busy since boot (/proc/stat), NaN where unavailable."""
    try:
        with open("/proc/stat", encoding="ascii") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return math.nan
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _self_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _rss_bytes(maxrss: int) -> int:
    """ru_maxrss in bytes: Linux reports KiB, macOS bytes."""
    return maxrss if sys.platform == "darwin" else maxrss * 1024


def run_measured(cmd: Sequence[str], env: dict[str, str] | None = None) -> RunStats:
    """Run ``cmd`` to completion and measure it; stdout/stderr are captured as text."""
    if not hasattr(os, "wait4"):
        raise RuntimeError("the benchmark needs os.wait4 (Linux or macOS)")
    out: list[bytes] = []
    err: list[bytes] = []
    busy0, self0 = busy_cpu_s(), _self_cpu_s()
    started = time.perf_counter()
    proc = subprocess.Popen(list(cmd), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert proc.stdout is not None and proc.stderr is not None
    readers = [threading.Thread(target=_drain, args=(proc.stdout, out), daemon=True),
               threading.Thread(target=_drain, args=(proc.stderr, err), daemon=True)]
    sampler = RssSampler(proc.pid)
    for thread in (*readers, sampler):
        thread.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    sampler.done.set()
    sampler.join()
    for reader in readers:
        reader.join()
    cpu = usage.ru_utime + usage.ru_stime
    others = busy_cpu_s() - busy0 - cpu - (_self_cpu_s() - self0)
    proc.stdout.close()
    proc.stderr.close()
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    return RunStats(
        wall_s=wall,
        cpu_s=cpu,
        maxrss_bytes=_rss_bytes(usage.ru_maxrss),
        returncode=proc.returncode,
        stdout=b"".join(out).decode("utf-8", "replace"),
        stderr=b"".join(err).decode("utf-8", "replace"),
        anon_bytes=sampler.anon,
        file_bytes=sampler.file,
        others_share=max(others, 0.0) / (wall * (os.cpu_count() or 1)),
    )


def warm_cache(path: Path) -> None:
    """Read ``path`` once (discarding the bytes) so every timed run finds it in the page cache."""
    with open(path, "rb", buffering=0) as f:
        while f.read(READ_CHUNK):
            pass


def compile_bytecode() -> bool:
    """Write the ``.pyc`` of every callscope module, as pip does when it installs the app.

    Without them (an editable install under ``PYTHONDONTWRITEBYTECODE``, say) each timed
    run would compile ~190 modules from source first (~50 ms), which no installed copy
    does. True when every module compiled.
    """
    import compileall

    import callscope.core
    import callscope.gui

    folders = [*callscope.core.__path__, *callscope.gui.__path__]
    return all(compileall.compile_dir(folder, quiet=1) for folder in folders)


def callscope_command() -> list[str]:
    """The venv's ``callscope`` entry point, else ``python -m callscope.core.cli.main``."""
    script = Path(sys.executable).parent / ("callscope.exe" if os.name == "nt" else "callscope")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-m", "callscope.core.cli.main"]


def tshark_path() -> str | None:
    """tshark on PATH, or None."""
    return shutil.which("tshark")


def tshark_command(tshark: str, capture: Path, decode_as: str) -> list[str]:
    """tshark's RTP Streams statistics with the RTP ports decoded as RTP."""
    return [tshark, "-q", "-z", "rtp,streams", "-d", decode_as, "-r", str(capture)]


def tshark_version(tshark: str) -> str:
    """First line of ``tshark --version``, e.g. ``TShark (Wireshark) 4.0.17``."""
    try:
        done = subprocess.run([tshark, "--version"], capture_output=True, text=True,
                              timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    lines = done.stdout.splitlines()
    return lines[0].strip() if lines else "unknown"


def load_average() -> float:
    """The 1-minute load average (the machine is shared), or NaN where unavailable."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")
