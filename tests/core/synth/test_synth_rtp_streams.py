"""RTP stream synthesis: the truth equals an independent recount of the written file."""

from __future__ import annotations

import struct
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from synth_reader import Datagram

from callscope.core.errors import CallScopeError
from callscope.core.synth.impairments import Impairments, JitterEpisode
from callscope.core.synth.pcap_writer import CaptureWriter
from callscope.core.synth.rtp_streams import RtpGenerator, StreamSpec
from callscope.core.synth.truth import TruthCounter

Reader = Callable[[Path], list[Datagram]]


def _write(path: Path, specs: list[StreamSpec], seed: int = 1, **kw: Any) -> RtpGenerator:
    gen = RtpGenerator(specs, seed=seed, **kw)
    with CaptureWriter(path, "pcap") as writer:
        for batch in gen.batches():
            writer.write(batch.frames)
    return gen


def _recount(datagrams: list[Datagram]) -> dict[int, dict[str, Any]]:
    """Per SSRC, counted the way Wireshark's RTP Streams counts (Python, independent)."""
    out: dict[int, dict[str, Any]] = {}
    for d in datagrams:
        b0, b1, seq, ts, ssrc = struct.unpack("!BBHII", d.payload[:12])
        assert b0 == 0x80  # RTP version 2, no padding/extension/CSRC
        s = out.setdefault(ssrc, {"n": 0, "seen": set(), "dups": 0, "markers": 0, "ext": [],
                                  "pt": b1 & 0x7F, "ts": [], "last": None, "port": d.dport})
        ext = seq if s["last"] is None else s["last"] + ((seq - s["last"] + 32768) % 65536 - 32768)
        s["last"] = ext
        s["n"] += 1
        s["dups"] += ext in s["seen"]
        s["late"] = s.get("late", 0) + (ext not in s["seen"] and ext < s.get("top", ext))
        s["top"] = max(s.get("top", ext), ext)
        s["seen"].add(ext)
        s["markers"] += b1 >> 7
        s["ext"].append(ext)
        s["ts"].append(ts)
    for s in out.values():
        s["expected"] = s["ext"][-1] - s["ext"][0] + 1  # last arrival - first arrival
        s["lost"] = s["expected"] - s["n"]
        s["lost_unique"] = max(s["ext"]) - min(s["ext"]) + 1 - len(s["seen"])
    return out


def _specs(count: int, imp: Impairments, packets: int = 300, **kw: Any) -> list[StreamSpec]:
    return [StreamSpec(f"198.51.100.{i + 1}", 20000 + 2 * i, f"203.0.113.{i + 1}", 10000 + 2 * i,
                       packets=packets, start_s=0.003 * i, impairments=imp, **kw)
            for i in range(count)]


IMPAIRED = Impairments(loss=0.03, burst_rate=0.01, burst_mean=5, jitter_ms=3, reorder=0.02,
                       duplicates=0.02, episodes=(JitterEpisode(2.0, 1.5, 50.0, 20.0),))


def test_truth_equals_independent_recount_across_windows(tmp_path: Path,
                                                          read_capture: Reader) -> None:
    path = tmp_path / "x.pcap"
    gen = _write(path, _specs(6, IMPAIRED), chunk_packets=400)  # ~5 windows, carries
    got = read_capture(path)
    times = [d.ts for d in got]
    assert times == sorted(times)  # batches came out in global arrival order
    counted = _recount(got)
    truth = gen.truth()
    assert len(counted) == len(truth) == 6
    for t in truth:
        c = counted[t.ssrc]
        assert (t.received, t.expected, t.lost, t.lost_unique, t.duplicates, t.marker_packets,
                t.out_of_order) == (c["n"], c["expected"], c["lost"], c["lost_unique"], c["dups"],
                                    c["markers"], c["late"])
        assert c["port"] == t.dport and c["pt"] == 0 and t.first_seq == min(c["ext"])
    assert sum(t.duplicates for t in truth) > 0 and sum(t.out_of_order for t in truth) > 0
    assert sum(t.lost_unique for t in truth) > sum(t.lost for t in truth) > 0


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a.pcap", tmp_path / "b.pcap", tmp_path / "c.pcap"
    _write(a, _specs(3, IMPAIRED), seed=5)
    _write(b, _specs(3, IMPAIRED), seed=5)
    _write(c, _specs(3, IMPAIRED), seed=6)
    assert a.read_bytes() == b.read_bytes() != c.read_bytes()


def test_silence_sets_marker_and_timestamps_jump(tmp_path: Path, read_capture: Reader) -> None:
    path = tmp_path / "x.pcap"
    spec = StreamSpec("192.0.2.1", 4000, "192.0.2.2", 4002, packets=200,
                      silences=((1.0, 0.5), (2.0, 0.4)))
    gen = _write(path, [spec])
    counted = _recount(read_capture(path))
    (c,) = counted.values()
    (t,) = gen.truth()
    assert t.sent == c["n"] == 200 - 25 - 20 and t.lost == 0 and c["markers"] == 3
    ts = np.array(c["ts"], dtype=np.int64)
    steps = np.diff(ts) % (1 << 32)
    assert sorted(set(steps.tolist())) == [160, 160 * 21, 160 * 26]  # 20 ms, +silences
    assert np.all(np.diff(c["ext"]) == 1)  # no sequence gap across a silence


def test_loss_window_removes_exactly_its_packets(tmp_path: Path, read_capture: Reader) -> None:
    path = tmp_path / "x.pcap"
    imp = Impairments(loss_windows=((1.0, 0.2),))
    gen = _write(path, [StreamSpec("192.0.2.1", 4000, "192.0.2.2", 4002, packets=100,
                                   impairments=imp)])
    (c,) = _recount(read_capture(path)).values()
    first = min(c["ext"])
    missing = sorted(set(range(first, first + 100)) - c["seen"])
    assert missing == list(range(first + 50, first + 60))
    assert gen.truth()[0].lost == 10


def test_duplicates_make_lost_negative(tmp_path: Path) -> None:
    gen = _write(tmp_path / "x.pcap", _specs(2, Impairments(duplicates=0.1)))
    for t in gen.truth():
        assert t.duplicates > 0 and t.lost == -t.duplicates and t.lost_unique == 0


def test_sequence_wraps_and_ipv6(tmp_path: Path) -> None:
    path = tmp_path / "x.pcap"
    spec = StreamSpec("2001:db8::1", 4000, "2001:db8::2", 4002, packets=70_000, ptime_ms=10,
                      codec="pcma", impairments=Impairments(loss=0.01))
    gen = _write(path, [spec])
    (t,) = gen.truth()
    # every record is 16 + 14 + 40 + 8 + 12 + 80 bytes: read the fields at fixed offsets
    records = np.frombuffer(path.read_bytes()[24:], np.uint8).reshape(-1, 170)
    assert np.all(records[:, 16 + 12] == 0x86) and np.all(records[:, 16 + 13] == 0xDD)
    rtp = records[:, 16 + 14 + 40 + 8 :]
    seq = rtp[:, 2].astype(np.int64) << 8 | rtp[:, 3]
    ext = seq[0] + np.concatenate([[0], np.cumsum((np.diff(seq) + 32768) % 65536 - 32768)])
    assert (t.received, t.expected) == (len(records), int(ext.max() - ext.min() + 1))
    assert t.expected > 65536 and t.lost == t.expected - t.received > 0
    assert np.all(rtp[:, 1] & 0x7F == 8)


@pytest.mark.parametrize("codec, pt, size", [("g722", 9, 160), ("amr-wb", 104, 33)])
def test_other_codecs(tmp_path: Path, read_capture: Reader, codec: str, pt: int,
                      size: int) -> None:
    path = tmp_path / "x.pcap"
    gen = _write(path, [StreamSpec("192.0.2.1", 4000, "192.0.2.2", 4002, codec=codec,
                                   packets=20)])
    got = read_capture(path)
    assert {len(d.payload) for d in got} == {12 + size} and gen.truth()[0].payload_type == pt
    if codec == "amr-wb":  # CMR 15, F 0, FT 2 (12.65 kbit/s), Q 1
        assert all(d.payload[12] == 0xF1 and d.payload[13] >> 6 == 1 for d in got)


def test_payload_frames_follow_the_slots(read_capture: Reader, tmp_path: Path) -> None:
    frames = np.arange(50 * 160, dtype=np.int64).reshape(50, 160).astype(np.uint8)
    spec = StreamSpec("192.0.2.1", 4000, "192.0.2.2", 4002, packets=50, frames=frames,
                      silences=((0.2, 0.1),))
    path = tmp_path / "x.pcap"
    _write(path, [spec])
    payloads = [d.payload[12:] for d in read_capture(path)]
    slots = [k for k in range(50) if not 10 <= k < 15]
    assert payloads == [frames[k].tobytes() for k in slots]


@pytest.mark.parametrize("change, message", [
    ({"codec": "opus"}, "unknown codec"),
    ({"codec": "amr-wb", "ptime_ms": 30}, "ptime 20"),
    ({"dport": 0}, "port"),
    ({"impairments": Impairments(loss=1.5)}, "probability"),
    ({"impairments": Impairments(burst_mean=0.5)}, "burst_mean"),
    ({"frames": np.zeros((0, 160), np.uint8)}, "frames"),
])
def test_bad_specs_get_one_line_errors(change: dict[str, Any], message: str) -> None:
    base: dict[str, Any] = {"src": "192.0.2.1", "sport": 4000, "dst": "192.0.2.2", "dport": 4002}
    with pytest.raises(CallScopeError, match=message):
        RtpGenerator([StreamSpec(**{**base, **change})])


def test_given_ssrcs_are_kept_and_must_differ() -> None:
    specs = _specs(2, Impairments(), ssrc=0x1234)
    with pytest.raises(CallScopeError, match="same SSRC"):
        RtpGenerator(specs)
    gen = RtpGenerator([_specs(1, Impairments(), ssrc=0xDEADBEEF)[0], *_specs(3, Impairments())])
    assert gen.ssrc[0] == 0xDEADBEEF and len(set(gen.ssrc.tolist())) == 4


def test_rtp_batch_columns_match_the_bytes(tmp_path: Path, read_capture: Reader) -> None:
    gen = RtpGenerator(_specs(3, IMPAIRED, packets=100), seed=2)
    batch = gen.generate_all()
    path = tmp_path / "x.pcap"
    with CaptureWriter(path) as writer:
        writer.write(batch.frames)
    by_row: defaultdict[str, list[int]] = defaultdict(list)
    for d in read_capture(path):
        _, b1, seq, ts, _ = struct.unpack("!BBHII", d.payload[:12])
        by_row["seq"].append(seq)
        by_row["ts"].append(ts)
        by_row["m"].append(b1 >> 7)
    assert by_row["seq"] == (batch.ext_seq & 0xFFFF).tolist()
    assert by_row["ts"] == batch.timestamp.tolist()
    assert by_row["m"] == batch.marker.astype(int).tolist()
    assert np.all(batch.frames.time_ns >= batch.send_ns)


def test_expected_runs_from_the_first_to_the_last_arrival() -> None:
    """Wireshark 4.0: a late packet arriving last shortens "expected" (lost may go < 0)."""
    counter = TruthCounter(2)
    stream = np.array([0, 1, 0, 1, 0, 0], np.int32)
    ext = np.array([10, 500, 11, 501, 13, 12], np.int64)  # stream 0: 12 arrives after 13
    none = np.zeros(6, bool)
    counter.add(stream[:3], ext[:3], none[:3], none[:3], np.arange(3, dtype=np.int64))
    counter.add(stream[3:], ext[3:], none[3:], none[3:], np.arange(3, 6, dtype=np.int64))
    first = counter.counts(0)
    assert (first["expected"], first["lost"], first["lost_unique"]) == (3, -1, 0)
    assert (first["first_seq"], first["last_seq"]) == (10, 13)  # lowest and highest
    assert counter.counts(1)["expected"] == 2
