"""A read capture: facts, the UDP packet table, TCP byte streams, payload access."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from callscope.core.capture.table import PacketTable
from callscope.core.errors import CaptureError
from callscope.core.model import CaptureInfo


@dataclass
class TcpStream:
    """One direction of a TCP connection, payload reassembled in sequence order.

    ``seg_end[i]`` is the offset in ``data`` just past segment i's bytes (ascending);
    a unit ending at byte b arrived with the first segment whose ``seg_end >= b``.
    ``gaps`` counts holes (missing segments): data after a hole is kept but a parser
    should resynchronise there (``gap_offsets``).
    """

    src: str
    sport: int
    dst: str
    dport: int
    teid: int
    tunnelled: bool
    data: bytes
    seg_end: NDArray[np.int64]
    seg_frame: NDArray[np.int64]
    seg_time_ns: NDArray[np.int64]
    gap_offsets: list[int] = field(default_factory=list)

    def arrival_of(self, end_offset: int) -> tuple[int, int]:
        """(frame, time_ns) of the segment that completed the byte before ``end_offset``."""
        i = int(np.searchsorted(self.seg_end, end_offset, side="left"))
        i = min(i, len(self.seg_end) - 1)
        return int(self.seg_frame[i]), int(self.seg_time_ns[i])


@dataclass
class Capture:
    """Everything the capture layer produced from one file.

    ``packets`` holds UDP datagrams (GTP-U inner UDP included); TCP payload is in
    ``tcp_streams``. ``payload(row)`` returns a row's full captured payload: used for
    signalling (SIP/SDP, RTCP) and, behind the consent gate only, for audio.
    """

    info: CaptureInfo
    packets: PacketTable
    tcp_streams: list[TcpStream]
    warnings: list[str]
    _buffer: memoryview | bytes | None = None

    def payload(self, row: int) -> bytes:
        """The captured payload bytes of one PacketTable row."""
        table = self.packets
        off = int(table.payload_offset[row])
        if off < 0:
            data = table.reassembled.get(row)
            if data is None:
                raise CaptureError(
                    f"payload of frame {int(table.frame[row])} was not kept: the capture "
                    "was streamed for analysis only"
                )
            return data
        if self._buffer is None:
            raise ValueError("capture buffer already closed")
        return bytes(self._buffer[off : off + int(table.caplen[row])])

    def close(self) -> None:
        """Release the file buffer; ``payload`` no longer works afterwards."""
        buf = self._buffer
        self._buffer = None
        if isinstance(buf, memoryview):
            buf.release()
