"""pcapng structure for the scrubbed copy: which blocks survive and with which options.

Kept: Section Header (section length set to -1, "unknown", since sizes change),
Interface Description, Enhanced/Simple/obsolete Packet and Interface Statistics
blocks. Dropped: Name Resolution (host names), Decryption Secrets (TLS/WireGuard/ESP
keys), custom and every other block type. Options: every ``opt_comment`` and custom
option is dropped; packet blocks keep only flags, drop count, packet id and queue
(``epb_hash`` no longer matches the scrubbed bytes, ``epb_verdict`` may hold payload).
Source: draft-ietf-opsawg-pcapng §3.5, §4.

Packet blocks are found from the readers' frame offsets, vectorized; a Python step
runs only for the other blocks and for packet blocks whose options hold more than
``epb_flags`` (which dumpcap writes on every packet on some systems).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from callscope.core.capture.gather import I64
from callscope.core.capture.pcapng_blocks import BOM, EPB, IDB, OPB, SHB, SPB

ISB = 5
CUSTOM_OPTIONS = frozenset({2988, 2989, 19372, 19373})
PACKET_OPTIONS = frozenset({2, 4, 5, 6})  # flags, dropcount, packetid, queue
SHB_OPTIONS = frozenset({2, 3, 4})  # hardware, os, user application
ISB_OPTIONS = frozenset(range(2, 9))
KEPT_BLOCKS = frozenset({SHB, IDB, OPB, SPB, ISB, EPB})
BLOCK_NAMES = {4: "name resolution", 9: "systemd journal", 10: "decryption secrets",
               0xBAD: "custom", 0x40000BAD: "custom"}


@dataclass
class PacketBlocks:
    """Packet blocks of the file, ascending: start, total length, type, byte order."""

    start: I64
    length: I64
    kind: I64
    little: NDArray[np.bool_]
    data_end: I64  # end of the packet data area (before options / trailer)


@dataclass
class Layout:
    """How the output is assembled: ``edits`` replace (position, length) by bytes."""

    edits: list[tuple[int, int, bytes]] = field(default_factory=list)
    end: int = 0  # input bytes after this are dropped (a broken tail)
    dropped: dict[str, int] = field(default_factory=dict)
    options_dropped: int = 0


def _u32(data: NDArray[np.uint8], pos: I64, little: bool) -> I64:
    ok = (pos >= 0) & (pos + 4 <= data.shape[0])
    p = np.where(ok, pos, 0)
    b = [data[p + i].astype(np.int64) for i in range(4)]
    value = (b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24) if little else (
        b[3] | b[2] << 8 | b[1] << 16 | b[0] << 24)
    return np.where(ok, value, -1)


def find_packet_blocks(data: NDArray[np.uint8], offset: I64, caplen: I64) -> PacketBlocks:
    """The packet block around each frame offset (EPB/OPB: 28 bytes before, SPB: 12)."""
    n = offset.shape[0]
    start = np.full(n, -1, np.int64)
    length = np.zeros(n, np.int64)
    kind = np.zeros(n, np.int64)
    little = np.zeros(n, np.bool_)
    for head, types in ((28, (EPB, OPB)), (12, (SPB,))):
        for order in (True, False):
            todo = start < 0
            q = offset - head
            t = _u32(data, q, order)
            size = _u32(data, q + 4, order)
            good = todo & np.isin(t, types) & (size >= head + 4) & (size % 4 == 0)
            good &= _u32(data, q + np.maximum(size, 4) - 4, order) == size
            if head == 28:
                good &= _u32(data, q + 20, order) == caplen
            start[good], length[good], kind[good] = q[good], size[good], t[good]
            little[good] = order
    padded = offset + (caplen + 3) // 4 * 4
    data_end = np.where(kind == SPB, start + length - 4, padded)
    return PacketBlocks(start, length, kind, little, data_end)


def _options(block: bytes, at: int, order: str, keep: frozenset[int]) -> tuple[bytes, int]:
    """(the options of ``keep`` re-serialised with an end marker, how many were dropped)."""
    end = len(block) - 4
    kept = bytearray()
    dropped = 0
    while at + 4 <= end:
        code, size = struct.unpack_from(order + "HH", block, at)
        if code == 0:
            break
        whole = 4 + (size + 3) // 4 * 4
        if at + whole > end:
            break
        if code in keep and code not in CUSTOM_OPTIONS:
            kept += block[at : at + whole]
        else:
            dropped += 1
        at += whole
    if kept:
        kept += b"\0\0\0\0"
    return bytes(kept), dropped


def rewrite_block(block: bytes, fixed: int, order: str, keep: frozenset[int]) -> tuple[bytes, int]:
    """``block`` with only the options of ``keep``; (new bytes, options dropped)."""
    options, dropped = _options(block, fixed, order, keep)
    size = fixed + len(options) + 4
    out = bytearray(block[:fixed])
    struct.pack_into(order + "I", out, 4, size)
    out += options + struct.pack(order + "I", size)
    return bytes(out), dropped


def _idb_options() -> frozenset[int]:
    return frozenset(range(2, 1 << 16)) - CUSTOM_OPTIONS


def plan_layout(data: bytes, out: NDArray[np.uint8], blocks: PacketBlocks) -> Layout:
    """Edits turning the (already scrubbed) pcapng bytes ``out`` into the exported file."""
    layout = Layout()
    valid = blocks.start >= 0
    starts, lengths = blocks.start[valid], blocks.length[valid]
    ends = starts + lengths
    boundaries = [0, *ends.tolist()]
    gap_ends = [*starts.tolist(), len(data)]
    order = "<"
    last_end = 0
    run_of = {int(s): i for i, s in enumerate(starts.tolist())}
    for lo, hi in zip(boundaries, gap_ends, strict=True):
        if lo < hi:
            order, stop = _walk_gap(data, lo, hi, order, layout)
            last_end = max(last_end, stop)
            if stop < hi:
                layout.edits.append((stop, hi - stop, b""))  # broken blocks: dropped
        if hi < len(data) and hi in run_of:
            last_end = max(last_end, int(ends[run_of[hi]]))
    layout.end = last_end
    _packet_options(out, blocks, layout)
    layout.edits.sort(key=lambda e: e[0])
    return layout


def _walk_gap(data: bytes, pos: int, hi: int, order: str, layout: Layout) -> tuple[str, int]:
    """Non-packet blocks between packet blocks: keep, rewrite or drop each one."""
    while pos + 12 <= hi:
        (btype,) = struct.unpack_from(order + "I", data, pos)
        if btype == SHB:
            if pos + 28 > hi:
                break
            bom_le = struct.unpack_from("<I", data, pos + 8)[0] == BOM
            if not bom_le and struct.unpack_from(">I", data, pos + 8)[0] != BOM:
                break
            order = "<" if bom_le else ">"
        (size,) = struct.unpack_from(order + "I", data, pos + 4)
        if size < 12 or size % 4 or pos + size > hi:
            break
        if struct.unpack_from(order + "I", data, pos + size - 4)[0] != size:
            break
        block = data[pos : pos + size]
        if btype not in KEPT_BLOCKS:
            name = BLOCK_NAMES.get(btype, f"type 0x{btype:x}")
            layout.dropped[name] = layout.dropped.get(name, 0) + 1
            layout.edits.append((pos, size, b""))
        elif btype in (SHB, IDB, ISB) and size >= {SHB: 28, IDB: 20, ISB: 24}[btype]:
            fixed, keep = {SHB: (24, SHB_OPTIONS), IDB: (16, _idb_options()),
                           ISB: (20, ISB_OPTIONS)}[btype]
            new, dropped = rewrite_block(block, fixed, order, keep)
            if btype == SHB:
                new = new[:16] + b"\xff" * 8 + new[24:]  # section length: unknown
            layout.options_dropped += dropped
            if new != block:
                layout.edits.append((pos, size, new))
        pos += size
    return order, pos


def _packet_options(out: NDArray[np.uint8], blocks: PacketBlocks, layout: Layout) -> None:
    """Rewrite the enhanced/obsolete packet blocks whose options hold something to drop."""
    opt_start = blocks.data_end
    opt_end = blocks.start + blocks.length - 4
    area = opt_end - opt_start
    first = np.where(blocks.little, _u32(out, opt_start, True), _u32(out, opt_start, False))
    flags_only = np.where(blocks.little, first == 0x00040002, first == 0x00020004)
    flags_only &= (area == 8) | ((area == 12) & (_u32(out, opt_start + 8, True) == 0))
    rows = np.flatnonzero((blocks.start >= 0) & (blocks.kind != SPB) & (area > 0) & ~flags_only)
    for i in rows.tolist():
        start, size = int(blocks.start[i]), int(blocks.length[i])
        order = "<" if blocks.little[i] else ">"
        block = out[start : start + size].tobytes()
        fixed = int(opt_start[i]) - start
        new, dropped = rewrite_block(block, fixed, order, PACKET_OPTIONS)
        if dropped:
            layout.options_dropped += dropped
            layout.edits.append((start, size, new))
