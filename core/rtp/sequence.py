"""RTP sequence numbers: extension, Wireshark 4.0's sequence errors and expected count, our
duplicate / out-of-order counts.

Wireshark's rules (``ui/tap-rtp-analysis.c``, ``rtppacket_analyse``, 4.0) keep one 16-bit
"last good" sequence number S. A packet that is in timestamp order (see ``timing.in_time``)
moves S to its own number unless it lies 0..0xFF00 below S (late or duplicate); a packet
that is out of timestamp order never moves S. A sequence error is counted for every jump
(anything but S+1, with 65535 -> 0 allowed) and for every packet at or below S. The
expected count is ``last seq + 65536 * cycles - first seq + 1``, where a cycle starts when
an in-order packet falls below the FIRST sequence number (``rtpstream_info_calculate`` in
``ui/tap-rtp-common.c``): first/last, not min/max, in Wireshark 4.0.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from callscope.core.rtp.timing import last_true_index

LATE_WINDOW = 0xFF00  # Wireshark: a packet further than this below S is a wrap, not late
_INT64_MIN = int(np.iinfo(np.int64).min)


def unwrap(values: NDArray[np.integer], bits: int) -> NDArray[np.int64]:
    """Extend wrapping counters (shape (n,)) to int64, each value closest to the previous one.

    Same rule as Wireshark's ``calculate_extended_seqno``/``_timestamp`` (packet-rtp.c): a
    step of more than half the range is taken as a wrap. The result is shifted by whole
    periods so that its minimum lies in [0, 2**bits).
    """
    v = np.asarray(values).astype(np.int64)
    if v.size == 0:
        return v
    full = np.int64(1) << bits
    half = full >> 1
    step = v[1:] - v[:-1]
    if step.size and (int(step.min()) < -half or int(step.max()) > half):  # a wrap (rare)
        step = np.where(step < -half, step + full, np.where(step > half, step - full, step))
    out = np.empty_like(v)
    out[0] = v[0]
    np.cumsum(step, out=out[1:])
    out[1:] += v[0]
    low = int(out.min())
    if low < 0:
        out += ((-low + full - 1) // full) * full
    return out


class SequenceFlags(NamedTuple):
    """Per-packet outcome of Wireshark's sequence check, shape (n,) each."""

    error: NDArray[np.bool_]  # STAT_FLAG_WRONG_SEQ
    advances: NDArray[np.bool_]  # the packet became Wireshark's "last good" sequence number


def wireshark_sequence_flags(seq: NDArray[np.uint16], in_time: NDArray[np.bool_],
                             ext: NDArray[np.int64] | None = None) -> SequenceFlags:
    """Wireshark 4.0's sequence errors, vectorized where the stream is sane.

    Model: S is the 16-bit image of the running maximum of the extended sequence over
    in-time packets. That model is checked against Wireshark's rule for every packet; from
    the first packet where they disagree (a forward jump of 256..32768 across the wrap, a
    jump of more than 32768, ...) an exact loop takes over. The loop visits only irregular
    packets and handles runs of packets that leave S alone in one numpy step. ``ext`` is
    ``unwrap(seq, 16)`` when the caller already has it.
    """
    s = np.asarray(seq).astype(np.int64)
    t = np.asarray(in_time, dtype=bool)
    n = s.size
    error = np.zeros(n, dtype=bool)
    advances = np.zeros(n, dtype=bool)
    if n == 0:
        return SequenceFlags(error, advances)
    advances[0] = True
    ext = unwrap(s, 16) if ext is None else ext
    running = np.where(t, ext, _INT64_MIN)
    running[0] = ext[0]
    prev_max = np.maximum.accumulate(running)[:-1]  # model's S before packets 1..n-1
    model_state = prev_max & 0xFFFF
    below = model_state - s[1:]
    late = (below >= 0) & (below <= LATE_WINDOW)
    ws_advance = t[1:] & ~late
    model_advance = t[1:] & (ext[1:] > prev_max)
    disagree = np.flatnonzero(ws_advance != model_advance)
    stop = n if disagree.size == 0 else int(disagree[0]) + 1
    adv = ws_advance[: stop - 1]
    advances[1:stop] = adv
    step_ok = (s[1:stop] == ((model_state[: stop - 1] + 1) & 0xFFFF))
    error[1:stop] = np.where(adv, ~step_ok, s[1:stop] <= model_state[: stop - 1])
    if stop < n:
        state = int(model_state[stop - 1])
        _exact_tail(s, t, stop, state, error, advances)
    return SequenceFlags(error, advances)


def _exact_tail(
    s: NDArray[np.int64],
    t: NDArray[np.bool_],
    start: int,
    state: int,
    error: NDArray[np.bool_],
    advances: NDArray[np.bool_],
) -> None:
    """Wireshark's sequence rule from packet ``start`` on, given S before it (in place)."""
    n = s.size
    regular = np.zeros(n, dtype=bool)
    regular[1:] = t[1:] & (s[1:] == ((s[:-1] + 1) & 0xFFFF))
    irregular = np.flatnonzero(~regular)
    pos = start
    while pos < n:
        if t[pos] and s[pos] == ((state + 1) & 0xFFFF):
            k = int(np.searchsorted(irregular, pos, side="right"))
            end = int(irregular[k]) if k < irregular.size else n
            advances[pos:end] = True  # error stays False: each is S+1
            state = int(s[end - 1])
            pos = end
            continue
        hit = _first_advance(s, t, pos, state)
        error[pos:hit] = s[pos:hit] <= state  # these leave S alone
        if hit == n:
            break
        advances[hit] = True
        error[hit] = int(s[hit]) != ((state + 1) & 0xFFFF)
        state = int(s[hit])
        pos = hit + 1


def _first_advance(s: NDArray[np.int64], t: NDArray[np.bool_], pos: int, state: int) -> int:
    """First index >= ``pos`` whose packet moves S (n if none), with a growing look-ahead."""
    n = s.size
    width = 64
    while pos < n:
        end = min(n, pos + width)
        below = state - s[pos:end]
        moves = t[pos:end] & ~((below >= 0) & (below <= LATE_WINDOW))
        hits = np.flatnonzero(moves)
        if hits.size:
            return pos + int(hits[0])
        pos = end
        width *= 2
    return n


def wireshark_expected(seq: NDArray[np.uint16], in_time: NDArray[np.bool_]) -> int:
    """Wireshark 4.0's expected packet count: last - first + 1 + 65536 * wrap cycles.

    A cycle is counted when an in-time packet is below the first sequence number (or is 0
    right after 65535) while the "under" latch is off; an in-time packet above the first
    sequence number resets the latch. Can be < 1 for odd streams (Wireshark's value).
    """
    s = np.asarray(seq).astype(np.int64)
    t = np.asarray(in_time, dtype=bool)
    if s.size == 0:
        return 0
    first = int(s[0])
    set_ = np.zeros(s.size, dtype=bool)
    set_[1:] = t[1:] & ((s[1:] < first) | ((s[1:] == 0) & (s[:-1] == 65535)))
    reset = np.zeros(s.size, dtype=bool)
    reset[1:] = t[1:] & (s[1:] > first)
    # latch value after each packet = kind of the last set/reset event (forward fill)
    events = set_ | reset
    last_event = last_true_index(events)
    latch = np.where(last_event >= 0, set_[np.maximum(last_event, 0)], False)
    before = np.concatenate(([False], latch[:-1]))
    cycles = int(np.count_nonzero(set_ & ~before))
    return int(s[-1]) + cycles * 0x10000 - first + 1


class OrderCounts(NamedTuple):
    """Our own reorder facts over the extended sequence (shape (n,) masks)."""

    duplicate: NDArray[np.bool_]  # number already received earlier in the stream
    out_of_order: NDArray[np.bool_]  # below the highest number seen so far, not a duplicate
    lost_before: NDArray[np.int64]  # numbers skipped when this packet raised the highest


def order_counts(ext_seq: NDArray[np.int64]) -> OrderCounts:
    """Duplicates, late packets and gaps from the extended sequence (arrival order)."""
    e = np.asarray(ext_seq, dtype=np.int64)
    n = e.size
    duplicate = np.zeros(n, dtype=bool)
    out_of_order = np.zeros(n, dtype=bool)
    lost_before = np.zeros(n, dtype=np.int64)
    if n < 2:
        return OrderCounts(duplicate, out_of_order, lost_before)
    step = e[1:] - e[:-1]
    if bool((step > 0).all()):  # strictly rising: no duplicate, none late, gaps = step - 1
        lost_before[1:] = step - 1
        return OrderCounts(duplicate, out_of_order, lost_before)
    order = np.argsort(e, kind="stable")
    sorted_e = e[order]
    duplicate[order[1:]] = sorted_e[1:] == sorted_e[:-1]
    highest = np.maximum.accumulate(e)[:-1]
    out_of_order[1:] = (e[1:] < highest) & ~duplicate[1:]
    lost_before[1:] = np.maximum(e[1:] - highest - 1, 0)
    return OrderCounts(duplicate, out_of_order, lost_before)
