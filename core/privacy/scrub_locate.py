"""Where every header and payload of a capture lies in the file, for the scrubber.

:class:`LocatingDecoder` is the analysis's own :class:`CaptureDecoder` (so the scrubber
sees exactly the rows the analysis sees) that also writes down, as absolute file
offsets:

- ``keep``: byte ranges that are headers (link, IP, UDP/TCP/ICMP, GTP-U) and survive;
- ``frames``: every frame's captured bytes (whatever ``keep`` and the payload rules do
  not restore is zeroed);
- UDP and TCP headers (checksums are fixed afterwards);
- TCP data segments per direction, with their file position (the TCP scrubber maps
  its scrubbed byte streams back onto them);
- reassembled IP datagrams with the file position of each fragment.

Vectorized per chunk; loops run per TCP segment and per fragment only (both rare).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from callscope.core.capture.decode import CaptureDecoder
from callscope.core.capture.fragments import Datagram, FragmentReassembler
from callscope.core.capture.gather import I64, be16, slab
from callscope.core.capture.gtpu import GTPU_PORT
from callscope.core.capture.layers import Buffer, Fragment, L4Rows, NetRows
from callscope.core.capture.link import LINK_SLAB, LOCATORS
from callscope.core.capture.records import RecordIndex
from callscope.core.capture.table import PacketTable

UDP, TCP, ICMP, ICMPV6 = 17, 6, 1, 58
GTP_KEPT = 16  # GTP-U header bytes kept on every port-2152 datagram
SYN = 0x02


@dataclass
class DatagramRecord:
    """A reassembled IP datagram: its transport bytes and where its fragments lie.

    ``pieces``: (offset in ``data``, absolute file position or -1, length) per fragment.
    ``transports``: (offset of the transport header in ``data``, IP protocol).
    """

    version: int
    src: bytes
    dst: bytes
    frame: int
    data: bytes
    pieces: list[tuple[int, int, int]]
    transports: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class L4Headers:
    """UDP or TCP headers at absolute offsets ``off`` (captured up to ``end``), shape (n,)."""

    version: int
    off: I64
    end: I64
    wire_len: I64
    src: NDArray[np.uint8]  # (n, 4) or (n, 16) network order
    dst: NDArray[np.uint8]


@dataclass
class Segment:
    """One TCP data segment (or SYN) of a direction; ``where`` as in :class:`Location`."""

    seq: int
    frame: int
    size: int
    where: Location
    syn: bool


@dataclass(frozen=True)
class Location:
    """Bytes in the file (``datagram`` -1, ``offset`` absolute) or in a reassembled datagram."""

    datagram: int
    offset: int


TcpKey = tuple[int, int, int, int, int, bool]  # src id, sport, dst id, dport, teid, tunnel


def _address_bytes(version: int, values: NDArray[np.generic]) -> NDArray[np.uint8]:
    """Addresses in network byte order, shape (n, 4) or (n, 16)."""
    if version == 4:
        word = np.asarray(values, dtype=np.uint32).astype(">u4")
        return np.ascontiguousarray(word).view(np.uint8).reshape(-1, 4)
    return np.ascontiguousarray(values, dtype=np.uint8).reshape(-1, 16)


class _LocatingReassembler(FragmentReassembler):
    """Fragment reassembly that remembers where each fragment's bytes lie in the file."""

    def __init__(self, owner: LocatingDecoder) -> None:
        super().__init__()
        self._owner = owner
        self._pieces: dict[tuple[int, bytes, bytes, int, int, int, bool], list[
            tuple[int, int, int]]] = {}
        self.completed: list[tuple[Datagram, list[tuple[int, int, int]]]] = []

    def add(self, fragments: list[Fragment]) -> list[Datagram]:
        for frag in fragments:
            pos = self._owner.fragment_position(frag)
            self._pieces.setdefault(frag.key, []).append((frag.offset, pos, len(frag.payload)))
        done = super().add(fragments)
        for d in done:
            self.completed.append((d, self._pieces.pop(d.key, [])))
        return done


class LocatingDecoder(CaptureDecoder):
    """A CaptureDecoder that records positions (see the module docstring)."""

    def __init__(self) -> None:
        super().__init__()
        self.fragments: _LocatingReassembler = _LocatingReassembler(self)
        self.keep_start: list[I64] = []
        self.keep_end: list[I64] = []
        self.frame_start: list[I64] = []
        self.frame_end: list[I64] = []
        self.udp_headers: list[L4Headers] = []
        self.tcp_headers: list[L4Headers] = []
        self.segments: dict[TcpKey, list[Segment]] = {}
        self.datagrams: list[DatagramRecord] = []
        self.datagram_udp: list[tuple[int, int]] = []  # (datagram, UDP header offset)
        self._ri: RecordIndex | None = None
        self._starts: I64 = np.zeros(0, np.int64)
        self._net: NetRows | None = None
        self._buffers: dict[int, tuple[Buffer, I64, list[int]]] = {}

    # -- recording helpers ------------------------------------------------------
    def _keep(self, start: I64, end: I64) -> None:
        self.keep_start.append(np.asarray(start, np.int64))
        self.keep_end.append(np.asarray(end, np.int64))

    def decode(self, ri: RecordIndex) -> PacketTable:
        """Record the chunk's frames and link headers, then decode it as usual."""
        self._ri = ri
        self._buffers = {}
        starts = ri.file_offset + ri.offset.astype(np.int64)
        caplen = ri.caplen.astype(np.int64)
        self._starts = starts
        self.frame_start.append(starts)
        self.frame_end.append(starts + caplen)
        for lt in np.unique(ri.linktype).tolist():
            locator = LOCATORS.get(int(lt))
            if locator is None:
                continue  # unsupported link type: the whole frame is zeroed
            rows = np.flatnonzero(ri.linktype == lt)
            rel, _ = locator(slab(ri.data, ri.offset[rows], LINK_SLAB), caplen[rows])
            self._keep(starts[rows], starts[rows] + np.minimum(rel, caplen[rows]))
        return super().decode(ri)

    def _network(self, net: NetRows) -> list[L4Rows]:
        self._net = net
        base = net.buf.file_base
        if base is not None and len(net):
            self._keep(self._starts[net.idx], net.off + base)
        self.fragments.completed = []
        return super()._network(net)

    def fragment_position(self, frag: Fragment) -> int:
        """Absolute file offset of a fragment's payload (-1 when it is not in the file)."""
        net = self._net
        if net is None or net.buf.file_base is None:
            return -1
        rows = np.flatnonzero(net.idx == frag.idx)
        if rows.shape[0] != 1:
            return -1
        j = int(rows[0])
        data = net.buf.data
        off, end = int(net.off[j]), int(net.end[j])
        if data[off] >> 4 == 4:
            total = (int(data[off + 2]) << 8) | int(data[off + 3])
            ip_end = off + total if total else end
        else:
            payload = (int(data[off + 4]) << 8) | int(data[off + 5])
            ip_end = off + 40 + payload if payload else end
        start = min(ip_end, end) - len(frag.payload)
        if start < off:
            return -1
        base = net.buf.file_base
        self._keep(np.array([self._starts[frag.idx]]), np.array([start + base]))
        return start + base

    # -- transport rows ------------------------------------------------------------
    def _transport(
        self, l4: L4Rows, ri: RecordIndex, tables: list[PacketTable]
    ) -> NetRows | None:
        if len(l4):
            if l4.buf.file_base is not None:
                self._file_rows(l4, l4.buf.file_base)
            else:
                self._memory_rows(l4)
        return super()._transport(l4, ri, tables)

    def _file_rows(self, l4: L4Rows, base: int) -> None:
        data = l4.buf.data
        off, end = l4.off, l4.end
        s = slab(data, off, 14)
        hdr = np.zeros(len(l4), np.int64)
        hdr[l4.proto == UDP] = 8
        hdr[(l4.proto == ICMP) | (l4.proto == ICMPV6)] = 8
        tcp = l4.proto == TCP
        hdr[tcp] = np.maximum((s[tcp, 12] >> 4).astype(np.int64) * 4, 20)
        self._keep(self._starts[l4.idx], np.minimum(off + hdr, end) + base)
        src, dst = _address_bytes(l4.version, l4.src), _address_bytes(l4.version, l4.dst)
        udp = np.flatnonzero(l4.proto == UDP)
        if udp.shape[0]:
            self.udp_headers.append(L4Headers(l4.version, off[udp] + base, end[udp] + base,
                                      l4.wire_len[udp], src[udp], dst[udp]))
            gtp = udp[~l4.tunnelled[udp] & ((be16(s[udp], 0) == GTPU_PORT)
                                           | (be16(s[udp], 2) == GTPU_PORT))]
            self._keep(self._starts[l4.idx[gtp]], np.minimum(off[gtp] + 8 + GTP_KEPT, end[gtp])
                       + base)
        rows = np.flatnonzero(tcp)
        if rows.shape[0]:
            self.tcp_headers.append(L4Headers(l4.version, off[rows] + base, end[rows] + base,
                                      l4.wire_len[rows], src[rows], dst[rows]))
            self._segments(l4, rows, off[rows] + hdr[rows], s[rows], -1, base)

    def _segments(
        self, l4: L4Rows, rows: I64, pay: I64, s: NDArray[np.uint8], datagram: int, shift: int
    ) -> None:
        """Record the TCP data segments (and SYNs) of ``rows``.

        ``pay``: payload offsets in the buffer; ``pay + shift`` is the segment's
        :class:`Location` offset (absolute in the file, or inside ``datagram``).
        """
        assert self._ri is not None
        captured = np.clip(np.minimum(l4.end[rows], l4.off[rows] + l4.wire_len[rows]) - pay, 0,
                           None)
        valid = pay <= l4.end[rows]
        syn = (s[:, 13] & SYN) != 0
        seq = (be16(s, 4) << 16) | be16(s, 6)
        src = self.interner.intern(l4.version, l4.src[rows]).tolist()
        dst = self.interner.intern(l4.version, l4.dst[rows]).tolist()
        frames = self._ri.frame[l4.idx[rows]].tolist()
        columns = zip(src, be16(s, 0).tolist(), dst, be16(s, 2).tolist(),
                      l4.teid[rows].tolist(), l4.tunnelled[rows].tolist(), seq.tolist(),
                      syn.tolist(), valid.tolist(), (pay + shift).tolist(), captured.tolist(),
                      frames, strict=True)
        for a, sp, b, dp, teid, tun, q, is_syn, ok, at, size, frame in columns:
            if not ok or (size == 0 and not is_syn):
                continue
            key = (a, sp, b, dp, teid, tun)
            where = Location(datagram, at)
            self.segments.setdefault(key, []).append(Segment(q, frame, size, where, is_syn))

    def _memory_rows(self, l4: L4Rows) -> None:
        """Rows of reassembled datagrams: map each to its datagram and offset in it."""
        mapping = self._buffer_map(l4)
        if mapping is None:
            return
        _, starts, ids = mapping
        k = np.searchsorted(starts, l4.off, side="right") - 1
        for row, (j, proto) in enumerate(zip(k.tolist(), l4.proto.tolist(), strict=True)):
            if j < 0:
                continue
            record = self.datagrams[ids[j]]
            rel = int(l4.off[row]) - int(starts[j])
            record.transports.append((rel, int(proto)))
            if proto == UDP:
                self.datagram_udp.append((ids[j], rel))
            elif proto == TCP:
                s = slab(l4.buf.data, l4.off[row : row + 1], 14)
                hlen = max(int(s[0, 12] >> 4) * 4, 20)
                pay = l4.off[row : row + 1] + hlen
                self._segments(l4, np.array([row]), pay, s, ids[j], -int(starts[j]))

    def _buffer_map(self, l4: L4Rows) -> tuple[Buffer, I64, list[int]] | None:
        """(buffer, datagram start offsets in it, datagram record ids) for an in-memory buffer.

        A buffer built by ``datagram_rows`` holds the datagrams of one IP version just
        completed, back to back; GTP-U inner rows reuse their outer datagram's buffer.
        """
        known = self._buffers.get(id(l4.buf))
        if known is not None:
            return known
        assert self._ri is not None
        chosen = [(d, p) for d, p in self.fragments.completed if d.key[0] == l4.version]
        total = sum(len(d.payload) for d, _ in chosen)
        if not chosen or total != int(l4.buf.data.shape[0]):
            return None
        starts = np.cumsum([0] + [len(d.payload) for d, _ in chosen[:-1]]).astype(np.int64)
        ids: list[int] = []
        for d, pieces in chosen:
            ids.append(len(self.datagrams))
            self.datagrams.append(DatagramRecord(
                version=d.key[0], src=d.key[1], dst=d.key[2],
                frame=int(self._ri.frame[d.idx]), data=d.payload, pieces=pieces,
            ))
        entry = (l4.buf, starts, ids)
        self._buffers[id(l4.buf)] = entry
        return entry
