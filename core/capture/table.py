"""The packet table: one row per transport payload (UDP datagram, or RTP frame over TCP).

This is what the capture layer hands to the RTP and SIP layers. Addresses are
interned: ``src``/``dst`` are indices into ``addresses`` so that grouping is done
on integers, never on Python tuples.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np
from numpy.typing import NDArray

HEAD_BYTES = 16
"""How many leading payload bytes each row keeps (RTP fixed header + first CSRC)."""


class Transport(IntEnum):
    """How a row's payload travelled. Values are stored in ``PacketTable.transport``."""

    UDP = 0
    TCP = 1  # RFC 4571 framed unit inside a TCP stream
    GTPU_UDP = 2  # UDP inside a GTP-U tunnel (TEID in PacketTable.teid)
    GTPU_TCP = 3

    @property
    def label(self) -> str:
        """The name used in reports: ``udp``, ``tcp``, ``gtpu-udp``, ``gtpu-tcp``."""
        return self.name.lower().replace("_", "-")


@dataclass
class PacketTable:
    """Transport payloads as columns; every array has shape (n,) unless said.

    - ``frame``: 1-based frame number in the capture (Wireshark's numbering).
    - ``time_ns``: absolute arrival time, ns since the Unix epoch.
    - ``src``/``dst``: indices into ``addresses`` (printable IP strings, IPv6
      without brackets); ``sport``/``dport`` UDP/TCP ports.
    - ``transport``: :class:`Transport` values; ``teid``: GTP-U TEID, 0 if none.
    - ``length``: payload length in bytes as it was on the wire (may exceed what
      was captured); ``caplen``: how many payload bytes are in the capture.
    - ``ip_version``: 4 or 6 (innermost IP header), for bandwidth figures.
    - ``head``: shape (n, HEAD_BYTES) uint8, the first payload bytes, zero padded.
    - ``payload_offset``: absolute offset of the payload in the (decompressed)
      file, or -1 when the payload exists only after reassembly; then it is kept
      in ``reassembled`` under the row index.
    """

    frame: NDArray[np.int64]
    time_ns: NDArray[np.int64]
    src: NDArray[np.int32]
    dst: NDArray[np.int32]
    sport: NDArray[np.uint16]
    dport: NDArray[np.uint16]
    transport: NDArray[np.uint8]
    teid: NDArray[np.uint32]
    length: NDArray[np.int32]
    caplen: NDArray[np.int32]
    ip_version: NDArray[np.uint8]
    head: NDArray[np.uint8]
    payload_offset: NDArray[np.int64]
    addresses: list[str] = field(default_factory=list)
    reassembled: dict[int, bytes] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.frame.shape[0])

    @classmethod
    def empty(cls) -> PacketTable:
        """A table with no rows."""
        return cls(
            frame=np.zeros(0, np.int64),
            time_ns=np.zeros(0, np.int64),
            src=np.zeros(0, np.int32),
            dst=np.zeros(0, np.int32),
            sport=np.zeros(0, np.uint16),
            dport=np.zeros(0, np.uint16),
            transport=np.zeros(0, np.uint8),
            teid=np.zeros(0, np.uint32),
            length=np.zeros(0, np.int32),
            caplen=np.zeros(0, np.int32),
            ip_version=np.zeros(0, np.uint8),
            head=np.zeros((0, HEAD_BYTES), np.uint8),
            payload_offset=np.zeros(0, np.int64),
        )
