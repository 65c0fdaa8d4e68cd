"""Decode RecordIndex chunks into UDP packet rows and TCP streams.

One :class:`CaptureDecoder` per capture: it keeps what must survive chunk borders
(address interner, fragment reassembly, TCP segments, counters). Per chunk the
stages run vectorized over all frames: link → IPv4/IPv6 → UDP (→ GTP-U → inner IP
→ UDP/TCP) and TCP; fragments are reassembled and fed back in at the transport stage.
"""

from __future__ import annotations

import numpy as np

from callscope.core.capture.capture import TcpStream
from callscope.core.capture.fragments import FragmentReassembler, datagram_rows
from callscope.core.capture.interning import AddressInterner
from callscope.core.capture.ipv4 import decode_ipv4
from callscope.core.capture.ipv6 import decode_ipv6
from callscope.core.capture.layers import Fragment, L4Rows, NetRows, PayloadFilter
from callscope.core.capture.link import link_name, locate_network
from callscope.core.capture.records import RecordIndex
from callscope.core.capture.table import PacketTable
from callscope.core.capture.tables import concat_tables, sort_by_frame
from callscope.core.capture.tcp import TcpCollector
from callscope.core.capture.udp import decode_udp

UDP, TCP = 17, 6


class CaptureDecoder:
    """Turns the chunks of one capture into a PacketTable and TCP streams."""

    def __init__(self, keep: PayloadFilter | None = None) -> None:
        self.keep = keep  # which payloads of streamed windows to copy out (all if None)
        self.interner = AddressInterner()
        self.fragments = FragmentReassembler()
        self.tcp = TcpCollector()
        self.frames = 0
        self.link_frames: dict[int, int] = {}  # link type → frames seen
        self.unsupported: dict[int, int] = {}  # link type → frames skipped
        self.malformed = 0

    def decode(self, ri: RecordIndex) -> PacketTable:
        """UDP rows (GTP-U inner UDP and reassembled datagrams included) of one chunk."""
        self.frames += len(ri)
        if len(ri) and bool(np.all(ri.linktype == ri.linktype[0])):
            types, counts = [int(ri.linktype[0])], [len(ri)]
        else:
            found, n = np.unique(ri.linktype, return_counts=True)
            types, counts = found.tolist(), n.tolist()
        for t, c in zip(types, counts, strict=True):
            self.link_frames[t] = self.link_frames.get(t, 0) + c
        link = locate_network(ri)
        for t, c in link.unsupported.items():
            self.unsupported[t] = self.unsupported.get(t, 0) + c
        self.malformed += link.malformed
        tables: list[PacketTable] = []
        pending: list[NetRows] = [link.net]
        while pending:  # outer packets, then GTP-U inner packets
            net = pending.pop()
            for l4 in self._network(net):
                inner = self._transport(l4, ri, tables)
                if inner is not None and len(inner):
                    pending.append(inner)
        table = concat_tables(tables, self.interner.addresses)
        return sort_by_frame(table)

    def _network(self, net: NetRows) -> list[L4Rows]:
        """Decode IP headers; returns transport rows, reassembled datagrams included."""
        if len(net) == 0:
            return []
        version = net.version
        unknown = np.flatnonzero(version == 0)
        if unknown.shape[0]:  # raw IP or tunnel payload: the version nibble decides
            version = version.copy()
            first = net.buf.data[np.minimum(net.off[unknown], net.buf.data.shape[0] - 1)]
            version[unknown] = np.where(net.off[unknown] < net.end[unknown], first >> 4, 0)
        out: list[L4Rows] = []
        frags: list[Fragment] = []
        for v, decoder in ((4, decode_ipv4), (6, decode_ipv6)):
            mask = version == v
            if not bool(mask.any()):
                continue
            rows, found, bad = decoder(net if bool(mask.all()) else net.take(mask))
            out.append(rows)
            frags.extend(found)
            self.malformed += bad
        self.malformed += int(np.count_nonzero((version != 4) & (version != 6)))
        if frags:
            out.extend(datagram_rows(self.fragments.add(frags)))
        return out

    def _transport(
        self, l4: L4Rows, ri: RecordIndex, tables: list[PacketTable]
    ) -> NetRows | None:
        """UDP rows into ``tables``, TCP segments into the collector; GTP-U inner packets."""
        inner: NetRows | None = None
        udp = l4.proto == UDP
        if bool(udp.any()):
            result = decode_udp(
                l4 if bool(udp.all()) else l4.take(udp), ri.frame, ri.time_ns, self.interner,
                self.keep,
            )
            tables.append(result.table)
            inner = result.inner
            self.malformed += result.malformed
        tcp = l4.proto == TCP
        if bool(tcp.any()):
            self.malformed += self.tcp.add(l4.take(tcp), ri.frame, ri.time_ns, self.interner)
        return inner

    def link_types(self) -> tuple[str, ...]:
        """Names of the link types seen, most frequent first."""
        ranked = sorted(self.link_frames.items(), key=lambda kv: -kv[1])
        names: list[str] = []
        for t, _ in ranked:
            if link_name(t) not in names:
                names.append(link_name(t))
        return tuple(names)

    def finish(self) -> tuple[list[TcpStream], list[str]]:
        """TCP streams and the capture-wide warnings (call once, after the last chunk)."""
        warnings: list[str] = []
        for t, c in sorted(self.unsupported.items()):
            warnings.append(f"link type {t} not supported: {c} frames skipped")
        if self.malformed:
            warnings.append(f"{self.malformed} malformed or truncated packets skipped")
        lost = self.fragments.dropped + self.fragments.incomplete()
        if lost:
            warnings.append(f"{lost} fragmented IP datagrams could not be reassembled")
        warnings.extend(self.tcp.warnings)
        return self.tcp.streams(self.interner.addresses), warnings

