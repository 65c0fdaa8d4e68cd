"""``callscope audio export``: a stream's audio as WAV, through the same gate as the GUI.

The gate checks the signed policy (listener role), the capture's complete consent
record, retention, and writes CONSENT_GRANTED then EXPORT to the audit log before a
single sample is decoded; any refusal exits non-zero with the reason on stderr.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from callscope.core.analysis import analyze
from callscope.core.content.access import DECODE_AS, ContentSource, export_wav
from callscope.core.model import Codec
from callscope.core.privacy.audit_log import AuditLog
from callscope.core.privacy.gate import ContentGate


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``audio export``."""
    audio = sub.add_parser("audio", help="content access (consent-gated and audited)")
    audio_sub = audio.add_subparsers(dest="audio_command", metavar="ACTION", required=True)
    p = audio_sub.add_parser(
        "export",
        help="export a stream's audio as WAV (needs a grant: policy, consent, case, reason)",
    )
    p.add_argument("capture", metavar="CAPTURE")
    p.add_argument("--stream", type=int, action="append", required=True, metavar="ID",
                   help="stream id from `callscope analyze` (repeat for a stereo file)")
    p.add_argument("--case", required=True, metavar="REF", help="case/ticket reference")
    p.add_argument("--reason", required=True, metavar="TEXT", help="why, in words")
    p.add_argument("-o", "--output", required=True, metavar="OUT.wav")
    p.add_argument(
        "--codec", metavar="NAME[/RATE]", type=parse_codec,
        help="decode as this codec, for streams found without signalling "
        f"({', '.join(sorted({c.name for c in DECODE_AS}))})",
    )
    p.set_defaults(func=run_export)


def parse_codec(text: str) -> Codec:
    """``AMR``, ``AMR-WB/16000``, ``opus/48000``: a codec from the "decode as" list."""
    name, _, rate = text.partition("/")
    for codec in DECODE_AS:
        if codec.name.lower() == name.lower() and (not rate or str(codec.clock_rate) == rate):
            return codec
    raise argparse.ArgumentTypeError(f"unknown codec {text!r}")


def run_export(args: argparse.Namespace) -> int:
    """Request a grant for ``export_audio`` and write the WAV; exit 0 or raise."""
    path = Path(args.capture)
    result = analyze(path)
    with AuditLog() as log:
        gate = ContentGate(log)
        try:
            grant = gate.request(
                result.capture.sha256, args.stream, {"export_audio"},
                case_ref=args.case, reason=args.reason,
            )
            out = export_wav(gate, grant, ContentSource(path, result), args.stream,
                             Path(args.output), codec=args.codec)
        finally:
            gate.close()
    print(f"wrote {out}")
    return 0
