"""Synthetic benchmark captures: what to generate, and generating them only when needed.

A capture is written by ``synth_capture.py`` (a child process) with its ground truth beside it
(``NAME.truth.json``) and the parameters that made it (``NAME.params.json``); a later
run reuses the files when the parameters and the generator's source are unchanged.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SYNTH = REPO / "benchmarks" / "synth_capture.py"
GENERATOR_SOURCES = (SYNTH, *sorted(
    (REPO / "core" / "synth").glob("*.py")))

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*$")


def parse_size(text: str) -> int:
    """``"100k"`` → 100_000, ``"1M"`` → 1_000_000, ``"2500"`` → 2500."""
    m = _SIZE.match(text)
    if m is None:
        raise ValueError(f"not a packet count: {text!r} (examples: 2000, 100k, 1M)")
    scale = {"": 1, "k": 1_000, "m": 1_000_000}[m.group(2).lower()]
    value = round(float(m.group(1)) * scale)
    if value < 1:
        raise ValueError(f"packet count must be positive: {text!r}")
    return value


def size_label(packets: int) -> str:
    """1_000_000 → ``"1M"``, 100_000 → ``"100k"``, 2500 → ``"2500"`` (inverse of parse_size)."""
    for unit, scale in (("M", 1_000_000), ("k", 1_000)):
        if packets % scale == 0:
            return f"{packets // scale}{unit}"
    return str(packets)


@dataclass(frozen=True)
class CaptureSpec:
    """Arguments of one synthetic capture (as synth_capture.py takes them).

    ``packets`` counts packets sent, before loss and duplication.
    """

    packets: int
    streams: int = 50
    codec: str = "pcmu"
    loss: float = 0.01
    jitter_ms: float = 2.0
    reorder: float = 0.001
    duplicates: float = 0.001
    fmt: str = "pcap"
    vlan: int | None = None
    gtpu: bool = False
    seed: int = 1

    @property
    def variant(self) -> str:
        """``regular``, ``pcapng``, ``vlan`` or ``gtpu`` (combinations joined by ``+``)."""
        parts = [p for p, on in (("pcapng", self.fmt == "pcapng"),
                                 ("vlan", self.vlan is not None), ("gtpu", self.gtpu)) if on]
        return "+".join(parts) or "regular"

    def file_name(self) -> str:
        """A name that says what is inside, e.g. ``rtp-1M-50s-vlan-seed1.pcap``."""
        variant = self.variant.replace("+", "-")
        return (f"rtp-{size_label(self.packets)}-{self.streams}s-{variant}"
                f"-seed{self.seed}.{self.fmt}")

    def argv(self, out: Path) -> list[str]:
        """The synth_capture.py command line that writes this capture to ``out``."""
        argv = [str(out), "--packets", str(self.packets), "--streams", str(self.streams),
                "--codec", self.codec, "--loss", repr(self.loss),
                "--jitter-ms", repr(self.jitter_ms), "--reorder", repr(self.reorder),
                "--duplicates", repr(self.duplicates), "--format", self.fmt,
                "--seed", str(self.seed)]
        if self.vlan is not None:
            argv += ["--vlan", str(self.vlan)]
        if self.gtpu:
            argv.append("--gtpu")
        return argv

    def with_variant(self, variant: str) -> CaptureSpec:
        """The same packets as a ``regular``/``pcapng``/``vlan``/``gtpu`` capture."""
        plain = replace(self, fmt="pcap", vlan=None, gtpu=False)
        if variant == "regular":
            return plain
        if variant == "pcapng":
            return replace(plain, fmt="pcapng")
        if variant == "vlan":
            return replace(plain, vlan=100)
        if variant == "gtpu":
            return replace(plain, gtpu=True)
        raise ValueError(f"unknown variant {variant!r}")


@dataclass(frozen=True)
class Capture:
    """A capture on disk with its ground truth."""

    path: Path
    spec: CaptureSpec
    truth: dict[str, Any]
    reused: bool

    @property
    def packets(self) -> int:
        """Packets in the file (after loss and duplication)."""
        return int(self.truth["packets"])

    @property
    def size_bytes(self) -> int:
        return self.path.stat().st_size

    @property
    def decode_as(self) -> str:
        """tshark's Decode-As for the RTP ports, e.g. ``udp.port==10000-10098,rtp``."""
        return str(self.truth["decode_as"])


def truth_path(capture: Path) -> Path:
    return Path(f"{capture}.truth.json")


def params_path(capture: Path) -> Path:
    return Path(f"{capture}.params.json")


def generator_digest() -> str:
    """SHA-256 of the generator's source: a changed generator invalidates old captures."""
    h = hashlib.sha256()
    for source in GENERATOR_SOURCES:
        h.update(source.name.encode())
        h.update(source.read_bytes())
    return h.hexdigest()


def _wanted_params(spec: CaptureSpec, digest: str) -> dict[str, Any]:
    return {"spec": asdict(spec), "generator_sha256": digest}


def _reusable(path: Path, wanted: dict[str, Any]) -> bool:
    """True when the capture, its truth and matching parameters are all on disk."""
    meta, truth = params_path(path), truth_path(path)
    if not (path.is_file() and meta.is_file() and truth.is_file()):
        return False
    try:
        recorded = json.loads(meta.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return bool(recorded.get("params") == wanted
                and recorded.get("size_bytes") == path.stat().st_size)


def ensure_capture(spec: CaptureSpec, folder: Path, name: str | None = None,
                   digest: str | None = None) -> Capture:
    """The capture ``spec`` describes in ``folder``: reused if up to date, else generated."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name or spec.file_name())
    wanted = _wanted_params(spec, digest or generator_digest())
    reused = _reusable(path, wanted)
    if not reused:
        params_path(path).unlink(missing_ok=True)
        print(f"  generating {path.name} ...", end="", flush=True)
        started = time.perf_counter()
        # in a child process: a child's peak RSS as wait4 reports it can include its
        # parent's at fork, so the benchmark process must stay small
        done = subprocess.run([sys.executable, str(SYNTH), *spec.argv(path)],
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"generating {path.name} failed: {done.stderr.strip()[-500:]}")
        print(f" {time.perf_counter() - started:.1f} s", flush=True)
        record = {"params": wanted, "size_bytes": path.stat().st_size}
        params_path(path).write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    truth = json.loads(truth_path(path).read_text(encoding="utf-8"))
    return Capture(path, spec, truth, reused)


def ensure_folder(spec: CaptureSpec, folder: Path, count: int) -> list[Capture]:
    """``count`` captures like ``spec`` with seeds 1..count in ``folder`` (for ``--jobs``).

    Files in ``folder`` that are not among them are left alone but would be analysed
    too, so the folder should hold only these.
    """
    digest = generator_digest()
    return [ensure_capture(replace(spec, seed=seed), folder,
                           f"capture-{seed:03d}.{spec.fmt}", digest)
            for seed in range(1, count + 1)]
