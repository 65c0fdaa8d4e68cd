"""analyse_stream against a plain per-packet model of Wireshark 4.0's RTP analysis.

``wireshark_model`` below re-states ``rtppacket_analyse`` (ui/tap-rtp-analysis.c, 4.0) and
``rtpstream_info_calculate`` (ui/tap-rtp-common.c) one packet at a time, in the order and
with the state Wireshark keeps; the model itself was checked against tshark 4.0.17 on the
corpus (test_rtp_metrics_tshark.py) and on random streams written to pcap.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callscope.core.errors import CallScopeError
from callscope.core.rtp.metrics import analyse_stream

START_NS = 1_700_000_000_000_000_000


def wireshark_model(cols: dict[str, list[Any]], clock_rates: dict[int, int],
                    event_pts: frozenset[int], start_ns: int) -> dict[str, Any]:
    """One packet at a time, Wireshark 4.0 style; returns stats and per-packet rows."""
    n = len(cols["seq"])
    out: dict[str, Any] = {"delta": [], "jitter": [], "skew": [], "seqerr": [], "wrongts": []}
    reg_delta: list[float] = []
    reg_jit: list[float] = []
    seq_errors = wrong_ts = changes = 0
    for i in range(n):
        rel = cols["time_ns"][i] - start_ns  # nstime_delta: secs and nsecs share the sign
        secs, nsecs = divmod(abs(rel), 1_000_000_000)
        now = math.copysign(1, rel) * secs * 1000.0 + math.copysign(1, rel) * nsecs / 1000000.0
        s, p, ts = cols["seq"][i], cols["payload_type"][i], cols["timestamp"][i]
        if i == 0:
            first_ts, start_seq, last_good, start_time, ref_time = ts, s, s, now, now
            last_nominal = delta = jitter = skew = max_skew = 0.0
            prev_pt = reg_pt = p
            max_delta, min_delta, mean_delta = 0.0, -1.0, 0.0
            max_jitter, min_jitter, mean_jitter = 0.0, -1.0, 0.0
            sums = [0.0, 0.0, 0.0, 0.0]
            max_frame = cycles = last_clock = 0
            under = False
            stop_seq = s
            for k, v in (("delta", 0.0), ("jitter", 0.0), ("skew", 0.0), ("seqerr", False),
                         ("wrongts", False)):
                out[k].append(v)
            continue
        offset = (ts - first_ts) % (1 << 32)
        in_time = offset < (1 << 31) or (ts < first_ts and offset == 1 << 31)
        wrapped = s < start_seq or (s == 0 and stop_seq == 65535)
        if wrapped and in_time and not under:
            cycles, under = cycles + 1, True
        elif s > start_seq and in_time and under:
            under = False
        seqerr = False
        if in_time and (last_good + 1 == s or (last_good == 65535 and s == 0)):
            last_good = s
        elif in_time and (last_good + 1 < s or last_good - s > 0xFF00):
            last_good, seqerr = s, True
        elif last_good + 1 > s:
            seqerr = True
        cn, after_cn = p in (13, 19), prev_pt in (13, 19)
        prev_pt = p
        clock = 0 if p in event_pts else clock_rates.get(p, 0)
        clock = clock if clock >= 1000 else 0
        current_jitter = 0.0
        if in_time:
            arrival = now - start_time
            nominal = float(offset)
            if clock:
                last_clock = clock
                nominal = nominal / (clock // 1000)
                diff = abs(now - (ref_time + (nominal - last_nominal)))
                current_jitter = jitter = (15 * jitter + diff) / 16
                delta = now - ref_time
                last_nominal = nominal
                skew = nominal - arrival
                max_skew = skew if abs(skew) > abs(max_skew) else max_skew
                for k, v in enumerate((arrival, nominal, arrival * arrival, arrival * nominal)):
                    sums[k] += v
            else:
                delta = now - ref_time
        if not (cols["marker"][i] or cn or after_cn or not in_time):
            if delta > max_delta:
                max_delta, max_frame = delta, cols["frame"][i]
            min_delta = delta if min_delta == -1 or delta < min_delta else min_delta
            mean_delta = (mean_delta * (i - 1) + delta) / i
            reg_delta.append(delta)
            if clock:
                max_jitter = max(max_jitter, jitter)
                mean_jitter = (mean_jitter * (i - 1) + current_jitter) / i
                min_jitter = jitter if min_jitter == -1 or jitter < min_jitter else min_jitter
                reg_jit.append(jitter)
        if not cn:
            changes += p != reg_pt
            reg_pt = p
        if in_time:
            ref_time = now
        stop_seq = s
        seq_errors += seqerr
        wrong_ts += not in_time
        for k, v in (("delta", delta), ("jitter", jitter), ("skew", skew), ("seqerr", seqerr),
                     ("wrongts", not in_time)):
            out[k].append(v)
    expected = stop_seq + cycles * 0x10000 - start_seq + 1
    sumt, sum_ts, sumt2, sumt_ts = sums
    drift = (0.0, 0.0, 0.0)
    if sumt2 > 0:
        x = (n * sumt_ts - sumt * sum_ts) / (n * sumt2 - sumt * sumt)
        rate = int(last_clock * x) & 0xFFFFFFFF if abs(last_clock * x) < 2.0**63 else 0
        drift = ((ref_time - start_time) * (x - 1.0), x * rate, 100 * (x - 1))
    out.update(
        packets=n, expected=expected, lost=expected - n, sequence_errors=seq_errors,
        min_delta_ms=min_delta, mean_delta_ms=mean_delta, max_delta_ms=max_delta,
        max_delta_frame=max_frame, min_jitter_ms=min_jitter, mean_jitter_ms=mean_jitter,
        max_jitter_ms=max_jitter, max_skew_ms=max_skew, clock_drift_ms=drift[0],
        freq_drift_hz=drift[1], freq_drift_percent=drift[2], payload_changes=changes,
        mean_delta_ms_true=math.fsum(reg_delta) / len(reg_delta) if reg_delta else math.nan,
        mean_jitter_ms_true=math.fsum(reg_jit) / len(reg_jit) if reg_jit else math.nan,
        marker_packets=sum(cols["marker"]), wrong_timestamps=wrong_ts,
        problems=seq_errors > 0 or wrong_ts > 0, **_our_order_counts(cols["seq"]),
    )
    return out


def _our_order_counts(seq: list[int]) -> dict[str, Any]:
    """Duplicates / late packets / gaps over a closest-to-previous extended sequence."""
    ext: list[int] = []
    for s in seq:
        if not ext:
            ext.append(s)
            continue
        step = (s - ext[-1]) % 65536
        ext.append(ext[-1] + (step - 65536 if step > 32768 else step))
    seen: set[int] = set()
    dups = late = 0
    lost_before = []
    highest = None
    for e in ext:
        dup = e in seen
        dups += dup
        late += (not dup) and highest is not None and e < highest
        lost_before.append(max(e - highest - 1, 0) if highest is not None else 0)
        seen.add(e)
        highest = e if highest is None else max(highest, e)
    return {"duplicates": dups, "out_of_order": late, "lost_before_rows": lost_before}


def _run(cols: dict[str, list[Any]], clock_rates: dict[int, int],
         event_pts: frozenset[int] = frozenset()) -> tuple[Any, Any]:
    return analyse_stream(
        frame=np.array(cols["frame"], dtype=np.int64),
        time_ns=np.array(cols["time_ns"], dtype=np.int64),
        seq=np.array(cols["seq"], dtype=np.uint16),
        timestamp=np.array(cols["timestamp"], dtype=np.uint32),
        payload_type=np.array(cols["payload_type"], dtype=np.uint8),
        marker=np.array(cols["marker"], dtype=bool),
        length=np.full(len(cols["seq"]), 172, dtype=np.int32),
        clock_rates=clock_rates, event_pts=event_pts, capture_start_ns=START_NS,
    )


EXACT = ("packets", "expected", "lost", "sequence_errors", "max_delta_frame", "payload_changes",
         "marker_packets", "wrong_timestamps", "duplicates", "out_of_order", "problems")
CLOSE = ("min_delta_ms", "mean_delta_ms", "max_delta_ms", "min_jitter_ms", "mean_jitter_ms",
         "max_jitter_ms", "mean_delta_ms_true", "mean_jitter_ms_true", "max_skew_ms",
         "clock_drift_ms", "freq_drift_hz", "freq_drift_percent")


def assert_matches_model(cols: dict[str, list[Any]], clock_rates: dict[int, int],
                         event_pts: frozenset[int] = frozenset()) -> None:
    stats, series = _run(cols, clock_rates, event_pts)
    want = wireshark_model(cols, clock_rates, event_pts, START_NS)
    for name in EXACT:
        assert getattr(stats, name) == want[name], name
    for name in CLOSE:
        got, exp = getattr(stats, name), want[name]
        if math.isnan(exp):
            assert math.isnan(got), name
        else:
            assert got == pytest.approx(exp, rel=1e-9, abs=1e-9), name
    np.testing.assert_allclose(series.delta_ms, want["delta"], rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(series.jitter_ms, want["jitter"], rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(series.skew_ms, want["skew"], rtol=1e-12, atol=1e-9)
    assert series.sequence_error.tolist() == want["seqerr"]
    assert series.wrong_timestamp.tolist() == want["wrongts"]
    assert series.lost_before.tolist() == want["lost_before_rows"]
    assert (np.asarray(series.seq) % 65536).tolist() == cols["seq"]
    assert (np.asarray(series.rtp_timestamp) % (1 << 32)).tolist() == cols["timestamp"]


EVENTS = ["ok"] * 12 + ["loss", "dup", "swap", "seq_jump", "ts_jump", "seq_back", "time_back"]
CLOCKS = {0: 8000, 8: 8000, 13: 8000, 18: 8000, 11: 44100, 16: 11025, 96: 16000, 97: 90000,
          98: 500}


@st.composite
def streams(draw: st.DrawFn) -> tuple[dict[str, list[Any]], frozenset[int]]:
    """An RTP stream with loss, duplicates, reordering, wraps, jumps, marker, PT/CN changes."""
    seq = draw(st.sampled_from([0, 1, 100, 65000, 65534, 65535]) | st.integers(0, 65535))
    ts = draw(st.sampled_from([0, (1 << 31) - 160, 1 << 31, (1 << 32) - 400])
              | st.integers(0, (1 << 32) - 1))
    step = draw(st.sampled_from([160, 240, 320, 441, 80, 3000]))
    pts = draw(st.sampled_from([[8], [0, 13], [18, 19], [8, 101], [11], [16], [96, 97],
                                [120], [98], [0, 8, 13, 101]]))
    steps = draw(st.lists(st.tuples(st.sampled_from(EVENTS), st.integers(0, 65535),
                                    st.integers(0, (1 << 32) - 1), st.integers(0, 40_000_000),
                                    st.integers(0, len(pts) - 1), st.booleans()),
                          min_size=1, max_size=160))
    cols: dict[str, list[Any]] = {k: [] for k in ("seq", "timestamp", "time_ns",
                                                  "payload_type", "marker")}
    t = START_NS + draw(st.integers(-5_000_000_000, 5_000_000_000))
    for kind, big, huge, wobble, pt_index, mark in steps:
        if kind == "loss":
            seq, ts, t = seq + big % 4 + 1, ts + step * (big % 4 + 1), t + 20_000_000
        elif kind == "seq_jump":
            seq = big
        elif kind == "ts_jump":
            ts = huge
        elif kind == "seq_back":
            seq -= big % 300 + 1
        elif kind == "time_back":
            t -= wobble
        row = (seq % 65536, ts % (1 << 32), t + wobble, pts[pt_index], mark and pt_index == 0)
        for key, value in zip(cols, row, strict=True):
            cols[key].append(value)
        if kind == "dup":
            for key in cols:
                cols[key].append(cols[key][-1])
        if kind == "swap" and len(cols["seq"]) > 2:
            for key in ("seq", "timestamp", "payload_type"):
                cols[key][-1], cols[key][-2] = cols[key][-2], cols[key][-1]
        seq, ts, t = seq + 1, ts + step, t + 20_000_000
    cols["frame"] = list(range(1, len(cols["seq"]) + 1))
    return cols, frozenset({101} & set(pts))


@settings(max_examples=200, deadline=None)
@given(streams())
def test_matches_wireshark_model_on_generated_streams(case: tuple[dict[str, list[Any]],
                                                                 frozenset[int]]) -> None:
    cols, events = case
    assert_matches_model(cols, CLOCKS, events)


def _regular_stream(n: int = 50, pt: int = 8, step: int = 160,
                    noise_ns: int = 3_000_000) -> dict[str, list[Any]]:
    jitter_ns = np.random.default_rng(7).integers(0, noise_ns + 1, n)
    return {"frame": list(range(1, n + 1)), "seq": [(65500 + i) % 65536 for i in range(n)],
            "timestamp": [(4_294_960_000 + i * step) % (1 << 32) for i in range(n)],
            "time_ns": [START_NS + 10**9 + i * 20_000_000 + int(j)
                        for i, j in enumerate(jitter_ns)],
            "payload_type": [pt] * n, "marker": [False] * n}


def test_clean_stream_across_both_wraps_has_no_problem() -> None:
    cols = _regular_stream()
    stats, series = _run(cols, {8: 8000})
    assert (stats.packets, stats.expected, stats.lost, stats.sequence_errors) == (50, 50, 0, 0)
    assert not stats.problems and stats.wrong_timestamps == 0
    assert series.seq.tolist() == list(range(65500, 65550))
    assert 0 < stats.min_jitter_ms <= stats.mean_jitter_ms_true <= stats.max_jitter_ms
    assert series.time_s[0] == pytest.approx((cols["time_ns"][0] - START_NS) / 1e9, abs=1e-12)


def test_unknown_clock_gives_delta_only_like_tshark() -> None:
    stats, series = _run(_regular_stream(pt=120), {})
    assert (stats.min_jitter_ms, stats.mean_jitter_ms, stats.max_jitter_ms) == (-1.0, 0.0, 0.0)
    assert math.isnan(stats.mean_jitter_ms_true)
    assert not series.jitter_ms.any() and stats.max_delta_ms > 19.0
    assert stats.clock_drift_ms == 0.0 and stats.max_skew_ms == 0.0


def test_mean_quirk_counts_skipped_packets_at_the_running_mean() -> None:
    cols = _regular_stream(n=11)
    cols["marker"][1] = True  # the 2nd packet's delta is skipped, weighing 0 in the mean
    stats, _ = _run(cols, {8: 8000})
    assert stats.mean_delta_ms == pytest.approx(stats.mean_delta_ms_true * 9 / 10, rel=1e-12)


def test_payload_change_alone_is_not_a_problem_and_events_have_no_jitter() -> None:
    cols = _regular_stream(n=40)
    for i in range(10, 20):
        cols["payload_type"][i] = 101
        cols["timestamp"][i] = cols["timestamp"][10]  # RFC 4733: one timestamp per event
    stats, _ = _run(cols, {8: 8000, 101: 8000}, frozenset({101}))
    assert stats.payload_changes == 2 and not stats.problems
    assert_matches_model(cols, {8: 8000, 101: 8000}, frozenset({101}))


def test_duplicates_make_lost_negative_and_are_counted() -> None:
    cols = _regular_stream(n=20)
    for key in cols:
        cols[key] = [v for v in cols[key] for _ in (0, 1)]
    cols["frame"] = list(range(1, 41))
    stats, _ = _run(cols, {8: 8000})
    assert (stats.packets, stats.expected, stats.lost) == (40, 20, -20)
    assert stats.duplicates == 20 and stats.out_of_order == 0 and stats.problems


def test_l16_44100_uses_wiresharks_integer_milliseconds() -> None:
    cols = _regular_stream(pt=11, step=882, noise_ns=0)  # 20 ms at 44.1 kHz
    stats, _ = _run(cols, {11: 44100})
    per_packet = 882 / 44 - 20.0  # Wireshark: clock // 1000 = 44 ticks per ms
    assert stats.max_jitter_ms == pytest.approx(per_packet * (1 - (15 / 16) ** 49), rel=1e-6)
    assert stats.max_skew_ms == pytest.approx(49 * per_packet, rel=1e-6)  # TS runs fast: > 0


def test_rejects_mismatched_or_empty_columns() -> None:
    cols = _regular_stream(n=3)
    with pytest.raises(CallScopeError, match="same length"):
        analyse_stream(frame=np.arange(3), time_ns=np.zeros(2, dtype=np.int64),
                       seq=np.zeros(3, np.uint16), timestamp=np.zeros(3, np.uint32),
                       payload_type=np.zeros(3, np.uint8), marker=np.zeros(3, bool),
                       length=np.zeros(3, np.int32), clock_rates={}, capture_start_ns=0)
    with pytest.raises(CallScopeError, match="without packets"):
        _run({k: [] for k in cols}, {})


def test_single_packet_stream() -> None:
    stats, series = _run(_regular_stream(n=1), {8: 8000})
    assert (stats.packets, stats.expected, stats.lost, stats.min_delta_ms) == (1, 1, 0, -1.0)
    assert series.delta_ms.tolist() == [0.0] and not stats.problems
