"""Find every RTP stream of a capture: the entry point of RTP discovery.

Pipeline (vectorized over rows; loops only per stream and per RTCP packet):
RFC 4571 units of TCP streams become extra rows → header fields → per-row class
→ rows under an SDP announcement (``sdp_match``) → candidates elsewhere → one
grouping by (flow, TEID, SSRC) → groups with an announced row are SDP streams
(only their announced rows count, as in Wireshark); the others must pass the
strict heuristic → per-stream metrics → RTCP reports linked → ids by first packet.
Where SDP later hands an endpoint to T.38, Wireshark stops counting RTP there; we
keep the rows of streams already announced as RTP (a declined T.38 re-INVITE leaves
the RTP flowing) and drop the rest (UDPTL, whose bytes 8..11 are no SSRC).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from callscope.core.capture.capture import Capture
from callscope.core.capture.table import PacketTable
from callscope.core.capture.tables import append_rows, subset
from callscope.core.model import Call, Stream
from callscope.core.progress import CancelToken, Progress, ProgressCallback, no_progress
from callscope.core.rtp import partition
from callscope.core.rtp.classify import Kind, classify, rtp_dissectable
from callscope.core.rtp.grouping import Groups, group_streams
from callscope.core.rtp.header import header_lengths, padding_counts, parse_headers
from callscope.core.rtp.heuristic import conversation_ids, validate_groups
from callscope.core.rtp.rtcp_link import link_reports, rtcp_rows
from callscope.core.rtp.sdp_match import Endpoint, match_rows, sdp_endpoints
from callscope.core.rtp.stream_build import StreamColumns, StreamRows, build_stream
from callscope.core.rtp.tcp_framing import tcp_rows

Payload = Callable[[int], bytes]


def _append_rows(capture: Capture, extra: PacketTable) -> tuple[PacketTable, Payload]:
    """The capture's table followed by ``extra`` rows, and payload access for both."""
    base = capture.packets
    if len(extra) == 0:
        return base, capture.payload
    table = append_rows(base, extra)

    def payload(row: int) -> bytes:
        return capture.payload(row) if row < len(base) else table.reassembled[row]

    return table, payload


def _flags_by_conversation(
    table: PacketTable, kinds: NDArray[np.uint8], wanted: NDArray[np.bool_]
) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """Per row of ``table`` (``wanted`` rows only): its conversation carries QUIC; DTLS."""
    evidence = (kinds == Kind.QUIC) | (kinds == Kind.DTLS)
    if not evidence.any():  # no QUIC/DTLS row: no flag to spread
        return np.zeros(len(table), np.bool_), np.zeros(len(table), np.bool_)
    selected = np.flatnonzero(wanted | evidence)
    quic = np.zeros(len(table), np.bool_)
    dtls = np.zeros(len(table), np.bool_)
    conversation = conversation_ids(table, selected)
    count = int(conversation.max()) + 1
    kind = kinds[selected]
    has_quic = np.bincount(conversation, weights=kind == Kind.QUIC, minlength=count) > 0
    has_dtls = np.bincount(conversation, weights=kind == Kind.DTLS, minlength=count) > 0
    quic[selected] = has_quic[conversation]
    dtls[selected] = has_dtls[conversation]
    return quic, dtls


def _group_flags(groups: Groups, flags: NDArray[np.bool_]) -> NDArray[np.int64]:
    """How many rows of each group have ``flags`` set."""
    if len(groups) == 0:
        return np.zeros(0, np.int64)
    picked = flags[groups.rows].astype(np.int64)  # groups are never empty
    return np.add.reduceat(picked, groups.starts[:-1])


@dataclass
class _Found:
    """Streams of one part of the table, keyed for the whole-capture steps."""

    streams: list[tuple[int, int, Stream]] = field(default_factory=list)
    """(frame of the first packet, its row in the whole table, the stream)"""
    rtcp: list[NDArray[np.int64]] = field(default_factory=list)
    """rows of the whole table classified as RTCP"""


def find_streams(
    capture: Capture,
    calls: list[Call],
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    series: bool = True,
) -> tuple[list[Stream], list[str]]:
    """All RTP streams of ``capture`` sorted by first packet (ids 1..n), and warnings.

    Streams announced in the ``calls``' SDP get ``found_by="sdp"`` and their call's
    id (also listed in that ``Call.stream_ids``, which this resets); the rest
    ``"heuristic"``. Reports Progress("streams", done, total) once per stream (once per
    part of a large capture) and honours ``cancel`` between streams.
    ``series=False`` leaves each stream's per-packet series empty (statistics only).
    Tables larger than ``partition.WHOLE_ROWS`` are handled in parts of whole
    conversations (same streams, bounded memory).
    """
    report = progress or no_progress
    endpoints: list[Endpoint] = sdp_endpoints(calls)
    framed, warnings = tcp_rows(capture, endpoints)
    table, payload = _append_rows(capture, framed)
    found = _Found()
    start_ns = capture.info.start_ns
    parts = partition.conversation_parts(table) if len(table) > partition.WHOLE_ROWS else None
    if parts is None:
        _find_in(table, None, payload, endpoints, found, start_ns, series, cancel, report)
    else:
        for done, rows in enumerate(parts, start=1):
            if cancel is not None:
                cancel.raise_if_cancelled()
            _find_in(subset(table, rows), rows, payload, endpoints, found, start_ns, series,
                     cancel, no_progress)
            report(Progress("streams", done, len(parts), streams_found=len(found.streams)))
    found.streams.sort(key=lambda item: item[:2])
    streams = [stream for _, _, stream in found.streams]

    firsts = np.array([row for _, row, _ in found.streams], np.int64)
    rtcp = rtcp_rows(
        table, np.sort(np.concatenate(found.rtcp)), table.src[firsts].astype(np.int64),
        table.dst[firsts].astype(np.int64),
    )
    for index in link_reports(table, rtcp, payload, streams, start_ns):
        streams[index].srtp = True

    by_call = {call.call_id: call for call in reversed(calls)}
    for call in calls:
        call.stream_ids.clear()  # idempotent when the same calls are analysed again
    for number, stream in enumerate(streams, start=1):
        stream.id = number
        if stream.call_id is not None and stream.call_id in by_call:
            by_call[stream.call_id].stream_ids.append(number)
    return streams, warnings


def _find_in(
    table: PacketTable,
    whole_rows: NDArray[np.int64] | None,
    whole_payload: Payload,
    endpoints: list[Endpoint],
    found: _Found,
    start_ns: int,
    series: bool,
    cancel: CancelToken | None,
    report: ProgressCallback,
) -> None:
    """Add to ``found`` the streams of ``table``: the whole table (``whole_rows`` None)
    or the whole table's ``whole_rows``, holding whole conversations."""
    def payload(row: int) -> bytes:
        return whole_payload(row if whole_rows is None else int(whole_rows[row]))

    header = parse_headers(table)
    header_len = header_lengths(header, payload)
    dissectable = rtp_dissectable(table, header, header_len)
    kinds = classify(table, header, header_len, padding_counts(table, header, payload),
                     dissectable)
    rtcp = np.flatnonzero(kinds == Kind.RTCP)
    found.rtcp.append(rtcp if whole_rows is None else whole_rows[rtcp])
    endpoint_of = match_rows(table, endpoints)
    announced_rtp = np.array([e.rtp for e in endpoints] + [False], np.bool_)[endpoint_of]
    signalled = announced_rtp & dissectable
    # Rows on an endpoint re-announced for T.38: RTP only if their stream was RTP before.
    contested = (endpoint_of >= 0) & ~announced_rtp & dissectable
    candidate = (kinds == Kind.RTP) & (endpoint_of < 0)
    quic, dtls = _flags_by_conversation(table, kinds, signalled | candidate)
    candidate &= ~quic
    del kinds
    groups = group_streams(table, np.flatnonzero(signalled | contested | candidate), header.ssrc)
    announced = _group_flags(groups, signalled)
    grouped = StreamColumns.gather(table, header, header_len, groups.rows)  # group order
    ssrc = header.ssrc  # all later steps need of the header; the rest is freed now
    del header, header_len, dissectable, quic
    keep = (announced > 0) | (
        validate_groups(groups, grouped)
        & (_group_flags(groups, contested) == 0)
    )
    chosen: list[tuple[NDArray[np.int64], Endpoint | None, StreamColumns]] = []
    for group in np.flatnonzero(keep).tolist():
        start, stop = int(groups.starts[group]), int(groups.starts[group + 1])
        rows = groups.rows[start:stop]
        if announced[group]:
            first_announced = int(rows[signalled[rows]][0])
            counted = signalled[rows] | contested[rows]
            chosen.append((rows[counted], endpoints[int(endpoint_of[first_announced])],
                           grouped.part(start, stop).take(counted)))
        else:
            chosen.append((rows, None, grouped.part(start, stop)))
    # built in group order; find_streams sorts every part's streams by first packet
    for done, (rows, endpoint, part) in enumerate(chosen, start=1):
        if cancel is not None:
            cancel.raise_if_cancelled()
        info = StreamRows(rows, endpoint, part, bool(dtls[int(rows[0])]))
        stream = build_stream(table, ssrc, info, start_ns, keep_series=series)
        first = int(rows[0])
        first_whole = first if whole_rows is None else int(whole_rows[first])
        found.streams.append((int(table.frame[first]), first_whole, stream))
        report(Progress("streams", done, len(chosen), streams_found=done))
