"""Write ``resources/demo.pcap`` and ``demo.truth.json``: the bundled demo call.

A synthetic two-way SIP call (fake numbers +3225550100 → +3225550199) with ~30 s of
G.711 A-law, 20 ms packets, each direction a different speech-like signal (never a
real voice), RTCP sender reports, and something for every view to show: random loss
both ways, a jitter episode that reorders a few packets caller → callee, a 360 ms loss
burst and a few duplicates callee → caller. Same bytes on every run:
``python resources/make_demo.py [--out DIR]``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from callscope.core.synth.impairments import Impairments, JitterEpisode
from callscope.core.synth.scenario import CallSpec, two_way_call

DEMO_SEED = 20240102
HERE = Path(__file__).resolve().parent

DEMO = CallSpec(
    codec="pcma",
    ptime_ms=20,
    media_s=30.0,
    ring_s=2.6,
    forward=Impairments(loss=0.004, base_delay_ms=24.0, jitter_ms=0.8,
                        episodes=(JitterEpisode(start_s=11.0, duration_s=4.0, delay_ms=70.0,
                                                jitter_ms=14.0),)),
    backward=Impairments(loss=0.008, base_delay_ms=31.0, jitter_ms=1.2, duplicates=0.003,
                         loss_windows=((20.0, 0.36),)),
    seed=DEMO_SEED,
)


def write_demo(out_dir: Path) -> tuple[Path, Path]:
    """Synthesize the demo call into ``out_dir``; return (capture, truth) paths."""
    capture = two_way_call(DEMO)
    pcap, truth = out_dir / "demo.pcap", out_dir / "demo.truth.json"
    capture.write(pcap)
    truth.write_text(json.dumps(capture.truth_json(), indent=1) + "\n", encoding="utf-8")
    return pcap, truth


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder (default: resources/)")
    args = parser.parse_args(argv)
    pcap, truth = write_demo(args.out)
    print(f"wrote {pcap} ({pcap.stat().st_size} bytes) and {truth.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
