"""Realistic AnalysisResults built without a capture: 2 calls, 4 streams, RTCP.

Stream 1 (A→B, PCMA) has random loss and a jitter episode; stream 2 (B→A) is clean;
call 2 has an AMR-WB pair where stream 3 loses a burst. Times follow 20 ms packets.
"""

from __future__ import annotations

import numpy as np

from callscope.core.model import (
    AnalysisResult,
    Call,
    CaptureInfo,
    Codec,
    MediaDescription,
    RtcpReport,
    Stream,
    StreamSeries,
    StreamStats,
)

T0_NS = 1_700_000_000_000_000_000


def _series(
    n: int, start_s: float, seed: int, lost: np.ndarray, jitter_sd_ms: np.ndarray, clock: int
) -> StreamSeries:
    """n sent packets 20 ms apart, minus ``lost`` (mask), with N(0, sd) arrival noise."""
    rng = np.random.default_rng(seed)
    send = start_s + np.arange(n) * 0.020
    noise = np.abs(rng.normal(0.0, 1.0, n)) * jitter_sd_ms / 1000.0
    keep = ~lost
    arrival = np.sort((send + noise)[keep])  # arrival order, as a capture records it
    seq = np.arange(n, dtype=np.int64)[keep] + 1000
    ts = seq * (clock // 50)
    delta = np.diff(arrival, prepend=arrival[0]) * 1000.0
    transit = arrival * 1000.0 - ts / (clock / 1000.0)
    d = np.abs(np.diff(transit, prepend=transit[0]))
    jitter = np.zeros(len(d))
    for i in range(1, len(d)):  # test data only: a plain loop is fine here
        jitter[i] = jitter[i - 1] + (d[i] - jitter[i - 1]) / 16.0
    lost_before = np.diff(seq, prepend=seq[0] - 1) - 1
    m = len(seq)
    marker = np.zeros(m, dtype=np.bool_)
    marker[0] = True
    return StreamSeries(
        frame=np.arange(m, dtype=np.int64) * 2 + seed,
        time_s=arrival,
        seq=seq,
        rtp_timestamp=ts,
        payload_type=np.full(m, 8, dtype=np.uint8),
        marker=marker,
        length=np.full(m, 172, dtype=np.int32),
        delta_ms=delta,
        jitter_ms=jitter,
        skew_ms=np.cumsum(np.full(m, 0.001)),
        sequence_error=lost_before > 0,
        lost_before=lost_before.astype(np.int64),
        wrong_timestamp=np.zeros(m, dtype=np.bool_),
    )


def _stats(series: StreamSeries) -> StreamStats:
    n = len(series.seq)
    expected = int(series.seq[-1] - series.seq[0] + 1)
    lost = expected - n
    d, j = series.delta_ms[1:], series.jitter_ms[1:]
    return StreamStats(
        packets=n, expected=expected, lost=lost, lost_percent=100.0 * lost / expected,
        sequence_errors=int(series.sequence_error.sum()),
        min_delta_ms=float(d.min()), mean_delta_ms=float(d.mean()), max_delta_ms=float(d.max()),
        max_delta_frame=int(series.frame[1 + int(d.argmax())]),
        min_jitter_ms=float(j.min()), mean_jitter_ms=float(j.mean()),
        max_jitter_ms=float(j.max()), mean_delta_ms_true=float(d.mean()),
        mean_jitter_ms_true=float(j.mean()), max_skew_ms=0.5, clock_drift_ms=0.1,
        freq_drift_hz=8000.0, freq_drift_percent=0.0, payload_changes=0, marker_packets=1,
        wrong_timestamps=0, duplicates=0, out_of_order=0,
        problems=bool(series.sequence_error.any()),
    )  # fmt: skip


def _stream(
    sid: int, src: tuple[str, int], dst: tuple[str, int], ssrc: int, call_id: str,
    series: StreamSeries, codec: str, pt: int, clock: int,
) -> Stream:  # fmt: skip
    series.payload_type[:] = pt
    start_ns = T0_NS + int(series.time_s[0] * 1e9)
    end_ns = T0_NS + int(series.time_s[-1] * 1e9)
    rtcp = [
        RtcpReport(
            frame=100 * k, time_s=float(series.time_s[0]) + 5.0 * k, reporter_ssrc=ssrc ^ 0xFFFF,
            fraction_lost=0.02 * (k % 2), cumulative_lost=k, highest_seq=int(series.seq[0]) + k,
            jitter_ms=1.0 + k * 0.5, lsr=0, dlsr=0,
        )
        for k in range(1, int((series.time_s[-1] - series.time_s[0]) // 5.0) + 1)
    ]
    return Stream(
        id=sid, src=src[0], sport=src[1], dst=dst[0], dport=dst[1], transport="udp", teid=0,
        ssrc=ssrc, payload_types=[pt], codec=codec, clock_rate=clock, call_id=call_id,
        srtp=False, found_by="sdp", start_ns=start_ns, end_ns=end_ns, stats=_stats(series),
        series=series, rtcp=rtcp,
    )  # fmt: skip


def _media(address: str, port: int, pt: int, codec: Codec) -> MediaDescription:
    return MediaDescription(address, port, "audio", "RTP/AVP", (pt,), {pt: codec})


def fake_result(n: int = 3000, path: str = "/captures/fake.pcap") -> AnalysisResult:
    """Two calls, four streams of about ``n`` packets each (60 s at n=3000)."""
    rng = np.random.default_rng(7)
    no_loss = np.zeros(n, dtype=np.bool_)
    random_loss = rng.random(n) < 0.02
    burst = no_loss.copy()
    burst[n // 2 : n // 2 + 25] = True
    calm = np.full(n, 0.4)
    episode = calm.copy()
    episode[n // 3 : n // 3 + n // 10] = 25.0  # a jitter episode of n/10 packets
    a, b, c, d = ("10.0.0.1", 40000), ("10.0.0.2", 50000), ("10.0.1.5", 4002), ("10.0.1.9", 6002)
    streams = [
        _stream(1, a, b, 0x1A2B3C4D, "call-1@pbx", _series(n, 1.0, 1, random_loss, episode, 8000),
                "PCMA", 8, 8000),
        _stream(2, b, a, 0x5E6F7081, "call-1@pbx", _series(n, 1.01, 2, no_loss, calm, 8000),
                "PCMA", 8, 8000),
        _stream(3, c, d, 0x0BADF00D, "call-2@ims", _series(n, 3.0, 3, burst, calm, 16000),
                "AMR-WB", 97, 16000),
        _stream(4, d, c, 0x600DCAFE, "call-2@ims", _series(n, 3.02, 4, no_loss, calm, 16000),
                "AMR-WB", 97, 16000),
    ]  # fmt: skip
    pcma, amrwb = Codec("PCMA", 8000), Codec("AMR-WB", 16000)
    end_s = max(float(s.series.time_s[-1]) for s in streams) + 0.5
    calls = [
        Call("call-1@pbx", "sip:*******123@e***.com", "sip:*******456@e***.com", "COMPLETED",
             T0_NS + int(0.5e9), T0_NS + int((1.0 + n * 0.02 + 0.2) * 1e9),
             [_media(a[0], a[1], 8, pcma), _media(b[0], b[1], 8, pcma)], [1, 2], messages=7),
        Call("call-2@ims", "tel:+*******789", "tel:+*******012", "IN CALL",
             T0_NS + int(2.5e9), T0_NS + int((3.0 + n * 0.02) * 1e9),
             [_media(c[0], c[1], 97, amrwb), _media(d[0], d[1], 97, amrwb)], [3, 4], messages=5),
    ]  # fmt: skip
    info = CaptureInfo(
        path=path, sha256="0" * 64, size_bytes=4 * n * 214, packets=4 * n + 12,
        link_types=("ethernet",), start_ns=T0_NS, end_ns=T0_NS + int(end_s * 1e9),
    )  # fmt: skip
    return AnalysisResult(capture=info, calls=calls, streams=streams)


def empty_result(path: str = "/captures/no-rtp.pcap") -> AnalysisResult:
    """A capture with frames but no RTP stream and no call."""
    info = CaptureInfo(path, "0" * 64, 4000, 20, ("ethernet",), T0_NS, T0_NS + 10**9)
    return AnalysisResult(capture=info, calls=[], streams=[])
