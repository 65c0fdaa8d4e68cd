"""``callscope export-scrubbed CAPTURE -o OUT``: a copy for escalation, without content.

RTP payloads zeroed, SIP identities replaced by keyed pseudonyms of the same length,
SDP keys, RTCP SDES items and pcapng comments removed (see ``privacy/scrub.py``). By
default the copy is analysed again and its stream metrics compared with the original's.
"""

from __future__ import annotations

import argparse
import sys

from callscope.core.privacy.audit_log import AuditLog
from callscope.core.privacy.identity import os_login
from callscope.core.privacy.scrub import ScrubReport, export_scrubbed_audited


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``export-scrubbed`` subcommand."""
    p = sub.add_parser(
        "export-scrubbed",
        help="write a copy of a capture without payload, identities or keys",
        description="Write a copy of CAPTURE that second-line support can analyse: same "
        "RTP streams and metrics, but RTP payloads zeroed, SIP identities replaced by keyed "
        "pseudonyms, SDP keys, RTCP SDES items and pcapng comments removed.",
    )
    p.add_argument("capture", metavar="CAPTURE", help="pcap/pcapng capture (gzip allowed)")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="file to write")
    p.add_argument(
        "--case", metavar="REF",
        help="case reference: captures of one case share pseudonyms (default: per capture)",
    )
    p.add_argument("--force", action="store_true", help="replace OUT if it exists")
    p.add_argument(
        "--no-verify", action="store_true",
        help="do not re-analyse the copy to check that the stream metrics are unchanged",
    )
    p.set_defaults(func=run)


def describe(report: ScrubReport) -> list[str]:
    """The summary lines printed after an export."""
    c = report.counts
    lines = [
        f"wrote {report.output} ({report.format}, {report.bytes_written} bytes"
        + (", decompressed from gzip" if report.decompressed else "") + ")",
        f"frames {report.frames}: RTP payloads zeroed {c.get('rtp', 0)}, SIP messages "
        f"pseudonymised {c.get('sip', 0) + c.get('tcp_sip', 0)}, RTCP scrubbed "
        f"{c.get('rtcp', 0)}, other payloads zeroed {c.get('zeroed', 0)}, "
        f"distinct identities replaced {c.get('pseudonyms', 0)}",
    ]
    if report.blocks_dropped or report.options_dropped:
        blocks = ", ".join(f"{n} {kind}" for kind, n in sorted(report.blocks_dropped.items()))
        lines.append(f"pcapng: {report.options_dropped} options (comments...) dropped"
                     + (f"; blocks dropped: {blocks}" if blocks else ""))
    if report.verified is True:
        lines.append(f"verified: the {report.streams} RTP streams have identical metrics")
    elif report.verified is False:
        lines.append("WARNING: the copy's analysis differs: " + "; ".join(report.differences))
    lines.extend(f"warning: {w}" for w in report.warnings)
    return lines


def run(args: argparse.Namespace) -> int:
    """Export; exit 0 when written (and verified), 1 on an error or a metrics difference."""
    with AuditLog() as log:
        report = export_scrubbed_audited(
            log, os_login(), args.capture, args.output, case=args.case,
            verify=not args.no_verify, overwrite=args.force,
        )
    for line in describe(report):
        print(line, file=sys.stderr if line.startswith(("WARNING", "warning")) else sys.stdout)
    return 1 if report.verified is False else 0
