"""Find the SIP messages of a capture: UDP datagrams (GTP-U inner UDP and reassembled
IP fragments included) and TCP streams on any port.

UDP candidates are picked by a vectorised test of the first payload bytes
(``PacketTable.head``); only those payloads are read and parsed. SIP inside TLS,
WebSocket or ESP is not visible and is not looked for.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
from numpy.typing import NDArray

from callscope.core.capture.capture import Capture, TcpStream
from callscope.core.capture.table import HEAD_BYTES, PacketTable, Transport
from callscope.core.sip.message import REQUEST_METHODS, SipMessage, parse_sip, split_sip_stream

START_TOKENS: tuple[bytes, ...] = (b"SIP/2.0 ", *(m.encode() + b" " for m in REQUEST_METHODS))
"""A SIP datagram starts with one of these (a status line, or a known request method)."""

_UDP_TRANSPORTS = (int(Transport.UDP), int(Transport.GTPU_UDP))


def sip_candidate_rows(table: PacketTable) -> NDArray[np.int64]:
    """Rows of UDP payloads that start like a SIP message, ascending; shape (k,)."""
    if len(table) == 0:
        return np.zeros(0, np.int64)
    udp = np.isin(table.transport, _UDP_TRANSPORTS)
    return np.flatnonzero(udp & starts_like_sip(table.head)).astype(np.int64)


def starts_like_sip(head: NDArray[np.uint8]) -> NDArray[np.bool_]:
    """Per row of ``head`` (shape (n, HEAD_BYTES)): the payload starts like a SIP message.

    Vectorised: first a filter on the first byte, then each token is compared on the
    few remaining rows only.
    """
    first_bytes = np.frombuffer(bytes({t[0] for t in START_TOKENS}), np.uint8)
    out = np.zeros(head.shape[0], bool)
    rows = np.flatnonzero(np.isin(head[:, 0], first_bytes))
    if rows.size == 0:
        return out
    sub = head[rows]
    match = np.zeros(rows.size, bool)
    for token in START_TOKENS:
        width = min(len(token), HEAD_BYTES)
        pattern = np.frombuffer(token[:width], np.uint8)
        match |= (sub[:, :width] == pattern).all(axis=1)
    out[rows[match]] = True
    return out


def _udp_messages(capture: Capture) -> list[SipMessage]:
    """Parse every candidate UDP payload; non-SIP candidates are dropped."""
    table = capture.packets
    out: list[SipMessage] = []
    for row in sip_candidate_rows(table).tolist():
        message = parse_sip(
            capture.payload(row),
            frame=int(table.frame[row]),
            time_ns=int(table.time_ns[row]),
            src=table.addresses[int(table.src[row])],
            sport=int(table.sport[row]),
            dst=table.addresses[int(table.dst[row])],
            dport=int(table.dport[row]),
            transport="udp",
        )
        if message is not None:
            out.append(message)
    return out


def _tcp_messages(stream: TcpStream) -> list[SipMessage]:
    """SIP messages of one TCP direction, each split between reassembly holes."""
    data = stream.data
    if b"SIP/2.0" not in data or len(stream.seg_end) == 0:
        return []
    cuts = sorted({0, len(data), *(g for g in stream.gap_offsets if 0 < g < len(data))})
    out: list[SipMessage] = []
    for lo, hi in pairwise(cuts):
        chunk = data if (lo, hi) == (0, len(data)) else data[lo:hi]
        for start, end in split_sip_stream(chunk):
            frame, time_ns = stream.arrival_of(lo + end)
            message = parse_sip(
                chunk[start:end],
                frame=frame,
                time_ns=time_ns,
                src=stream.src,
                sport=stream.sport,
                dst=stream.dst,
                dport=stream.dport,
                transport="tcp",
            )
            if message is not None:
                out.append(message)
    return out


def find_sip_messages(capture: Capture) -> list[SipMessage]:
    """Every SIP message of the capture, sorted by frame (stable within a frame)."""
    messages = _udp_messages(capture)
    for stream in capture.tcp_streams:
        messages.extend(_tcp_messages(stream))
    messages.sort(key=lambda m: (m.frame, m.time_ns))
    return messages
