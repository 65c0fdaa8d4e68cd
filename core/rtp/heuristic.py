"""Strict validation of RTP streams that no signalling announced, vectorized over groups.

Wireshark's ``rtp_udp`` heuristic takes any version-2 datagram as RTP, so DNS,
STUN, QUIC or random data can become "streams". Candidates are the rows
``classify`` marks RTP (version 2, header fits, PT not 72..76, sane padding, not
STUN/DTLS/ZRTP/TURN/QUIC/RTCP, not on a DNS port). A candidate group (same flow,
TEID and SSRC) is a stream only if, in arrival order:

- it has at least ``MIN_PACKETS`` packets;
- every sequence step is within RFC 3550 A.1's window (-MAX_MISORDER..MAX_DROPOUT;
  0 = duplicate) and at least a third of the steps move forward;
- on every forward step the timestamp does not go back and advances by no more
  than ``MAX_CLOCK_HZ`` times the elapsed arrival time (+1 s of slack);
- the payload type changes on at most a quarter of the steps;
- its conversation (either direction) carries no QUIC (checked by the caller).

Up to 5 % of steps may break the sequence or timestamp rules (restarts, glitches).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from callscope.core.capture.table import PacketTable
from callscope.core.rtp.grouping import Groups, combine, dense_ids, flow_ids
from callscope.core.rtp.stream_build import StreamColumns

MIN_PACKETS = 4
MAX_DROPOUT = 3000  # RFC 3550 A.1
MAX_MISORDER = 100  # RFC 3550 A.1
MAX_CLOCK_HZ = 192_000  # no RTP clock runs faster (audio up to 192 kHz, video 90 kHz)
BAD_STEP_SHARE = 0.05
FORWARD_SHARE = 1 / 3
PT_CHANGE_SHARE = 0.25


def validate_groups(groups: Groups, ordered: StreamColumns) -> NDArray[np.bool_]:
    """True per group that passes the rules above; shape (len(groups),).

    ``ordered``: the columns of ``groups.rows``, in that order (``StreamColumns.gather``).
    """
    count = len(groups)
    if count == 0:
        return np.zeros(0, np.bool_)
    rows = groups.rows
    sizes = groups.sizes()
    inside = np.ones(len(rows) - 1, np.bool_)  # step i (row i -> i + 1) stays in its group
    inside[groups.starts[1:-1] - 1] = False

    # unsigned differences wrap modulo 2**16 / 2**32; viewed as signed they are the
    # steps of RFC 3550 A.1's modular arithmetic
    d_seq = np.diff(ordered.seq).view(np.int16)
    forward = inside & (d_seq >= 1) & (d_seq <= MAX_DROPOUT)
    seq_ok = inside & (d_seq >= -MAX_MISORDER) & (d_seq <= MAX_DROPOUT)
    del d_seq
    # RTP ticks allowed per step: (|arrival step| in s + 1) * MAX_CLOCK_HZ, computed in
    # place (several n-row temporaries less on million-packet captures)
    step_ns = np.diff(ordered.time_ns)
    allowed = np.abs(step_ns, out=step_ns).astype(np.float64)
    del step_ns
    allowed *= MAX_CLOCK_HZ / 1e9
    allowed += MAX_CLOCK_HZ
    d_ts = np.diff(ordered.timestamp).view(np.int32)
    ts_ok = forward & (d_ts >= 0)
    ts_ok &= d_ts <= allowed
    del allowed, d_ts
    pt_changed = np.diff(ordered.payload_type) != 0
    step_at = np.zeros(len(rows), np.int32)  # step_at[i]: flag of the step ending at row i

    def per_group(flags: NDArray[np.bool_]) -> NDArray[np.float64]:
        step_at[1:] = flags  # a group's first row ends no step of it (``inside`` is False)
        return np.add.reduceat(step_at, groups.starts[:-1]).astype(np.float64)

    steps = (sizes - 1).astype(np.float64)
    n_forward = per_group(forward)
    allowed_bad = np.floor(steps * BAD_STEP_SHARE)
    return (
        (sizes >= MIN_PACKETS)
        & (steps - per_group(seq_ok) <= allowed_bad)
        & (n_forward >= MIN_PACKETS - 1)
        & (n_forward >= steps * FORWARD_SHARE)
        & (n_forward - per_group(ts_ok) <= np.floor(n_forward * BAD_STEP_SHARE))
        & (per_group(inside & pt_changed) <= steps * PT_CHANGE_SHARE)
    )


def conversation_ids(table: PacketTable, rows: NDArray[np.int64]) -> NDArray[np.int64]:
    """Dense id per selected row of its conversation: the flow without direction.

    Both directions of an address:port pair get the same id; the transport and the
    GTP TEID (which differs between uplink and downlink tunnels) are ignored.
    Flows are grouped first (one sort of the rows), then paired per flow.
    """
    if len(rows) == 0:
        return np.zeros(0, np.int64)
    flows = flow_ids(table, rows)
    sample = np.empty(int(flows.max()) + 1, np.int64)
    sample[flows] = rows  # any row of each flow: they share addresses and ports
    a_side = table.src[sample].astype(np.int64) * 65536 + table.sport[sample]
    b_side = table.dst[sample].astype(np.int64) * 65536 + table.dport[sample]
    low, _, _ = dense_ids(np.minimum(a_side, b_side).astype(np.uint64))
    high, _, high_count = dense_ids(np.maximum(a_side, b_side).astype(np.uint64))
    return combine(low, high, high_count)[flows]
