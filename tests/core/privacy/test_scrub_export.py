"""export_scrubbed end to end on synthetic captures: what is kept, zeroed, replaced, refused."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import dpkt
import pytest
from scrub_testkit import (
    A6,
    B6,
    KEY,
    SECRET_VOICE,
    A,
    B,
    block,
    epb,
    idb,
    option,
    options,
    pcapng_options,
    shb,
    sip_invite,
    stream_records,
    voip_frames,
    write_pcap,
)

from callscope.core.errors import CallScopeError, CaptureError
from callscope.core.privacy.scrub import export_scrubbed


def read_frames(path: Path) -> list[tuple[float, bytes]]:
    with path.open("rb") as fh:
        return list(dpkt.pcap.Reader(fh))


@pytest.mark.parametrize(("a", "b"), [(A, B), (A6, B6)])
def test_voip_capture_scrubbed(tmp_path: Path, a: str, b: str) -> None:
    source = write_pcap(tmp_path / "call.pcap", voip_frames(a, b))
    out = tmp_path / "out.pcap"
    report = export_scrubbed(source, out, key=KEY)
    assert report.verified is True and report.streams == 1
    assert report.counts["rtp"] == 30 and report.counts["sip"] == 1
    assert stream_records(out) == stream_records(source)
    data = out.read_bytes()
    assert len(data) == source.stat().st_size
    for secret in (SECRET_VOICE[40:60], b"alice", b"Liddell", b"3247512345", b"secret-host"):
        assert secret not in data
    assert b"call-1@" in data and b"m=audio 40000 RTP/AVP 8 101" in data
    records = read_frames(out)
    assert len(records) == 33
    for _, frame in records:
        eth = dpkt.ethernet.Ethernet(frame)
        udp = eth.data.data
        assert isinstance(udp, dpkt.udp.UDP)
        if ":" in a:
            assert udp.sum != 0  # IPv6 needs one: recomputed (checked below)
        else:
            assert udp.sum == 0  # IPv4: "no checksum"
    padded = dpkt.ethernet.Ethernet(records[6][1]).data.data.data
    assert padded[-1] == 4 and padded[12:-1] == bytes(len(padded) - 13)
    extended = dpkt.ethernet.Ethernet(records[7][1]).data.data.data
    assert extended[12:20] == b"\xbe\xde\x00\x01\x10\xaa\xbb\xcc" and not any(extended[20:])
    long_ext = dpkt.ethernet.Ethernet(records[8][1]).data.data.data
    assert long_ext[12:16] == b"\xbe\xde\x00\x14" and not any(long_ext[16:])
    rtcp = dpkt.ethernet.Ethernet(records[31][1]).data.data.data
    assert rtcp[:28] == voip_frames(a, b)[31][-len(rtcp):][:28]  # SR kept


def test_ipv6_checksums_verify_with_dpkt(tmp_path: Path) -> None:
    source = write_pcap(tmp_path / "v6.pcap", voip_frames(A6, B6))
    out = tmp_path / "v6-out.pcap"
    export_scrubbed(source, out, key=KEY, verify=False)
    for _, frame in read_frames(out):
        ip6 = dpkt.ethernet.Ethernet(frame).data
        claimed = ip6.data.sum
        ip6.data.sum = 0
        recomputed = dpkt.ip6.IP6(bytes(ip6)).data.sum
        assert claimed == recomputed


def test_gzip_input_gives_plain_output(tmp_path: Path) -> None:
    plain = write_pcap(tmp_path / "c.pcap", voip_frames(A, B))
    source = tmp_path / "c.pcap.gz"
    source.write_bytes(gzip.compress(plain.read_bytes()))
    out = tmp_path / "c-scrubbed.pcap"
    report = export_scrubbed(source, out, key=KEY)
    assert report.decompressed and report.verified and not report.warnings
    assert out.read_bytes()[:4] == bytes.fromhex("d4c3b2a1")
    named = export_scrubbed(source, tmp_path / "named.pcap.gz", key=KEY, verify=False)
    assert any("uncompressed" in w for w in named.warnings)


def test_pcapng_comments_secrets_and_names_dropped(tmp_path: Path) -> None:
    frames = voip_frames(A, B)
    comment = option(1, b"customer Alice +3247512345")
    blocks = [
        shb(options(comment, option(4, b"dumpcap"))),
        idb(1, options(comment, option(9, b"\x06"), option(2, b"eth0"))),
        block(4, struct.pack("<HH", 1, 8) + bytes([192, 0, 2, 10]) + b"pc\0\0" + bytes(4)),
        block(10, struct.pack("<II", 0x544C534B, 8) + b"CLIENT_R"),
        block(0xBAD, struct.pack("<I", 32473) + b"vendor"),
    ]
    for i, frame in enumerate(frames):
        opts = b""
        if i % 10 == 0:
            opts = options(comment, option(2, b"\x01\0\0\0"))
        elif i % 10 == 5:  # flags only: the fast path leaves the block as it is
            opts = options(option(2, b"\x02\0\0\0"))
        blocks.append(epb(frame, 1_700_000_000_000_000 + 20_000 * i, opts))
    blocks.append(block(5, struct.pack("<III", 0, 0, 0) + options(comment, option(4, bytes(8)))))
    source = tmp_path / "c.pcapng"
    source.write_bytes(b"".join(blocks))
    out = tmp_path / "c-out.pcapng"
    report = export_scrubbed(source, out, key=KEY)
    assert report.verified is True
    assert report.blocks_dropped == {"name resolution": 1, "decryption secrets": 1, "custom": 1}
    found = pcapng_options(out)
    assert not [o for o in found if o[1] == 1]
    assert found.count((6, 2)) == pcapng_options(source).count((6, 2)) == 7
    assert {(0x0A0D0D0A, 4), (1, 9), (1, 2), (6, 2), (5, 4)} <= set(found)
    assert {t for t, _ in found} == {0x0A0D0D0A, 1, 6, 5}
    data = out.read_bytes()
    assert b"Alice" not in data and b"CLIENT_R" not in data and b"pc\0\0" not in data
    assert data[16:24] == b"\xff" * 8  # section length: unknown
    assert stream_records(out) == stream_records(source)


def test_sip_over_tcp_with_retransmission(tmp_path: Path) -> None:
    message = sip_invite(A, B, 40000)
    cut = 120
    segments = [(0, message[:cut]), (cut, message[cut:]), (cut, message[cut:])]
    frames = []
    for seq, data in segments:
        tcp = dpkt.tcp.TCP(sport=5060, dport=5060, seq=1000 + seq, flags=0x18, data=data)
        ip = dpkt.ip.IP(src=bytes([192, 0, 2, 10]), dst=bytes([198, 51, 100, 20]), p=6, data=tcp)
        frames.append(bytes(dpkt.ethernet.Ethernet(src=b"\2" * 6, dst=b"\4" * 6, data=ip)))
    source = write_pcap(tmp_path / "tcp.pcap", frames)
    out = tmp_path / "tcp-out.pcap"
    report = export_scrubbed(source, out, key=KEY)
    assert report.verified is True and report.counts["tcp_sip"] == 1
    packets = [dpkt.ethernet.Ethernet(f).data for _, f in read_frames(out)]
    assert packets[1].data.data == packets[2].data.data  # the retransmission scrubbed alike
    joined = packets[0].data.data + packets[1].data.data
    assert len(joined) == len(message) and b"alice" not in joined and b"Call-ID: call-1" in joined
    for ip in packets:
        claimed = ip.data.sum
        ip.data.sum = 0
        ip.sum = 0
        assert dpkt.ip.IP(bytes(ip)).data.sum == claimed


def test_fragmented_sip_is_scrubbed_in_every_fragment(tmp_path: Path) -> None:
    u = dpkt.udp.UDP(sport=5060, dport=5060, data=sip_invite(A, B, 40000))
    u.ulen = len(u)
    whole = bytes(u)
    frames = []
    for offset in range(0, len(whole), 256):
        more = offset + 256 < len(whole)
        piece = whole[offset : offset + 256]
        header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(piece), 7,
                             (0x2000 if more else 0) | offset // 8, 64, 17, 0,
                             bytes([192, 0, 2, 10]), bytes([198, 51, 100, 20]))
        frames.append(b"\4" * 6 + b"\2" * 6 + b"\x08\x00" + header + piece)
    source = write_pcap(tmp_path / "frag.pcap", frames)
    out = tmp_path / "frag-out.pcap"
    report = export_scrubbed(source, out, key=KEY)
    assert report.verified is True and report.counts["reassembled"] == 1
    data = out.read_bytes()
    assert b"alice" not in data and b"Liddell" not in data and b"3247512345" not in data
    assert b"Call-ID: call-1@192.0.2.10" in data


def test_case_key_gives_stable_pseudonyms(tmp_path: Path) -> None:
    source = write_pcap(tmp_path / "c.pcap", voip_frames(A, B))
    outs = [tmp_path / f"{n}.pcap" for n in ("x", "y", "z")]
    export_scrubbed(source, outs[0], case="CASE-1", verify=False)
    export_scrubbed(source, outs[1], case="CASE-1", verify=False)
    export_scrubbed(source, outs[2], case="CASE-2", verify=False)
    data = [p.read_bytes() for p in outs]
    assert data[0] == data[1] and data[0] != data[2]


@pytest.mark.parametrize("verify", [True, False])
@pytest.mark.parametrize(
    "content",
    [b"", b"hello, this is not a capture", bytes.fromhex("d4c3b2a1") + b"\2\0",
     struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
     + struct.pack("<IIII", 1, 0, 0x7FFFFFFF, 0x7FFFFFFF) + b"x" * 40,
     bytes.fromhex("0a0d0d0a") + b"\xff" * 40],
    ids=["empty", "text", "short-header", "absurd-caplen", "broken-pcapng"],
)
def test_hostile_input_is_refused_and_nothing_written(
    tmp_path: Path, content: bytes, verify: bool
) -> None:
    source = tmp_path / "bad.pcap"
    source.write_bytes(content)
    out = tmp_path / "out.pcap"
    with pytest.raises(CaptureError) as info:
        export_scrubbed(source, out, key=KEY, verify=verify)
    assert "\n" not in str(info.value) and str(info.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.pcap"]


def test_output_paths_refused(tmp_path: Path) -> None:
    source = write_pcap(tmp_path / "c.pcap", voip_frames(A, B))
    before = source.read_bytes()
    link = tmp_path / "link.pcap"
    link.symlink_to(source)
    for target in (source, tmp_path / "." / "c.pcap", link, tmp_path):
        with pytest.raises(CallScopeError):
            export_scrubbed(source, target, key=KEY, overwrite=True)
    existing = tmp_path / "existing.pcap"
    existing.write_bytes(b"keep me")
    with pytest.raises(CallScopeError, match="already exists"):
        export_scrubbed(source, existing, key=KEY)
    assert existing.read_bytes() == b"keep me" and source.read_bytes() == before
    export_scrubbed(source, existing, key=KEY, overwrite=True)
    assert existing.read_bytes() != b"keep me"


@pytest.mark.parametrize("seed", range(4))
def test_damaged_captures_export_identically_or_fail_cleanly(tmp_path: Path, seed: int) -> None:
    """Random byte damage: only CallScopeError may escape, and a written copy verifies."""
    import random

    rng = random.Random(seed)
    frames = voip_frames(A, B) + voip_frames(A6, B6)
    original = write_pcap(tmp_path / "call.pcap", frames).read_bytes()
    written = 0
    for round_ in range(12):
        data = bytearray(original)
        for _ in range(rng.choice((1, 8, 64))):
            data[rng.randrange(24, len(data))] = rng.randrange(256)
        if round_ % 4 == 3:
            data = data[: rng.randrange(len(data))]
        source = tmp_path / "damaged.pcap"
        source.write_bytes(bytes(data))
        try:
            report = export_scrubbed(source, tmp_path / "out.pcap", key=KEY, overwrite=True)
        except CallScopeError:
            continue
        written += 1
        assert report.verified is True, report.differences
        assert SECRET_VOICE[50:70] not in (tmp_path / "out.pcap").read_bytes()
    assert written >= 6


@pytest.mark.parametrize("order", ["<", ">"])
def test_pcapng_byte_orders_and_simple_packet_blocks(tmp_path: Path, order: str) -> None:
    def blk(btype: int, body: bytes) -> bytes:
        body += bytes(-len(body) % 4)
        return struct.pack(order + "II", btype, 12 + len(body)) + body + struct.pack(
            order + "I", 12 + len(body))

    frames = voip_frames(A, B)
    parts = [blk(0x0A0D0D0A, struct.pack(order + "IHHq", 0x1A2B3C4D, 1, 0, -1)
                 + struct.pack(order + "HH", 1, 4) + b"note" + bytes(4)),
             blk(1, struct.pack(order + "HHI", 1, 0, 0))]
    for i, frame in enumerate(frames):
        if i % 3 == 2:
            parts.append(blk(3, struct.pack(order + "I", len(frame)) + frame))
        else:
            t = 1_700_000_000_000_000 + 20_000 * i
            parts.append(blk(6, struct.pack(order + "IIIII", 0, t >> 32, t & 0xFFFFFFFF,
                                            len(frame), len(frame)) + frame))
    source = tmp_path / "c.pcapng"
    source.write_bytes(b"".join(parts))
    out = tmp_path / "out.pcapng"
    report = export_scrubbed(source, out, key=KEY)
    assert report.verified is True and report.options_dropped == 1
    data = out.read_bytes()
    assert b"note" not in data and b"alice" not in data and SECRET_VOICE[50:70] not in data
    assert len(data) == source.stat().st_size - 12  # comment and end-of-options: nothing else
