"""Development tool: dump the RTP header columns of permissively licensed corpus captures.

Writes ``<capture>.npz`` (per stream k: ``s{k}_frame``, ``s{k}_time_ns``, ``s{k}_seq``,
``s{k}_timestamp``, ``s{k}_payload_type``, ``s{k}_marker``, ``s{k}_length`` and
``capture_start_ns``) and ``<capture>.json`` (per stream: key, clock rates, telephone-event
payload types and tshark 4.0.17's figures from the corpus's ``reference/`` files). Header
fields and times only: no payload byte is stored. Uses tshark to find the packets tshark
counts, so run it by hand (``python make_rtp_columns.py``); the tests never call tshark.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
CORPUS = Path(os.environ.get("CALLSCOPE_CORPUS", HERE.parents[3] / "shared" / "captures"))
sys.path.insert(0, str(HERE.parents[1] / "core" / "rtp"))
import wireshark_reference  # noqa: E402

# capture -> (heuristic?, licence). MIT/BSD/Unlicense only (see the corpus INDEX.md).
CAPTURES = {
    "sip-g711a-rfc2833-dtmf_SIP_DTMF2.pcap": (False, "MIT"),
    "rtp-amr-nb-sll-duplicates_rtpdump-sample1.pcap": (True, "MIT"),
    "sip-l16-4variants_sipp-freeswitch.pcap": (False, "MIT"),
    "voip-rawip-opus-60ms-rtcp-stun_nokia-udp_volte.pcap": (True, "BSD-3-Clause"),
}
STATIC = {0: 8000, 3: 8000, 4: 8000, 8: 8000, 9: 8000, 13: 8000, 18: 8000, 19: 8000}
FIELDS = ["frame.number", "frame.time_epoch", "rtp.seq", "rtp.timestamp", "rtp.p_type",
          "rtp.marker", "rtp.ssrc", "ip.src", "ipv6.src", "udp.srcport", "ip.dst", "ipv6.dst",
          "udp.dstport", "udp.length", "icmp.type"]


def _ns(epoch: str) -> int:
    whole, _, frac = epoch.partition(".")
    return int(whole) * 1_000_000_000 + int((frac + "000000000")[:9])


def _tshark(path: Path, heuristic: bool, *args: str) -> str:
    cmd = ["tshark", "-r", str(path), *(["--enable-heuristic", "rtp_udp"] if heuristic else []),
           *args]
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout


def _sdp_maps(path: Path) -> list[tuple[int, str, int, dict[int, tuple[str, int]]]]:
    out = _tshark(path, False, "-Y", "sdp", "-T", "fields", "-E", "occurrence=a",
                  "-e", "frame.number", "-e", "sdp.connection_info.address",
                  "-e", "sdp.media.port", "-e", "sdp.media_attr")
    maps = []
    for line in out.splitlines():
        cols = line.split("\t")
        rtpmap = {}
        for attr in cols[3].split(","):
            m = re.match(r"rtpmap:(\d+) ([^/]+)/(\d+)", attr)
            if m:
                rtpmap[int(m.group(1))] = (m.group(2), int(m.group(3)))
        for address in cols[1].split(","):
            for port in filter(None, cols[2].split(",")):
                maps.append((int(cols[0]), address, int(port), rtpmap))
    return maps


def _columns(path: Path, heuristic: bool) -> tuple[int, dict[tuple, dict[str, list[int]]]]:
    out = _tshark(path, heuristic, "-Y", "rtp", "-T", "fields", "-E", "occurrence=a",
                  *[x for f in FIELDS for x in ("-e", f)])
    streams: dict[tuple, dict[str, list[int]]] = {}
    for line in out.splitlines():
        c = [col.split(",")[-1] for col in line.split("\t")]
        if not c[2] or c[14]:  # no RTP, or RTP quoted inside an ICMP error (not tapped)
            continue
        key = (c[8] or c[7], int(c[9]), c[11] or c[10], int(c[12]), int(c[6], 16))
        s = streams.setdefault(key, {k: [] for k in ("frame", "time_ns", "seq", "timestamp",
                                                      "payload_type", "marker", "length")})
        for name, value in zip(("frame", "time_ns", "seq", "timestamp", "payload_type",
                                "marker", "length"),
                               (int(c[0]), _ns(c[1]), int(c[2]), int(c[3]), int(c[4]),
                                int(c[5] in ("1", "True")), int(c[13]) - 8), strict=True):
            s[name].append(value)
    first = _ns(_tshark(path, False, "-c", "1", "-T", "fields", "-e", "frame.time_epoch").strip())
    return first, streams


def main() -> None:
    for name, (heuristic, licence) in CAPTURES.items():
        path = CORPUS / name
        default, with_heuristic = wireshark_reference.load(CORPUS, name)
        rows = with_heuristic if heuristic else default
        start, streams = _columns(path, heuristic)
        sdp = _sdp_maps(path)
        arrays: dict[str, np.ndarray] = {"capture_start_ns": np.array(start, dtype=np.int64)}
        meta = []
        for k, row in enumerate(rows):
            cols = streams[row.key]
            rtpmap: dict[int, tuple[str, int]] = {}
            for frame, address, port, m in sdp:
                if frame < cols["frame"][0] and (address, port) in ((row.dst, row.dport),
                                                                    (row.src, row.sport)):
                    rtpmap = m
            pts = sorted(set(cols["payload_type"]))
            clocks = {pt: STATIC[pt] for pt in pts if pt in STATIC}
            events = []
            for pt in pts:
                if pt >= 96 and pt in rtpmap:
                    if rtpmap[pt][0].lower().startswith("telephone-event"):
                        events.append(pt)
                    else:
                        clocks[pt] = rtpmap[pt][1]
            for col, dtype in (("frame", np.int64), ("time_ns", np.int64), ("seq", np.uint16),
                               ("timestamp", np.uint32), ("payload_type", np.uint8),
                               ("marker", np.bool_), ("length", np.int32)):
                arrays[f"s{k}_{col}"] = np.array(cols[col], dtype=dtype)
            meta.append({"key": list(row.key), "clock_rates": clocks, "event_pts": events,
                         "tshark": {f: getattr(row, f) for f in (
                             "packets", "lost", "min_delta_ms", "mean_delta_ms", "max_delta_ms",
                             "min_jitter_ms", "mean_jitter_ms", "max_jitter_ms", "problems")}})
        np.savez_compressed(HERE / f"{name}.npz", **arrays)
        info = {"capture": name, "licence": licence, "heuristic": heuristic,
                "tshark": "4.0.17", "streams": meta}
        (HERE / f"{name}.json").write_text(json.dumps(info, indent=1) + "\n")
        print(name, len(rows), "streams")


if __name__ == "__main__":
    main()
