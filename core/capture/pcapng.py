"""pcapng files: walk the blocks, hand the packet blocks out as RecordIndex chunks.

Every block is (type, total length, body, total length again) (draft-ietf-opsawg-pcapng
§3.1). A Section Header Block sets the byte order and forgets the interfaces; Interface
Description Blocks give each interface its link type and timestamp unit; Enhanced (6),
Obsolete (2) and Simple (3) Packet Blocks hold frames; every other block is skipped.
The walk is one Python step per block, except that runs of equal-length Enhanced Packet
Blocks are verified with strided numpy views; frame columns are gathered vectorized.
"""

from __future__ import annotations

import struct
from array import array
from collections.abc import Generator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from callscope.core.capture.pcapng_blocks import (
    BOM,
    EPB,
    IDB,
    OPB,
    SHB,
    SPB,
    Interface,
    parse_idb,
    to_ns,
)
from callscope.core.capture.records import RecordIndex, WalkEnd, Window
from callscope.core.capture.stride_guess import StrideGuess
from callscope.core.errors import CaptureError
from callscope.core.progress import CancelToken

_CANCEL_EVERY = 1 << 16
MAX_STREAMED_BLOCK = 16 << 20
"""Largest block a streamed window waits for; a longer one is reported as broken."""
EPB_HEAD = np.dtype("V28")  # type, length, interface, ts high, ts low, caplen, origlen


@dataclass(frozen=True)
class _Run:
    """``count`` enhanced packet blocks of ``stride`` bytes each, the first at ``start``."""

    start: int
    stride: int
    count: int


@dataclass(frozen=True)
class _Part:
    """Packet blocks found under one interface table and byte order."""

    where: _Run | NDArray[np.int64]  # a run, or block positions found one by one
    order: str
    interfaces: tuple[Interface, ...]


def iter_pcapng(
    data: NDArray[np.uint8],
    *,
    max_records: int,
    cancel: CancelToken | None = None,
    window: Window | None = None,
) -> Generator[RecordIndex, None, WalkEnd]:
    """Yield the packets of a pcapng held in ``data`` in chunks of at most ``max_records``.

    Always yields at least one chunk. A broken first block raises CaptureError; a broken
    later block ends the walk with a warning and keeps the packets before it. With a
    ``window`` (``data`` is a section's header blocks then a slice of a streamed file)
    a block cut by the window's end stops the walk quietly. Returns where it stopped.
    """
    window = window or Window()
    walker = _Walker(data, cancel, window)
    first_frame = window.first_frame
    while True:
        parts = walker.walk(max_records)
        n = walker.frame - first_frame
        if n or first_frame == window.first_frame or walker.warnings:
            yield _records(data, parts, n, first_frame, walker.take_warnings())
        first_frame = walker.frame
        if walker.done:
            return WalkEnd(walker.pos, walker.section_header(), walker.cut)


class _Walker:
    """Walks the blocks from the file start; remembers where it stopped.

    Enhanced packet blocks are stepped through in a tight loop; every other block
    (and every problem) goes through :meth:`_block`. Runs of equal-length enhanced
    packet blocks are verified with strided views, as in the pcap walker.
    """

    def __init__(self, data: NDArray[np.uint8], cancel: CancelToken | None,
                 window: Window) -> None:
        self.buf = data.data  # a memoryview of the same bytes
        self.end = int(data.shape[0])
        self.pos = 0
        self.window = window
        self.cut = False  # stopped by the end of a partial window
        self.section: list[tuple[int, int]] = []  # (pos, length) of the SHB and IDBs in force
        self.frame = window.first_frame  # frame number of the next packet
        self.done = False
        self.warnings: list[str] = []
        self.cancel = cancel
        self.interfaces: list[Interface] = []
        self.parts: list[_Part] = []
        self.loose = array("q")  # packet block positions not yet in a part
        self.guess = StrideGuess()
        self.spb_seen = False
        try:
            self._set_order(_section_order(self.buf, 0, self.end))
        except CaptureError as exc:
            raise CaptureError(f"not a valid pcapng file: {exc}") from None

    def _set_order(self, order: str) -> None:
        self.order = order
        self.u4 = np.dtype(order + "u4")
        self.head7 = struct.Struct(order + "7I").unpack_from
        self.word = struct.Struct(order + "I").unpack_from

    def take_warnings(self) -> list[str]:
        """The warnings collected so far (then forgotten)."""
        out, self.warnings = self.warnings, []
        return out

    def section_header(self) -> bytes:
        """The bytes of the section header and interface blocks in force."""
        return b"".join(bytes(self.buf[p : p + n]) for p, n in self.section)

    def walk(self, limit: int) -> list[_Part]:
        """Parts holding the next ≤ ``limit`` packets (``self.frame`` advances by their count)."""
        stop_at = self.frame + limit
        while self.frame < stop_at and not self.done:
            if self.cancel is not None:
                self.cancel.raise_if_cancelled()
            run_stride = self._step(min(stop_at - self.frame, _CANCEL_EVERY))
            if run_stride and self.frame < stop_at:
                self._run(run_stride, stop_at - self.frame)
            elif not run_stride and self.frame < stop_at:
                self._block()
        self._flush()
        parts, self.parts = self.parts, []
        return parts

    def _step(self, quota: int) -> int:
        """Take ≤ ``quota`` plain enhanced packet blocks from ``self.pos``.

        Stops at any other block or problem (for :meth:`_block`), or at a run of
        equal-length blocks: then returns that length (else 0).
        """
        buf, end, head7, word, nif = self.buf, self.end, self.head7, self.word, len(self.interfaces)
        append = self.loose.append
        pos, last, same, need, taken, run_stride = self.pos, -1, 0, self.guess.need, 0, 0
        for _ in range(quota):
            try:
                btype, blen, ifid, _, _, caplen, _ = head7(buf, pos)
            except struct.error:  # fewer than 28 bytes left
                break
            if not (
                btype == EPB
                and 32 <= blen <= end - pos
                and not blen & 3
                and caplen <= blen - 32
                and ifid < nif
                and word(buf, pos + blen - 4)[0] == blen
            ):
                break
            if blen == last:
                same += 1
                if same >= need:
                    run_stride = blen
                    break
            else:
                last, same = blen, 0
            append(pos)
            pos += blen
            taken += 1
        self.pos = pos
        self.frame += taken
        return run_stride

    def _run(self, stride: int, limit: int) -> None:
        """Take the enhanced packet blocks from ``self.pos`` that repeat with ``stride``."""
        want = min(self.guess.window, limit, (self.end - self.pos) // stride)

        def field(off: int) -> NDArray[np.int64]:
            view: NDArray[np.int64] = np.ndarray(
                (want,), self.u4, self.buf, self.pos + off, (stride,)
            )
            return view

        good = (field(0) == EPB) & (field(4) == stride) & (field(stride - 4) == stride)
        good &= (field(20) <= stride - 32) & (field(8) < len(self.interfaces))
        bad = np.flatnonzero(~good)
        k = int(bad[0]) if bad.shape[0] else want
        self.guess.settle(k, want)
        self._flush()
        self.parts.append(_Part(_Run(self.pos, stride, k), self.order, tuple(self.interfaces)))
        self.pos += k * stride
        self.frame += k

    def _block(self) -> None:
        """Handle the one block at ``self.pos`` that :meth:`_step` did not take."""
        pos, end, word, buf = self.pos, self.end, self.word, self.buf
        if pos + 12 > end:
            if self.window.partial:
                self.cut = True
            elif pos != end:
                self._stop(f"block header cut short ({end - pos} bytes left)")
            self.done = True
            return
        (btype,) = word(buf, pos)
        order = self.order
        if btype == SHB and pos + 28 > end and self.window.partial:
            self.done = self.cut = True  # the next window starts with this section header
            return
        if btype == SHB:
            try:
                order = _section_order(buf, pos, end)
            except CaptureError as exc:
                self._stop(str(exc))
                return
            (blen,) = struct.unpack_from(order + "I", buf, pos + 4)
        else:
            (blen,) = word(buf, pos + 4)
        if self.window.partial and end - pos < blen <= MAX_STREAMED_BLOCK and not blen % 4:
            self.done = self.cut = True  # the rest of this block is in the next window
            return
        problem = _block_problem(btype, blen, end - pos)
        if problem is None:
            (trailer,) = struct.unpack_from(order + "I", buf, pos + blen - 4)
            if trailer != blen:
                problem = f"block trailer length {trailer} != {blen}"
        if problem is None and btype in (EPB, OPB, SPB):
            problem = self._packet(btype, blen)
        if problem is not None:
            self._stop(problem)
            return
        if btype == SHB:
            self._flush()
            self._set_order(order)
            self.interfaces = []
            self.section = [(pos, blen)]
        elif btype == IDB:
            self._flush()
            self.interfaces.append(parse_idb(buf, pos, blen, order))
            self.section.append((pos, blen))
        self.pos = pos + blen

    def _packet(self, btype: int, blen: int) -> str | None:
        """Take the valid packet block at ``self.pos``, or say what is wrong with it."""
        nif = len(self.interfaces)
        if btype == SPB:
            if blen < 16:
                return f"simple packet block length {blen} is too short"
            if not nif:
                return "simple packet block before any interface description"
            if not self.spb_seen:
                self.spb_seen = True
                self.warnings.append("simple packet blocks carry no timestamp: time 0 used")
        else:
            if blen < 32:
                return f"packet block length {blen} is too short"
            _, _, f8, _, _, caplen, _ = self.head7(self.buf, self.pos)
            ifid = f8 if btype == EPB else _opb_interface(f8, self.order)
            if caplen > blen - 32:
                return f"packet claims {caplen} captured bytes in a {blen}-byte block"
            if ifid >= nif:
                return f"packet refers to interface {ifid}, but {nif} are described"
        self.loose.append(self.pos)
        self.frame += 1
        return None

    def _flush(self) -> None:
        if self.loose:
            positions = np.frombuffer(self.loose, np.int64).copy()
            self.parts.append(_Part(positions, self.order, tuple(self.interfaces)))
            self.loose = array("q")

    def _stop(self, why: str) -> None:
        if self.pos == 0:
            raise CaptureError(f"not a valid pcapng file: {why}")
        self.done = True
        at = self.pos + self.window.origin
        self.warnings.append(f"capture truncated at byte {at} (frame {self.frame}): {why}")


def _section_order(buf: memoryview, pos: int, end: int) -> str:
    """Byte order of the Section Header Block at ``pos`` (CaptureError if unusable)."""
    if pos + 28 > end:
        raise CaptureError("section header block cut short")
    for order in "<>":
        (bom,) = struct.unpack_from(order + "I", buf, pos + 8)
        if bom == BOM:
            major, minor = struct.unpack_from(order + "HH", buf, pos + 12)
            if major != 1:
                raise CaptureError(f"unsupported pcapng version {major}.{minor}")
            return order
    raise CaptureError("section header has no valid byte-order magic")


def _block_problem(btype: int, blen: int, room: int) -> str | None:
    """Why a block's length cannot be trusted, or None."""
    if blen < 12 or blen % 4:
        return f"block length {blen} is invalid"
    if blen > room:
        return f"block of {blen} bytes runs past the end of the file"
    if btype == SHB and blen < 28:
        return f"section header block length {blen} is too short"
    return None


def _opb_interface(f8: int, order: str) -> int:
    """The 16-bit interface id of an Obsolete Packet Block, from the word at body start."""
    return f8 & 0xFFFF if order == "<" else f8 >> 16


def _records(
    data: NDArray[np.uint8], parts: list[_Part], n: int, first_frame: int, warnings: list[str]
) -> RecordIndex:
    """Gather the columns of the packet blocks of ``parts`` (``n`` in all)."""
    cols = [_run_columns(data, p) if isinstance(p.where, _Run) else _loose_columns(data, p)
            for p in parts]

    def cat(i: int) -> NDArray[np.int64]:
        return np.concatenate([c[i] for c in cols]) if cols else np.zeros(0, np.int64)

    return RecordIndex(
        data=data,
        frame=np.arange(first_frame, first_frame + n, dtype=np.int64),
        time_ns=cat(0),
        offset=cat(1),
        caplen=cat(2).astype(np.int32),
        origlen=cat(3),
        linktype=cat(4).astype(np.int32),
        warnings=warnings,
    )


_Columns = list[NDArray[np.int64]]  # [time_ns, offset, caplen, origlen, linktype], int64 (k,)


def _run_columns(data: NDArray[np.uint8], part: _Part) -> _Columns:
    """Columns of a run of enhanced packet blocks (a strided copy of their 28-byte heads)."""
    run = part.where
    assert isinstance(run, _Run)
    heads = np.ndarray((run.count,), EPB_HEAD, data.data, run.start, (run.stride,)).copy()
    fields = heads.view(np.dtype(part.order + "u4")).reshape(run.count, 7)
    ifid = fields[:, 2].astype(np.int64)
    offset = run.start + 28 + run.stride * np.arange(run.count, dtype=np.int64)
    time_ns = _times(fields[:, 3], fields[:, 4], ifid, part.interfaces)
    linktype = _linktypes(part.interfaces)[ifid]
    return [time_ns, offset, fields[:, 5].astype(np.int64), fields[:, 6].astype(np.int64),
            linktype]


def _loose_columns(data: NDArray[np.uint8], part: _Part) -> _Columns:
    """Columns of packet blocks of any kind (enhanced, obsolete, simple) at given positions.

    Every block was validated during the walk: EPB/OPB are >= 32 bytes, SPB >= 16.
    """
    p = part.where
    assert isinstance(p, np.ndarray)
    u4 = np.dtype(part.order + "u4")
    head = _gather(data, p, 12).view(u4).reshape(-1, 3).astype(np.int64)
    btype, blen, f8 = head[:, 0], head[:, 1], head[:, 2]
    full = np.flatnonzero(btype != SPB)  # rows of enhanced/obsolete packet blocks
    ifid = np.where(btype == EPB, f8, _opb_interface_array(f8, part.order))
    ifid[btype == SPB] = 0
    snap = np.array([i.snaplen or (1 << 32) for i in part.interfaces], np.int64)
    origlen = f8.copy()  # simple packet block: original length, then the data
    caplen = np.minimum(np.minimum(f8, snap[ifid]), blen - 16)
    offset = p + 12
    time_ns = np.zeros(p.shape[0], np.int64)  # simple packet blocks have no timestamp
    if full.shape[0]:
        rest = _gather(data, p[full] + 12, 16).view(u4).reshape(-1, 4)  # ts hi/lo, lengths
        caplen[full] = rest[:, 2]
        origlen[full] = rest[:, 3]
        offset[full] += 16
        time_ns[full] = _times(rest[:, 0], rest[:, 1], ifid[full], part.interfaces)
    return [time_ns, offset, caplen, origlen, _linktypes(part.interfaces)[ifid]]


def _times(
    high: NDArray[np.uint32],
    low: NDArray[np.uint32],
    ifid: NDArray[np.int64],
    interfaces: tuple[Interface, ...],
) -> NDArray[np.int64]:
    """ns since the epoch from 64-bit timestamps split in two words, per interface unit."""
    ts = (high.astype(np.uint64) << np.uint64(32)) | low.astype(np.uint64)
    used = np.unique(ifid).tolist()
    if len(used) == 1:
        return to_ns(ts, interfaces[used[0]])
    out = np.empty(ts.shape[0], np.int64)
    for i in used:
        sel = ifid == i
        out[sel] = to_ns(ts[sel], interfaces[i])
    return out


def _linktypes(interfaces: tuple[Interface, ...]) -> NDArray[np.int64]:
    return np.array([i.linktype for i in interfaces], np.int64)


def _gather(data: NDArray[np.uint8], positions: NDArray[np.int64], width: int) -> NDArray[np.void]:
    """The ``width`` bytes at each position as one item each, shape (k,)."""
    every = np.ndarray((data.shape[0] - width + 1,), np.dtype(f"V{width}"), data.data, 0, (1,))
    rows: NDArray[np.void] = every[positions]
    return rows


def _opb_interface_array(f8: NDArray[np.int64], order: str) -> NDArray[np.int64]:
    """Vector form of :func:`_opb_interface`."""
    return f8 & 0xFFFF if order == "<" else f8 >> 16
