"""analyse_stream against tshark 4.0.17's ``-z rtp,streams`` rows on real captures.

Permissively licensed captures: header columns stored in tests/data/rtp_columns (made by
make_rtp_columns.py there). Others: columns decoded from the corpus on the fly with dpkt.
Packets and lost must be equal, delta/jitter within tshark's printed precision.
"""

from __future__ import annotations

import json
import socket
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dpkt
import numpy as np
import pytest
import wireshark_reference

from callscope.core.model import StreamStats
from callscope.core.rtp.metrics import analyse_stream
from callscope.core.rtp.payload_types import STATIC_PAYLOAD_TYPES

COLUMNS = Path(__file__).resolve().parents[2] / "data" / "rtp_columns"
PRINTED = 0.0015  # tshark prints 3 decimals
STATIC = {pt: codec.clock_rate for pt, codec in STATIC_PAYLOAD_TYPES.items()}


def assert_like_tshark(stats: StreamStats, row: dict[str, Any]) -> None:
    assert stats.packets == row["packets"]
    assert stats.lost == row["lost"]
    assert stats.problems == row["problems"]
    for name in ("min_delta_ms", "mean_delta_ms", "max_delta_ms", "min_jitter_ms",
                 "mean_jitter_ms", "max_jitter_ms"):
        assert getattr(stats, name) == pytest.approx(row[name], abs=PRINTED), name


def stored_cases() -> Iterator[Any]:
    for meta_path in sorted(COLUMNS.glob("*.json")):
        meta = json.loads(meta_path.read_text())
        for k in range(len(meta["streams"])):
            yield pytest.param(meta_path, k, id=f"{meta['capture'][:28]}-{k}")


@pytest.mark.parametrize(("meta_path", "k"), list(stored_cases()))
def test_stored_columns_match_tshark(meta_path: Path, k: int) -> None:
    meta = json.loads(meta_path.read_text())
    stream = meta["streams"][k]
    assert meta["licence"] in ("MIT", "BSD-3-Clause", "Unlicense")
    with np.load(meta_path.with_suffix(".npz")) as cols:
        stats, series = analyse_stream(
            **{c: cols[f"s{k}_{c}"] for c in ("frame", "time_ns", "seq", "timestamp",
                                              "payload_type", "marker", "length")},
            clock_rates={int(pt): rate for pt, rate in stream["clock_rates"].items()},
            event_pts=frozenset(stream["event_pts"]),
            capture_start_ns=int(cols["capture_start_ns"]),
        )
    assert_like_tshark(stats, stream["tshark"])
    assert series.frame.size == stats.packets


def test_stored_columns_cover_the_interesting_cases() -> None:
    metas = [json.loads(p.read_text()) for p in COLUMNS.glob("*.json")]
    rows = [s["tshark"] for m in metas for s in m["streams"]]
    assert any(r["lost"] < 0 for r in rows)  # duplicates
    assert any(r["lost"] > 0 and r["problems"] for r in rows)  # loss
    assert any(r["min_jitter_ms"] == -1.0 for r in rows)  # unknown clock
    assert any(s["event_pts"] for m in metas for s in m["streams"])  # RFC 4733 events


def pcap_records(path: Path) -> Iterator[tuple[int, int, bytes, int]]:
    """(frame number, time ns, frame bytes, link type) of a classic pcap, exact times."""
    data = path.read_bytes()
    magic = data[:4]
    order = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    scale = 1 if magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d") else 1000
    link = struct.unpack_from(order + "I", data, 20)[0]
    pos, number = 24, 0
    while pos + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack_from(order + "IIII", data, pos)
        number += 1
        yield number, sec * 1_000_000_000 + frac * scale, data[pos + 16:pos + 16 + incl], link
        pos += 16 + incl


def corpus_columns(path: Path, key: tuple[str, int, str, int, int],
                   skip: tuple[tuple[int, int], ...]) -> tuple[dict[str, np.ndarray], int]:
    """One stream's RTP columns (IPv4/UDP over Ethernet or Linux SLL) and the capture start;
    frames in the ``skip`` ranges (inclusive) are left out."""
    rows, start = [], None
    for number, t_ns, frame, link in pcap_records(path):
        start = t_ns if start is None else start
        ip = (dpkt.ethernet.Ethernet(frame) if link == 1 else dpkt.sll.SLL(frame)).data
        if any(a <= number <= b for a, b in skip) or not isinstance(ip, dpkt.ip.IP):
            continue
        udp = ip.data
        if not isinstance(udp, dpkt.udp.UDP) or len(udp.data) < 12 or udp.data[0] >> 6 != 2:
            continue
        if (socket.inet_ntoa(ip.src), udp.sport, socket.inet_ntoa(ip.dst), udp.dport) != key[:4]:
            continue
        b1, seq, stamp, ssrc = struct.unpack_from("!xBHII", udp.data)
        if ssrc == key[4]:
            rows.append((number, t_ns, seq, stamp, b1 & 0x7F, b1 >> 7, len(udp.data)))
    names = ("frame", "time_ns", "seq", "timestamp", "payload_type", "marker", "length")
    types = (np.int64, np.int64, np.uint16, np.uint32, np.uint8, np.bool_, np.int32)
    table = np.array(rows, dtype=np.int64).reshape(-1, 7)
    assert start is not None
    return {n: table[:, i].astype(t) for i, (n, t) in enumerate(zip(names, types,
                                                                    strict=True))}, start


# capture -> (heuristic reference?, extra clock rates, telephone-event PTs, frame ranges per
# source where tshark decodes the port as something else). Not MIT/BSD: corpus only.
CORPUS_CASES = {
    "sip-g711a-rtcp_SIP_CALL_RTP_G711.pcap": (True, {}, frozenset(), {}),
    # each re-INVITE offering T.38 makes tshark decode this leg as UDPTL (stream discovery,
    # not metrics): 6 RTP packets before the 488 answer, and all after frame 3141
    "sip-t38-fax-g711a-cn-loss_FAX-Call-t38-CA-TDM-SIP-FB-1.pcap": (
        False, {}, frozenset({102}), {("10.35.60.100", 15580): ((3106, 3123), (3142, 1 << 40))}),
    "rtp-proprietary-4streams-sll_kakaotalk-ndpi.pcap": (True, {}, frozenset(), {}),
    "sip-g729b-vad-dtx-rtcp_nesfit-codecs2.pcap": (False, {}, frozenset(), {}),
}


@pytest.mark.corpus
@pytest.mark.parametrize("capture", sorted(CORPUS_CASES))
def test_corpus_streams_match_tshark(corpus: Path, capture: str) -> None:
    heuristic, extra, events, cut = CORPUS_CASES[capture]
    default, with_heuristic = wireshark_reference.load(corpus, capture)
    rows = with_heuristic if heuristic else default
    assert rows
    for ref in rows:
        cols, start = corpus_columns(corpus / capture, ref.key, cut.get((ref.src, ref.sport), ()))
        stats, _ = analyse_stream(**cols, clock_rates={**STATIC, **extra}, event_pts=events,
                                  capture_start_ns=start)
        assert_like_tshark(stats, {f: getattr(ref, f) for f in (
            "packets", "lost", "problems", "min_delta_ms", "mean_delta_ms", "max_delta_ms",
            "min_jitter_ms", "mean_jitter_ms", "max_jitter_ms")})
