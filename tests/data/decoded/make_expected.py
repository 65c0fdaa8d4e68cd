"""Development tool: expected decodings made WITHOUT CallScope's code (not run by tests).

Path per stream: tshark extracts the RTP payloads (``-T fields -e rtp.payload``); this
script deduplicates them by sequence number, builds the codec's raw or storage file
(G.711/G.722/G.726/G.729 raw, iLBC ``#!iLBC30``, AMR ``#!AMR``/``#!AMR-WB`` with frames
repacked here by a separate bit-string parser, Opus/Speex in Ogg files written here) and
decodes it with the FFmpeg CLI (Debian 5.1) to s16le — or, for AMR, with Debian's
libopencore-amr through ctypes (the 3GPP reference decoder, the one CallScope uses
inside PyAV's own build). Gaps are filled as the timeline documents: silence, AMR
"speech lost"/"no data" frames. Needs: tshark, ffmpeg, libopencore-amr{nb,wb}0,
libbcg729-0 (apt). Run from the repository root:

    python tests/data/decoded/make_expected.py [--corpus]

Writes tests/data/decoded/expected.json for captures in tests/data (permissive
licences) and prints the figures for corpus captures (pasted into the corpus tests).
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "tests" / "data"
CORPUS = ROOT.parent / "shared" / "captures"
OUT = Path(__file__).with_name("expected.json")
HEAD = 400  # samples stored from the loudest 50 ms window
BLOCK = 480  # samples per block checksum (10 ms at 48 kHz)
# Float decoders, compared block by block: FFmpeg's Opus decoder rounds a few samples by
# 1 LSB differently across versions (CLI 5.1 vs PyAV's 8.1) and SIMD paths (CPU flags).
BLOCKWISE = {"opus"}  # codec kinds

# key → (capture, ssrc, source port, codec, decode-as name or None)
TESTDATA = {
    "g711a-nb6-1": ("sip-g711a-pppoe-isp-box_nb6-telephone.pcap", 0x2D7B0B2C, 44344, "alaw", None),
    "g711a-dtmf2-2": ("sip-g711a-rfc2833-dtmf_SIP_DTMF2.pcap", 0x5711BF84, 4376, "alaw", None),
    "g711a-dtmf2-1": ("sip-g711a-rfc2833-dtmf_SIP_DTMF2.pcap", 0x9A7B5382, 4374, "alaw", None),
    "g722": ("sip-g722_sipp-freeswitch.pcap", 0x043DAABA, 17472, "g722", None),
    "g729a": ("sip-g729a_sipp-freeswitch.pcap", 0x044559A1, 28120, "g729", None),
    "ilbc": ("sip-ilbc_sipp-freeswitch.pcap", 0x043EEFA7, 25256, "ilbc", None),
    "opus": ("sip-opus_sipp-freeswitch.pcap", 0x043EEE04, 24196, "opus", None),
    "opus-nokia-1": ("voip-rawip-opus-60ms-rtcp-stun_nokia-udp_volte.pcap", 0x58FEF557, 4004,
                     "opus", "opus"),
    "g726-32": ("sip-g726-8variants_sipp-freeswitch.pcap", 0x043DA9D6, 18180, "g726le-4", None),
    "aal2-g726-16": ("sip-g726-8variants_sipp-freeswitch.pcap", 0x043DA9E7, 22606, "g726-2",
                     None),
    "speex-8k": ("sip-speex-8-16-32khz_sipp-freeswitch.pcap", 0x043EEE26, 21280, "speex8000",
                 None),
    "speex-16k": ("sip-speex-8-16-32khz_sipp-freeswitch.pcap", 0x04413EBF, 22662, "speex16000",
                  None),
    "speex-32k": ("sip-speex-8-16-32khz_sipp-freeswitch.pcap", 0x043EEE37, 28286, "speex32000",
                  None),
    "amr-vowifi": ("vowifi-esp-in-udp-sip-amr-rtcp-sll_rtpdump-sample2.pcap", 0x20AE3805, 12720,
                   "amr", None),
    "amr-heur-2": ("rtp-amr-nb-sll-duplicates_rtpdump-sample1.pcap", 0x710006B8, 1236, "amr",
                   "AMR"),
    "amr-heur-1": ("rtp-amr-nb-sll-duplicates_rtpdump-sample1.pcap", 0x0025B105, 1128, "amr",
                   "AMR"),
}
CORPUS_STREAMS = {
    "amr-wb-sdp": ("sip-amr-wb-rtcp_nesfit-codecs3.pcap", 0xF7050FB8, 5074, "amr-wb", None),
    "amr-wb-ns": ("rtp-amr-wb-rtcp-no-signalling_nesfit-codecs3-ns.pcap", 0xF7050FB8, 5074,
                  "amr-wb", "AMR-WB"),
    "amr-wb-volte": ("volte-s1u-gtpu-ipv6-amr-wb-esp-sip_amarisoft.pcap", 0x436A831A, 31008,
                     "amr-wb", "AMR-WB"),
    "g729b-nesfit": ("sip-g729b-vad-dtx-rtcp_nesfit-codecs2.pcap", 0x059D0001, 17810, "g729",
                     None),
    "g711u-voipshark": ("sip-over-tls-rtp-b2bua-g711u_voipshark.pcap", 0x00294823, 4000, "mulaw",
                        None),
}


def packets(path: Path, ssrc: int, sport: int) -> list[tuple[int, int, int, bytes]]:
    """(seq, timestamp, payload type, payload) per packet, first copy of each seq, by seq."""
    out = subprocess.run(
        ["tshark", "-r", str(path), "--enable-heuristic", "rtp_udp", "-Y",
         f"rtp.ssrc=={ssrc:#x} && udp.srcport=={sport}", "-T", "fields", "-e", "rtp.seq",
         "-e", "rtp.timestamp", "-e", "rtp.p_type", "-e", "rtp.payload"],
        capture_output=True, text=True, check=True,
    ).stdout
    seen: dict[int, tuple[int, int, int, bytes]] = {}
    ext, last = 0, None
    for line in out.splitlines():
        seq, ts, pt, payload = ([*line.split("\t"), ""])[:4]
        s = int(seq)
        if last is not None and s - last < -30000:
            ext += 65536
        last = s
        data = bytes.fromhex(payload.replace(":", ""))
        seen.setdefault(ext + s, (ext + s, int(ts), int(pt), data))
    return [seen[k] for k in sorted(seen)]


def ffmpeg(args: list[str], data: bytes, suffix: str) -> np.ndarray:
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / f"in{suffix}"
        src.write_bytes(data)
        pcm = subprocess.run(
            ["ffmpeg", "-v", "error", *args, "-i", str(src), "-f", "s16le", "-ac", "1", "-"],
            capture_output=True, check=True,
        ).stdout
    return np.frombuffer(pcm, "<i2").copy()


def place(chunks: list[tuple[int, np.ndarray]], total: int) -> np.ndarray:
    out = np.zeros(total, np.int16)
    for pos, pcm in chunks:
        out[pos : pos + len(pcm)] = pcm[: max(0, total - pos)]
    return out


# ---- AMR: a bit-string depacketizer (RFC 4867 §4.3/4.4), independent of core/media/amr.py
NB_BITS = [95, 103, 118, 134, 148, 159, 204, 244, 39, 0, 0, 0, 0, 0, 0, 0]
WB_BITS = [132, 177, 253, 285, 317, 365, 397, 461, 477, 40, 0, 0, 0, 0, 0, 0]


def amr_frames(payload: bytes, wide: bool, octet: bool) -> list[bytes]:
    table = WB_BITS if wide else NB_BITS
    bits = "".join(f"{b:08b}" for b in payload)
    pos = 8 if octet else 4
    toc = []
    while True:
        entry = bits[pos : pos + (8 if octet else 6)]
        pos += 8 if octet else 6
        toc.append((int(entry[1:5], 2), entry[5]))
        if entry[0] == "0":
            break
    frames = []
    for ft, q in toc:
        speech = bits[pos : pos + table[ft]]
        pos += table[ft] if not octet else -(-table[ft] // 8) * 8
        speech += "0" * (-len(speech) % 8)
        head = int(f"0{ft:04b}{q}00", 2)
        frames.append(bytes([head]) + int(speech or "0", 2).to_bytes(len(speech) // 8, "big"))
    return frames


def amr_reference(pkts: list, wide: bool, octet: bool, clock: int) -> np.ndarray:
    """3GPP reference decoder (Debian's opencore) over 20 ms slots, gaps as frames 14/15."""
    lib = ctypes.CDLL("libopencore-amrwb.so.0" if wide else "libopencore-amrnb.so.0")
    init, dec = (lib.D_IF_init, lib.D_IF_decode) if wide else (
        lib.Decoder_Interface_init, lib.Decoder_Interface_Decode)
    init.restype = ctypes.c_void_p
    dec.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_int]
    state = init()
    n = 320 if wide else 160
    slot = clock // 50
    out: list[np.ndarray] = []

    def run(frame: bytes) -> None:
        buf = (ctypes.c_short * n)()
        dec(state, frame, buf, 0)
        out.append(np.frombuffer(buf, np.int16).copy())

    ts0, prev_seq, prev_end = pkts[0][1], None, 0
    for seq, ts, _pt, payload in pkts:
        slot_at = (ts - ts0) // slot
        if prev_seq is not None and slot_at > prev_end:
            # Loss: AMR-WB "speech lost" (FT 14); AMR-NB "no data" (FT 15), as opencore's
            # NB interface ignores FT 14. DTX: "no data" in both.
            lost = seq - prev_seq > 1 and wide
            for _ in range(slot_at - prev_end):
                run(bytes([((14 if lost else 15) << 3) | 4]))
        if not payload:
            prev_seq = seq
            continue
        frames = amr_frames(payload, wide, octet)
        for f in frames:
            ft = f[0] >> 3
            run(f if ft <= (9 if wide else 8) or (wide and ft == 14) else bytes([15 << 3 | 4]))
        prev_seq, prev_end = seq, slot_at + len(frames)
    return np.concatenate(out)


def opus_samples(packet: bytes) -> int:
    """Samples at 48 kHz in one Opus packet (RFC 6716 §3.1: TOC config and code)."""
    config, code = packet[0] >> 3, packet[0] & 3
    if config < 12:
        size = (480, 960, 1920, 2880)[config % 4]
    elif config < 16:
        size = (480, 960)[config % 2]
    else:
        size = (120, 240, 480, 960)[config % 4]
    count = 1 if code == 0 else 2 if code in (1, 2) else packet[1] & 0x3F
    return size * count


def ogg_speex(pkts: list, rate: int) -> bytes:
    """A minimal Ogg Speex file: 80-byte Speex header (mode from the rate), one packet a page."""
    mode, frame = {8000: (0, 160), 16000: (1, 320), 32000: (2, 640)}[rate]
    ints = [1, 80, rate, mode, 4, 1, -1, frame, 0, 1, 0, 0, 0]
    header = b"Speex   " + b"speex-1.2".ljust(20, b"\0") + b"".join(
        i.to_bytes(4, "little", signed=True) for i in ints)
    return ogg_file([header, b"\x00\x00\x00\x00\x00\x00\x00\x00"],
                    [(p[3], frame) for p in pkts])


def ogg_file(headers: list[bytes], packets_: list[tuple[bytes, int]]) -> bytes:
    """Ogg pages (RFC 3533): each header and each (packet, samples) on a page of its own."""
    def page(data: bytes, seqno: int, granule: int, flags: int) -> bytes:
        lacing = bytes([255] * (len(data) // 255) + [len(data) % 255])
        head = (b"OggS\x00" + bytes([flags]) + granule.to_bytes(8, "little")
                + b"CSOG" + seqno.to_bytes(4, "little") + b"\0\0\0\0" + bytes([len(lacing)])
                + lacing)
        crc = _ogg_crc(head + data)
        return head[:22] + crc.to_bytes(4, "little") + head[26:] + data

    out = [page(h, i, 0, 2 if i == 0 else 0) for i, h in enumerate(headers)]
    granule = 0
    for i, (data, samples) in enumerate(packets_):
        granule += samples
        last = i == len(packets_) - 1
        out.append(page(data, i + len(headers), granule, 4 if last else 0))
    return b"".join(out)


def ogg_opus(pkts: list) -> bytes:
    """A minimal Ogg Opus file (RFC 7845): mono OpusHead, pre-skip 0."""
    opus_head = b"OpusHead\x01\x01\x00\x00" + (48000).to_bytes(4, "little") + b"\0\0\0"
    return ogg_file([opus_head, b"OpusTags\0\0\0\0\0\0\0\0"],
                    [(p[3], opus_samples(p[3])) for p in pkts])


def _ogg_crc(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7 if crc & 0x80000000 else crc << 1) & 0xFFFFFFFF
    return crc


def reference(path: Path, ssrc: int, sport: int, kind: str) -> np.ndarray:
    pkts = [p for p in packets(path, ssrc, sport) if p[2] not in (13, 96, 101, 102)]
    ts0 = pkts[0][1]
    payload = b"".join(p[3] for p in pkts)
    if kind in ("alaw", "mulaw"):
        pcm = ffmpeg(["-f", kind, "-ar", "8000"], payload, ".raw")
        chunks, pos = [], 0
        for _seq, ts, _pt, p in pkts:
            chunks.append((ts - ts0, pcm[pos : pos + len(p)]))
            pos += len(p)
        return place(chunks, pkts[-1][1] - ts0 + len(pkts[-1][3]))
    if kind == "g722":
        return ffmpeg(["-f", "g722"], payload, ".g722")
    if kind == "g729":  # Annex B: a trailing 2-byte SID is not speech; SID periods silent
        speech = [(ts, p[: len(p) // 10 * 10]) for _seq, ts, _pt, p in pkts]
        pcm = ffmpeg(["-f", "g729"], b"".join(p for _ts, p in speech), ".g729")
        chunks, pos = [], 0
        for ts, p in speech:
            chunks.append((ts - ts0, pcm[pos : pos + len(p) * 8]))
            pos += len(p) * 8
        last = max(ts - ts0 + len(p) * 8 for ts, p in speech)
        return place(chunks, last)
    if kind.startswith("g726"):
        fmt, bits = kind.split("-")
        return ffmpeg(["-f", fmt, "-code_size", bits, "-sample_rate", "8000"], payload, ".g726")
    if kind.startswith("speex"):
        return ffmpeg(["-c:a", "speex"], ogg_speex(pkts, int(kind[5:])), ".spx")
    if kind == "ilbc":
        return ffmpeg(["-f", "ilbc"], b"#!iLBC30\n" + payload, ".lbc")
    if kind == "opus":
        sent = [p for p in pkts if p[3]]
        pcm = ffmpeg(["-c:a", "libopus"], ogg_opus(sent), ".opus")  # the reference decoder
        chunks, pos = [], 0
        for _seq, ts, _pt, p in sent:
            n = opus_samples(p)
            chunks.append((ts - ts0, pcm[pos : pos + n]))
            pos += n
        return place(chunks, sent[-1][1] - ts0 + opus_samples(sent[-1][3]))
    if kind in ("amr", "amr-wb"):
        wide = kind == "amr-wb"
        octet = len(pkts[len(pkts) // 2][3]) in (62, 33)  # nesfit WB / NB 12.2 octet-aligned
        return amr_reference(pkts, wide, octet, 16000 if wide else 8000)
    raise ValueError(kind)


def snr_db(ref: np.ndarray, other: np.ndarray, max_lag: int = 400) -> tuple[float, int]:
    """Best SNR (dB) of ``other`` against ``ref`` over lags of ±max_lag samples."""
    n = min(len(ref), len(other)) - 2 * max_lag
    a = ref[max_lag : max_lag + n].astype(float)
    best = (-99.0, 0)
    for lag in range(-max_lag, max_lag + 1):
        b = other[max_lag + lag : max_lag + lag + n].astype(float)
        noise = float(np.sum((a - b) ** 2))
        snr = 10 * np.log10(float(np.sum(a**2)) / noise) if noise else 99.0
        best = max(best, (snr, lag))
    return best


def bcg729(pkts: list) -> np.ndarray:
    """G.729A through Belledonne's bcg729 (an independent implementation)."""
    lib = ctypes.CDLL("libbcg729.so.0")
    lib.initBcg729DecoderChannel.restype = ctypes.c_void_p
    lib.bcg729Decoder.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_uint8,
                                  ctypes.c_uint8, ctypes.c_uint8, ctypes.c_uint8, ctypes.c_void_p]
    ctx = lib.initBcg729DecoderChannel()
    out = []
    for p in pkts:
        for i in range(0, len(p[3]) - 9, 10):
            buf = (ctypes.c_int16 * 80)()
            lib.bcg729Decoder(ctx, p[3][i : i + 10], 10, 0, 0, 0, buf)
            out.append(np.frombuffer(buf, np.int16).copy())
    return np.concatenate(out)


def cross_checks() -> None:
    """Figures against other implementations of the same codec (for the report)."""
    name, ssrc, sport, _k, _a = TESTDATA["opus"]
    pk = [p for p in packets(DATA / name, ssrc, sport) if p[3]]
    native = ffmpeg(["-c:a", "opus"], ogg_opus(pk), ".opus")
    snr, lag = snr_db(native, ffmpeg(["-c:a", "libopus"], ogg_opus(pk), ".opus"))
    print(f"opus native vs libopus: SNR {snr:.1f} dB at lag {lag}")
    name, ssrc, sport, _k, _a = TESTDATA["g729a"]
    pk = packets(DATA / name, ssrc, sport)
    ref = ffmpeg(["-f", "g729"], b"".join(p[3] for p in pk), ".g729")
    snr, lag = snr_db(ref, bcg729(pk))
    print(f"g729 ffmpeg vs bcg729: SNR {snr:.1f} dB at lag {lag}")
    for key, wide in (("amr-vowifi", False), ("amr-wb-sdp", True)):
        name, ssrc, sport, _k, _a = {**TESTDATA, **CORPUS_STREAMS}[key]
        folder = DATA if key in TESTDATA else CORPUS
        if not (folder / name).exists():
            continue
        pk = packets(folder / name, ssrc, sport)
        octet = wide
        frames = [f for p in pk if p[3] for f in amr_frames(p[3], wide, octet)
                  if (f[0] >> 3) <= (8 if wide else 7)]
        magic = b"#!AMR-WB\n" if wide else b"#!AMR\n"
        native = ffmpeg([], magic + b"".join(frames), ".amr")
        ref = amr_reference(pk, wide, octet, 16000 if wide else 8000)
        snr, lag = snr_db(ref, native)
        print(f"{key}: opencore vs FFmpeg native (speech frames only): SNR {snr:.1f} dB, lag {lag}")


def figures(pcm: np.ndarray) -> dict[str, object]:
    rate_window = 400
    energy = np.convolve(pcm.astype(float) ** 2, np.ones(rate_window), "valid")
    offset = int(np.argmax(energy)) if energy.size else 0
    return {
        "samples": int(pcm.size),
        "sha256": hashlib.sha256(pcm.astype("<i2").tobytes()).hexdigest(),
        "rms": round(float(np.sqrt(np.mean(pcm.astype(float) ** 2))), 3),
        "offset": offset,
        "head": pcm[offset : offset + HEAD].tolist(),
    }


def main() -> None:
    expected = {}
    for key, (name, ssrc, sport, kind, decode_as) in TESTDATA.items():
        pcm = reference(DATA / name, ssrc, sport, kind)
        expected[key] = {"capture": name, "ssrc": ssrc, "sport": sport, "decode_as": decode_as,
                         **figures(pcm)}
        if kind in BLOCKWISE:  # float decoders: compared block by block, see the test
            blocks = pcm[: pcm.size // BLOCK * BLOCK].reshape(-1, BLOCK)
            expected[key]["block_crc32"] = [zlib.crc32(b.astype("<i2").tobytes()) for b in blocks]
            expected[key]["block_sum"] = blocks.astype(np.int64).sum(axis=1).tolist()
        print(key, expected[key]["samples"], expected[key]["rms"], expected[key]["sha256"][:16])
    OUT.write_text(json.dumps(expected, indent=1) + "\n")
    if "--cross" in sys.argv:
        cross_checks()
    if "--corpus" in sys.argv:
        for key, (name, ssrc, sport, kind, _as) in CORPUS_STREAMS.items():
            pcm = reference(CORPUS / name, ssrc, sport, kind)
            f = figures(pcm)
            print(key, f["samples"], f["rms"], f["sha256"])


if __name__ == "__main__":
    main()
