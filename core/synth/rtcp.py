"""RTCP sender/receiver reports (RFC 3550 §6.4) about synthetic streams, as bytes.

A handful of reports per call, so packets are packed with ``struct``; the report
figures (loss, extended highest sequence, interarrival jitter) are computed with
numpy over the receiver's packets, in arrival order.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

NTP_UNIX_OFFSET_S = 2_208_988_800  # seconds from 1900-01-01 to 1970-01-01
_JITTER_TERMS = 600  # (15/16)^600 ≈ 1.5e-17: older packets no longer count


@dataclass(frozen=True)
class ReportBlock:
    """One reception report block (RFC 3550 §6.4.1)."""

    ssrc: int  # source reported on
    fraction_lost: int  # 0..255, lost/expected since the previous report, ×256
    cumulative_lost: int  # expected - received (signed 24 bits)
    highest_seq: int  # extended highest sequence number received
    jitter: int  # interarrival jitter, RTP timestamp units
    lsr: int = 0  # middle 32 bits of the NTP time of the last SR received
    dlsr: int = 0  # delay since that SR, 1/65536 s


def ntp_time(time_ns: int) -> tuple[int, int]:
    """(seconds since 1900, 2^-32 fraction) of a Unix time in ns."""
    seconds, rest = divmod(time_ns, 1_000_000_000)
    return seconds + NTP_UNIX_OFFSET_S, (rest << 32) // 1_000_000_000


def ntp_middle(time_ns: int) -> int:
    """The middle 32 bits of the NTP timestamp (what LSR carries)."""
    sec, frac = ntp_time(time_ns)
    return ((sec & 0xFFFF) << 16) | (frac >> 16)


def _blocks(blocks: list[ReportBlock]) -> bytes:
    out = b""
    for b in blocks:
        lost = max(-(1 << 23), min(b.cumulative_lost, (1 << 23) - 1)) & 0xFFFFFF
        out += struct.pack("!IIIIII", b.ssrc, (b.fraction_lost << 24) | lost,
                           b.highest_seq & 0xFFFFFFFF, b.jitter, b.lsr, b.dlsr)
    return out


def sender_report(ssrc: int, time_ns: int, rtp_timestamp: int, packets: int, octets: int,
                  blocks: list[ReportBlock]) -> bytes:
    """An SR packet (PT 200) with sender info and up to 31 report blocks."""
    body = struct.pack("!IIIIII", ssrc, *ntp_time(time_ns), rtp_timestamp & 0xFFFFFFFF,
                       packets & 0xFFFFFFFF, octets & 0xFFFFFFFF) + _blocks(blocks)
    return struct.pack("!BBH", 0x80 | len(blocks), 200, len(body) // 4) + body


def receiver_report(ssrc: int, blocks: list[ReportBlock]) -> bytes:
    """An RR packet (PT 201)."""
    body = struct.pack("!I", ssrc) + _blocks(blocks)
    return struct.pack("!BBH", 0x80 | len(blocks), 201, len(body) // 4) + body


def sdes_cname(ssrc: int, cname: str) -> bytes:
    """An SDES packet (PT 202) with one chunk holding a CNAME item, padded to 32 bits."""
    text = cname.encode("ascii")
    chunk = struct.pack("!IBB", ssrc, 1, len(text)) + text + b"\0"
    chunk += b"\0" * (-len(chunk) % 4)
    return struct.pack("!BBH", 0x81, 202, len(chunk) // 4) + chunk


def interarrival_jitter(arrival_ns: NDArray[np.int64], send_ns: NDArray[np.int64],
                        clock_rate: int) -> float:
    """RFC 3550 §6.4.1 jitter after the last of these packets, in timestamp units.

    J_n = J_{n-1} + (|D| - J_{n-1})/16 unrolled: Σ (1/16)(15/16)^(n-i) |D_i|, over the
    last terms that still matter. ``send_ns`` stands for the RTP timestamp (same clock).
    """
    if len(arrival_ns) < 2:
        return 0.0
    transit = (arrival_ns - send_ns).astype(np.float64) * clock_rate / 1e9
    d = np.abs(np.diff(transit))[-_JITTER_TERMS:]
    weights = (1 / 16) * (15 / 16) ** np.arange(len(d))[::-1]
    return float(np.dot(weights, d))


@dataclass
class ReceptionState:
    """What a receiver remembers between its reports about one source."""

    expected: int = 0
    received: int = 0
    last_sr_ntp_ns: int | None = None  # send time of the last SR heard from the source
    last_sr_arrival_ns: int = 0


def reception_block(ssrc: int, arrival_ns: NDArray[np.int64], send_ns: NDArray[np.int64],
                    ext_seq: NDArray[np.int64], duplicate: NDArray[np.bool_], clock_rate: int,
                    at_ns: int, state: ReceptionState) -> ReportBlock:
    """The block a receiver sends at ``at_ns`` about packets it got (arrival order)."""
    seen = arrival_ns < at_ns
    if not seen.any():
        return ReportBlock(ssrc, 0, 0, 0, 0)
    seq = ext_seq[seen]
    expected = int(seq.max() - seq.min() + 1)
    received = int(seen.sum())
    exp_int, rec_int = expected - state.expected, received - state.received
    fraction = ((exp_int - rec_int) << 8) // exp_int if exp_int > 0 and rec_int < exp_int else 0
    state.expected, state.received = expected, received
    unique = seen & ~duplicate
    jitter = interarrival_jitter(arrival_ns[unique], send_ns[unique], clock_rate)
    lsr = dlsr = 0
    if state.last_sr_ntp_ns is not None:
        lsr = ntp_middle(state.last_sr_ntp_ns)
        dlsr = (at_ns - state.last_sr_arrival_ns) * 65536 // 1_000_000_000
    return ReportBlock(ssrc, min(fraction, 255), expected - received, int(seq.max()),
                       round(jitter), lsr, dlsr)
