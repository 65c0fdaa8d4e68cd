"""Write a reproducible synthetic RTP capture and its ground truth (OUT.truth.json).

    python benchmarks/synth_capture.py OUT --packets 1000000 --streams 50 --codec pcmu \
        --loss 0.01 --jitter-ms 2 --reorder 0.001 --duplicates 0.001 --format pcap --seed 1

``--packets`` counts packets sent (before loss and duplication); the file holds about
packets·(1 - loss + duplicates). Streams are 10.1.x.y → 10.2.x.y (2001:db8:1:: → 2001:db8:2::
with --ipv6), destination ports 10000-10198 (even), so tshark decodes them all with
``-d udp.port==10000-10198,rtp``. Generation is chunked: memory stays flat at any size.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from callscope.core.errors import CallScopeError
from callscope.core.synth.frames import Link
from callscope.core.synth.impairments import Impairments
from callscope.core.synth.pcap_writer import CaptureWriter
from callscope.core.synth.rtp_streams import RtpGenerator, StreamSpec
from callscope.core.synth.truth import write_truth

MAX_PACKETS = 100_000_000  # ~23 GB of pcap: anything larger is a typo
PORTS = 100  # destination ports 10000, 10002, ... 10198


def stream_specs(args: argparse.Namespace) -> list[StreamSpec]:
    """The streams the arguments describe, starts spread over one packet time."""
    imp = Impairments(loss=args.loss, jitter_ms=args.jitter_ms, reorder=args.reorder,
                      duplicates=args.duplicates, burst_rate=args.burst_rate)
    base, extra = divmod(args.packets, args.streams)
    specs = []
    for i in range(args.streams):
        hi, lo = divmod(i, 250)
        src = f"2001:db8:1::{i + 1:x}" if args.ipv6 else f"10.1.{hi}.{lo + 1}"
        dst = f"2001:db8:2::{i + 1:x}" if args.ipv6 else f"10.2.{hi}.{lo + 1}"
        specs.append(StreamSpec(
            src, 20000 + 2 * (i % 500), dst, 10000 + 2 * (i % PORTS), codec=args.codec,
            ptime_ms=args.ptime_ms, start_s=0.05 + i * args.ptime_ms / 1000 / args.streams,
            packets=base + (i < extra), impairments=imp, teid=0x1000 + i))
    return specs


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out", type=Path, help="capture to write (OUT.truth.json beside it)")
    p.add_argument("--packets", type=int, default=100_000, help="packets sent, all streams")
    p.add_argument("--streams", type=int, default=50)
    p.add_argument("--codec", default="pcmu", choices=["pcmu", "pcma", "g722", "amr-wb"])
    p.add_argument("--ptime-ms", type=int, default=20)
    p.add_argument("--loss", type=float, default=0.0, help="random loss probability")
    p.add_argument("--burst-rate", type=float, default=0.0,
                   help="probability a loss burst (mean 4 packets) starts at a packet")
    p.add_argument("--jitter-ms", type=float, default=0.0, help="σ of |N(0, σ)| extra delay")
    p.add_argument("--reorder", type=float, default=0.0)
    p.add_argument("--duplicates", type=float, default=0.0)
    p.add_argument("--format", default="pcap", choices=["pcap", "pcapng"])
    p.add_argument("--vlan", type=int, nargs="?", const=100, default=None, metavar="ID",
                   help="tag every frame with 802.1Q (default id 100)")
    p.add_argument("--gtpu", action="store_true", help="tunnel every datagram in GTP-U")
    p.add_argument("--ipv6", action="store_true")
    p.add_argument("--seed", type=int, default=1)
    return p


def generate(args: argparse.Namespace) -> tuple[int, float]:
    """Write the capture and truth; return (packets written, seconds)."""
    if not 1 <= args.streams <= args.packets <= MAX_PACKETS:
        raise CallScopeError(f"need 1 <= streams <= packets <= {MAX_PACKETS:,}")
    if args.vlan is not None and not 0 <= args.vlan < 4096:
        raise CallScopeError(f"VLAN id {args.vlan} out of range 0-4095")
    started = time.perf_counter()
    gen = RtpGenerator(stream_specs(args), seed=args.seed)
    link = Link(vlan_id=args.vlan, gtpu=args.gtpu)
    with CaptureWriter(args.out, args.format, link) as writer:
        for batch in gen.batches():
            writer.write(batch.frames)
    truth = gen.truth()
    last_port = 10000 + 2 * (min(args.streams, PORTS) - 1)
    write_truth(f"{args.out}.truth.json", truth, generator="benchmarks/synth_capture.py",
                seed=args.seed, packets=writer.packets, format=args.format,
                codec=args.codec, vlan=args.vlan, gtpu=args.gtpu, ipv6=args.ipv6,
                decode_as=f"udp.port==10000-{last_port},rtp")
    return writer.packets, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        written, seconds = generate(args)
    except CallScopeError as exc:
        print(f"synth_capture: {exc}", file=sys.stderr)
        return 2
    size = args.out.stat().st_size
    print(f"{args.out}: {written:,} packets, {size:,} bytes in {seconds:.2f} s "
          f"({written / max(seconds, 1e-9) / 1e6:.2f} M packets/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
