"""The results the core hands to the CLI, the GUI and the tests.

One vocabulary for every layer: capture facts, calls from SIP/SDP, RTP streams
with their Wireshark-compatible statistics and per-packet series.
Phone numbers and URIs appear here only masked (see ``privacy/masking.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class CaptureInfo:
    """Facts about one capture file."""

    path: str
    sha256: str  # hex digest of the file as stored (compressed if .gz)
    size_bytes: int
    packets: int  # frames read
    link_types: tuple[str, ...]  # e.g. ("ethernet", "linux-sll")
    start_ns: int  # first frame, ns since the Unix epoch (0 if no frame)
    end_ns: int  # last frame

    @property
    def start_time(self) -> str:
        """First frame time, ISO 8601 UTC with microseconds: ``2024-01-02T03:04:05.123456Z``."""
        t = datetime.fromtimestamp(self.start_ns / 1e9, tz=UTC)
        return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    @property
    def duration_s(self) -> float:
        """Seconds between the first and the last frame."""
        return (self.end_ns - self.start_ns) / 1e9


@dataclass(frozen=True)
class Codec:
    """A payload type's meaning, from SDP ``rtpmap`` or the RFC 3551 static table."""

    name: str  # "PCMA", "AMR-WB", "telephone-event", ...
    clock_rate: int  # Hz; 0 when unknown
    channels: int = 1
    fmtp: str = ""


@dataclass(frozen=True)
class MediaDescription:
    """One SDP ``m=`` line as offered or answered: where media is expected to arrive."""

    address: str  # connection address (c=), IPv6 without brackets
    port: int
    media: str  # "audio", "video", "image"
    protocol: str  # "RTP/AVP", "RTP/SAVP", "UDP/TLS/RTP/SAVPF", "TCP/RTP/AVP", ...
    payload_types: tuple[int, ...]
    codecs: dict[int, Codec]  # payload type → codec (rtpmap + static table)
    ptime_ms: int | None = None
    direction: str = "sendrecv"  # sendrecv | sendonly | recvonly | inactive
    rtcp_mux: bool = False
    has_crypto: bool = False  # a=crypto (SDES keys) present: stream is SRTP
    frame: int = 0  # frame number of the SIP message carrying this SDP
    time_ns: int = 0

    @property
    def srtp(self) -> bool:
        """True when the profile or a=crypto says SRTP."""
        return "SAVP" in self.protocol or self.has_crypto

    @property
    def over_tcp(self) -> bool:
        """True for RTP framed over TCP (RFC 4571)."""
        return self.protocol.upper().startswith("TCP")


@dataclass
class Call:
    """A SIP dialog grouped by Call-ID. ``from_party``/``to_party`` are masked."""

    call_id: str
    from_party: str  # masked, e.g. "sip:*******123@e***.com"
    to_party: str
    # "CALL SETUP", "RINGING", "IN CALL", "COMPLETED", "REJECTED", "CANCELLED", "UNKNOWN"
    state: str
    start_ns: int
    end_ns: int
    media: list[MediaDescription] = field(default_factory=list)
    stream_ids: list[int] = field(default_factory=list)
    messages: int = 0
    protocol: str = "SIP"
    transport: str = "udp"  # how SIP travelled: "udp" or "tcp"


@dataclass
class StreamStats:
    """Per-stream figures defined as Wireshark 4.x RTP Stream Analysis defines them.

    Times in ms unless the name says otherwise. ``*_ws`` is not used: the plain
    names ARE the Wireshark-compatible figures; the corrected means (divided by
    the regular-sample count, not by all packets — Wireshark's quirk, see
    ``ui/tap-rtp-analysis.c``) are ``mean_delta_ms_true`` and ``mean_jitter_ms_true``.
    """

    packets: int
    expected: int
    lost: int  # expected - packets; negative with duplicates, as Wireshark
    lost_percent: float
    sequence_errors: int
    min_delta_ms: float
    mean_delta_ms: float
    max_delta_ms: float
    max_delta_frame: int
    min_jitter_ms: float
    mean_jitter_ms: float
    max_jitter_ms: float
    mean_delta_ms_true: float
    mean_jitter_ms_true: float
    max_skew_ms: float
    clock_drift_ms: float
    freq_drift_hz: float
    freq_drift_percent: float
    payload_changes: int
    marker_packets: int
    wrong_timestamps: int
    duplicates: int  # exact re-sends of an already received sequence number
    out_of_order: int  # late packets (sequence below the highest seen, not duplicate)
    problems: bool  # tshark 4.0's "Problems?" X: any sequence error or wrong timestamp


@dataclass
class StreamSeries:
    """Per-packet series of one stream, in arrival order; every array has shape (n,).

    ``time_s`` is seconds since the capture's first frame. ``delta_ms``, ``jitter_ms``,
    ``skew_ms`` follow Wireshark's per-packet table. ``lost_before`` is how many
    sequence numbers are missing just before this packet (0 if none).
    """

    frame: NDArray[np.int64]
    time_s: NDArray[np.float64]
    seq: NDArray[np.int64]  # extended sequence number
    rtp_timestamp: NDArray[np.int64]  # extended RTP timestamp
    payload_type: NDArray[np.uint8]
    marker: NDArray[np.bool_]
    length: NDArray[np.int32]  # UDP payload bytes
    delta_ms: NDArray[np.float64]
    jitter_ms: NDArray[np.float64]
    skew_ms: NDArray[np.float64]
    sequence_error: NDArray[np.bool_]
    lost_before: NDArray[np.int64]
    wrong_timestamp: NDArray[np.bool_]

    @classmethod
    def empty(cls) -> StreamSeries:
        """Zero-length series: what a stream carries when only statistics were asked for."""
        return cls(
            frame=np.zeros(0, np.int64), time_s=np.zeros(0), seq=np.zeros(0, np.int64),
            rtp_timestamp=np.zeros(0, np.int64), payload_type=np.zeros(0, np.uint8),
            marker=np.zeros(0, np.bool_), length=np.zeros(0, np.int32), delta_ms=np.zeros(0),
            jitter_ms=np.zeros(0), skew_ms=np.zeros(0), sequence_error=np.zeros(0, np.bool_),
            lost_before=np.zeros(0, np.int64), wrong_timestamp=np.zeros(0, np.bool_),
        )


@dataclass(frozen=True)
class RtcpReport:
    """One report block about a stream, from an RTCP SR or RR (RFC 3550 §6.4)."""

    frame: int
    time_s: float  # since capture start
    reporter_ssrc: int
    fraction_lost: float  # 0..1
    cumulative_lost: int
    highest_seq: int
    jitter_ms: float  # interarrival jitter converted with the stream's clock (nan if unknown)
    lsr: int
    dlsr: int


@dataclass
class Stream:
    """One RTP stream: a transport 5-tuple (+ GTP TEID) and an SSRC."""

    id: int  # 1-based, in order of first packet; stable for a given capture
    src: str
    sport: int
    dst: str
    dport: int
    transport: str  # "udp", "tcp", "gtpu-udp", "gtpu-tcp"
    teid: int
    ssrc: int
    payload_types: list[int]
    codec: str  # codec name of the main (most frequent audio/video) payload type
    clock_rate: int  # Hz, 0 if unknown
    call_id: str | None
    srtp: bool
    found_by: str  # "sdp" or "heuristic"
    start_ns: int
    end_ns: int
    stats: StreamStats
    series: StreamSeries
    rtcp: list[RtcpReport] = field(default_factory=list)
    telephone_events: int = 0  # RFC 4733 packets
    comfort_noise: int = 0  # CN packets (PT 13/19 or codec SID)

    @property
    def src_label(self) -> str:
        """``ip:port``, IPv6 as ``[addr]:port``."""
        return endpoint_label(self.src, self.sport)

    @property
    def dst_label(self) -> str:
        """``ip:port``, IPv6 as ``[addr]:port``."""
        return endpoint_label(self.dst, self.dport)

    @property
    def ssrc_hex(self) -> str:
        """SSRC as ``0x1a2b3c4d``."""
        return f"0x{self.ssrc:08x}"


@dataclass
class AnalysisResult:
    """Everything :func:`callscope.core.analysis.analyze` learnt from one capture."""

    capture: CaptureInfo
    calls: list[Call]
    streams: list[Stream]
    warnings: list[str] = field(default_factory=list)

    def stream(self, stream_id: int) -> Stream:
        """The stream with this id (KeyError if none)."""
        for s in self.streams:
            if s.id == stream_id:
                return s
        raise KeyError(stream_id)


def endpoint_label(address: str, port: int) -> str:
    """``ip:port``, with IPv6 addresses in brackets."""
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"
