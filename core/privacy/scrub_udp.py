"""Decide, per UDP payload, what survives scrubbing (vectorized; irregular rows in Python).

Rows are classified with the analysis's own functions (``classify``, ``rtp_dissectable``,
``sip_candidate_rows``), so the scrubbed capture is read the same way:

- SIP (a candidate that parses): identities pseudonymised (:mod:`scrub_sip`);
- RTCP: :func:`scrub_rtcp`; STUN and DTLS: headers kept, values zeroed;
- RTP (version 2, not an RTCP type, header captured: every row the analysis could count
  in a stream, announced or not): the header with CSRCs and extension is kept (a long
  extension body is zeroed, see MAX_EXTENSION_KEPT), the payload zeroed, and the padding
  count (last byte) kept when the P bit is set;
- ZRTP, TURN ChannelData and QUIC keep the first 12, 4 and 5 bytes that identify them
  (TURN's relayed data may be RTP: it is zeroed);
- everything else (DNS, ESP-in-UDP, unknown protocols, non-parsing SIP look-alikes) is
  zeroed entirely: an all-zero payload classifies as "other" again, as it did.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from callscope.core.capture.capture import Capture
from callscope.core.capture.gather import I64
from callscope.core.privacy.scrub_locate import DatagramRecord
from callscope.core.privacy.scrub_media import (
    MAX_EXTENSION_KEPT,
    scrub_dtls,
    scrub_rtcp,
    scrub_stun,
)
from callscope.core.privacy.scrub_sip import SipScrubber, sip_key
from callscope.core.rtp.classify import Kind, classify, rtp_dissectable
from callscope.core.rtp.header import header_lengths, padding_counts, parse_headers
from callscope.core.sip.find import sip_candidate_rows

PREFIX_BY_KIND = {Kind.ZRTP: 12, Kind.TURN_CHANNEL: 4, Kind.QUIC: 5}



@dataclass
class UdpEdits:
    """What to keep or write for the UDP rows of a capture.

    ``keep_start``/``keep_end``: absolute file ranges kept as they are; ``patches``:
    (absolute offset, bytes) written over the file; ``datagram_payloads``: scrubbed
    payloads of rows that exist only after IP reassembly, by (datagram id, offset).
    """

    keep_start: I64
    keep_end: I64
    patches: list[tuple[int, bytes]] = field(default_factory=list)
    datagram_payloads: dict[tuple[int, int], bytes] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)


def _python_rows(
    capture: Capture, kinds: np.ndarray, sip: SipScrubber, edits: UdpEdits
) -> dict[int, bytes]:
    """Scrubbed payloads of the irregular rows: SIP, RTCP, STUN, DTLS."""
    table = capture.packets
    out: dict[int, bytes] = {}
    for row in sip_candidate_rows(table).tolist():
        payload = capture.payload(row)
        scrubbed = sip.message(payload)
        if scrubbed is None:
            continue
        out[row] = scrubbed
        edits.counts["sip"] += 1
        if sip_key(payload) != sip_key(scrubbed):
            edits.warnings.append(
                f"frame {int(table.frame[row])}: SIP message parses differently after scrubbing"
            )
    for kind, scrub in ((Kind.RTCP, lambda p: scrub_rtcp(p, sip.ps)),
                        (Kind.STUN, scrub_stun), (Kind.DTLS, scrub_dtls)):
        for row in np.flatnonzero(kinds == kind).tolist():
            if row not in out:
                out[row] = scrub(capture.payload(row))
                edits.counts[kind.name.lower()] += 1
    return out


def _datagram_slots(
    capture: Capture, datagrams: list[DatagramRecord], udp: list[tuple[int, int]]
) -> dict[int, tuple[int, int]]:
    """Row of every reassembled UDP payload → (datagram id, payload offset in it)."""
    table = capture.packets
    by_frame: dict[int, list[tuple[int, int]]] = {}
    for ident, rel in udp:
        by_frame.setdefault(datagrams[ident].frame, []).append((ident, rel + 8))
    slots: dict[int, tuple[int, int]] = {}
    used: set[tuple[int, int]] = set()
    for row, payload in table.reassembled.items():
        for ident, at in by_frame.get(int(table.frame[row]), []):
            data = datagrams[ident].data
            if (ident, at) not in used and data[at : at + len(payload)] == payload:
                slots[row] = (ident, at)
                used.add((ident, at))
                break
    return slots


def plan_udp(
    capture: Capture,
    sip: SipScrubber,
    datagrams: list[DatagramRecord],
    datagram_udp: list[tuple[int, int]],
) -> UdpEdits:
    """Keep ranges and patches for every UDP row of ``capture`` (see module docstring)."""
    table = capture.packets
    header = parse_headers(table)
    header_len = header_lengths(header, capture.payload)
    kinds = classify(table, header, header_len, padding_counts(table, header, capture.payload))
    caplen = table.caplen.astype(np.int64)
    rtp = rtp_dissectable(table, header, header_len)
    fixed = 12 + 4 * header.csrc_count.astype(np.int64) + np.where(header.extension, 4, 0)
    kept_header = np.where(header_len - fixed <= MAX_EXTENSION_KEPT, header_len, fixed)
    keep = np.where(rtp, np.minimum(kept_header, caplen), 0)
    for kind, size in PREFIX_BY_KIND.items():
        keep[(kinds == kind) & ~rtp] = size
    keep = np.minimum(keep, caplen)
    pad = rtp & header.padding & (caplen == table.length) & (caplen > keep)

    edits = UdpEdits(np.zeros(0, np.int64), np.zeros(0, np.int64))
    special = _python_rows(capture, kinds, sip, edits)
    rows = np.fromiter(special, np.int64, len(special))
    keep[rows] = 0
    pad[rows] = False
    edits.counts["rtp"] = int(np.count_nonzero(rtp))
    edits.counts["zeroed"] = int(np.count_nonzero((keep == 0) & ~pad)) - len(special)

    offset = table.payload_offset
    direct = offset >= 0
    k = direct & (keep > 0)
    p = direct & pad
    edits.keep_start = np.concatenate([offset[k], offset[p] + caplen[p] - 1])
    edits.keep_end = np.concatenate([offset[k] + keep[k], offset[p] + caplen[p]])
    for row, data in special.items():
        if offset[row] >= 0:
            edits.patches.append((int(offset[row]), data))

    slots = _datagram_slots(capture, datagrams, datagram_udp)
    for row, payload in table.reassembled.items():
        slot = slots.get(row)
        if slot is None:
            edits.warnings.append(f"frame {int(table.frame[row])}: reassembled datagram "
                                  "not located in the file; its fragments are zeroed")
            continue
        scrubbed = special.get(row)
        if scrubbed is None:
            buf = bytearray(len(payload))
            n = int(keep[row])
            buf[:n] = payload[:n]
            if pad[row]:
                buf[-1] = payload[-1]
            scrubbed = bytes(buf)
        edits.datagram_payloads[slot] = scrubbed
    return edits
