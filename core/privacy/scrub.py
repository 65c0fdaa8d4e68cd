"""Scrubbed export for escalation: a copy of a capture without content or identities.

Second-line support gets a capture that ``callscope analyze`` (and Wireshark) reads with
exactly the same RTP streams, calls and metrics, but which holds no speech, no phone
number, no name and no key. Principle: **every byte of every frame is zeroed unless the
analysis needs it or it is a protocol header** (link, IP, UDP/TCP/ICMP, GTP-U):

- RTP: header (with CSRCs, extension, padding count) kept, payload zeroed; lengths and
  timestamps untouched, so loss, jitter, delta, bandwidth and SRTP detection stay equal.
- RTCP reports kept; SDES items pseudonymised, BYE reasons and APP data zeroed.
- SIP: identities replaced by keyed pseudonyms of the same length (HMAC-SHA256 with a
  per-case key that stays in CallScope's data folder); SDP keys (``a=crypto``,
  ``k=``, MIKEY, ICE passwords) replaced by filler; other bodies zeroed.
- STUN/DTLS: headers kept, values zeroed. ZRTP/TURN/QUIC: identifying first bytes kept.
- Everything else is zeroed: unknown UDP/TCP protocols, TLS (certificates may name a
  person), ESP, ICMP quotes, SCTP (Diameter/SS7 carry numbers), non-IP payloads behind a
  known link header, frames of unsupported link types, IP fragments that never completed.
- Transport checksums are redone (UDP/IPv4: 0; UDP/IPv6, TCP: recomputed).
- pcapng: comments, custom options and blocks, name resolution and decryption-secrets
  blocks are dropped (:mod:`scrub_pcapng`). A ``.gz`` input is written uncompressed.
- A broken tail (a record cut short) is not copied.

Nothing is written anywhere but ``OUT.partial`` beside ``OUT``, renamed when complete.
With ``verify`` the copy is analysed and compared with the original before the rename.

Limits: only SIP is kept as signalling. MGCP, H.248, SCCP (Skinny) and H.323 payloads are
zeroed like any unknown protocol, so Wireshark, which sets up RTP and T.38 conversations
from them, may list other streams on such captures (CallScope does not read them: its
streams are the same). Call-IDs and tags are kept (calls must still match); a Call-ID
that embeds a number keeps it.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from callscope.core.analysis import analyze
from callscope.core.capture.capture import Capture
from callscope.core.capture.formats import capture_format, iter_records
from callscope.core.capture.source import CaptureFile, file_sha256, open_capture
from callscope.core.capture.table import PacketTable
from callscope.core.capture.tables import concat_tables
from callscope.core.errors import CallScopeError, CaptureError
from callscope.core.model import CaptureInfo
from callscope.core.privacy.audit_log import AuditLog
from callscope.core.privacy.scrub_build import (
    Edits,
    SourceBytes,
    finish_datagrams,
    fix_checksums,
    plan_tcp,
)
from callscope.core.privacy.scrub_checksum import zero_outside
from callscope.core.privacy.scrub_locate import LocatingDecoder
from callscope.core.privacy.scrub_output import (
    check_paths,
    commit,
    compare_analyses,
    partial_path,
    write_pieces,
)
from callscope.core.privacy.scrub_pcapng import find_packet_blocks, plan_layout
from callscope.core.privacy.scrub_pseudonym import Pseudonymizer, case_key
from callscope.core.privacy.scrub_sip import SipScrubber
from callscope.core.privacy.scrub_udp import plan_udp
from callscope.core.progress import CancelToken, Progress, ProgressCallback, no_progress
from callscope.core.rtp.sdp_match import sdp_endpoints
from callscope.core.sip.calls import build_calls
from callscope.core.sip.find import find_sip_messages

PCAP_HEADER = 24


@dataclass(frozen=True)
class ScrubReport:
    """What an export did. ``verified``: None when not checked, else metrics identical.

    ``counts``: rtp, sip, rtcp, stun, dtls (datagrams), tcp_sip/tcp_rtp/tcp_other
    (directions), reassembled (datagrams), pseudonyms (distinct values replaced).
    """

    source: str
    output: str
    format: str
    decompressed: bool
    frames: int
    streams: int
    bytes_zeroed: int
    bytes_written: int
    counts: dict[str, int]
    blocks_dropped: dict[str, int]
    options_dropped: int
    warnings: tuple[str, ...]
    verified: bool | None
    differences: tuple[str, ...]


def _check(cancel: CancelToken | None) -> None:
    if cancel is not None:
        cancel.raise_if_cancelled()


def _decode(cf: CaptureFile, cancel: CancelToken | None) -> tuple[LocatingDecoder, Capture]:
    """Decode like ``read_capture`` does, with the locating decoder."""
    decoder = LocatingDecoder()
    tables: list[PacketTable] = []
    warnings = list(cf.warnings)
    for ri in iter_records(cf, cancel=cancel):
        _check(cancel)
        warnings.extend(ri.warnings)
        tables.append(decoder.decode(ri))
    streams, decode_warnings = decoder.finish()
    if decoder.frames == 0 and any(w.startswith("capture truncated") for w in warnings):
        raise CaptureError("no readable frame: the capture is truncated or damaged")
    if decoder.frames and sum(decoder.unsupported.values()) == decoder.frames:
        kinds = ", ".join(str(t) for t in sorted(decoder.unsupported))
        raise CaptureError(f"unsupported link type {kinds}: no frame can be decoded")
    info = CaptureInfo(str(cf.path), "", cf.size_on_disk, decoder.frames, (), 0, 0)
    packets = concat_tables(tables, decoder.interner.addresses)
    capture = Capture(info, packets, streams, [*warnings, *decode_warnings], _buffer=cf.buffer)
    return decoder, capture


def _frames(decoder: LocatingDecoder) -> tuple[np.ndarray, np.ndarray]:
    if not decoder.frame_start:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(decoder.frame_start), np.concatenate(decoder.frame_end)


def export_scrubbed(
    source: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    case: str | None = None,
    key: bytes | None = None,
    verify: bool = True,
    overwrite: bool = False,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> ScrubReport:
    """Write a scrubbed copy of ``source`` to ``output`` (see the module docstring).

    Pseudonyms use ``key`` if given, else the key of ``case`` (default: one key per
    capture, named by its SHA-256). Raises CaptureError for an unreadable capture and
    CallScopeError for a refused output path; nothing is left on disk then.
    """
    report = progress or no_progress
    src, dst = Path(source), Path(output)
    check_paths(src, dst, overwrite=overwrite)
    report(Progress("reading", 0, 4))
    reference = analyze(src, cancel=cancel) if verify else None
    cf = open_capture(src)
    try:
        fmt = capture_format(cf)
        decoder, capture = _decode(cf, cancel)
        if key is None:
            try:
                key = case_key(case or f"capture:{file_sha256(src)}")
            except OSError as exc:
                raise CallScopeError(f"cannot create the pseudonym key: {exc}") from None
        ps = Pseudonymizer(key)
        sip = SipScrubber(ps)
        report(Progress("scrubbing", 1, 4))
        endpoints = sdp_endpoints(build_calls(find_sip_messages(capture)))
        _check(cancel)
        udp = plan_udp(capture, sip, decoder.datagrams, decoder.datagram_udp)
        edits = Edits(patches=udp.patches)
        plan_tcp(decoder, capture.tcp_streams, endpoints, sip, SourceBytes(cf.data, decoder),
                 edits)
        finish_datagrams(decoder, udp.datagram_payloads, edits)
        _check(cancel)

        out = np.array(cf.data)  # the copy that becomes the export (memory only)
        frame_start, frame_end = _frames(decoder)
        layout = None
        if fmt == "pcapng":
            blocks = find_packet_blocks(cf.data, frame_start, frame_end - frame_start)
            frame_end = np.where(blocks.start >= 0, np.maximum(blocks.data_end, frame_end),
                                 frame_end)
        keep_start = np.concatenate([*decoder.keep_start, udp.keep_start])
        keep_end = np.concatenate([*decoder.keep_end, udp.keep_end])
        zeroed = zero_outside(out, frame_start, frame_end, keep_start, keep_end)
        for at, data in edits.patches:
            out[at : at + len(data)] = np.frombuffer(data, np.uint8)
        fix_checksums(out, decoder.udp_headers, decoder.tcp_headers)
        _check(cancel)

        report(Progress("writing", 2, 4))
        pieces: list[tuple[int, int] | bytes]
        if fmt == "pcapng":
            layout = plan_layout(cf.data.tobytes(), out, blocks)
            pieces = _assemble(layout.edits, layout.end)
        else:
            end = int(frame_end.max()) if frame_end.shape[0] else PCAP_HEADER
            pieces = [(0, end)]
        partial = partial_path(dst)
        try:
            written = write_pieces(partial, out, pieces)
            del out
            differences: list[str] = []
            if reference is not None:
                report(Progress("verifying", 3, 4))
                differences = compare_analyses(reference, analyze(partial, cancel=cancel))
            commit(partial, dst)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        report(Progress("done", 4, 4))
        counts = Counter(udp.counts) + Counter(edits.counts)
        counts["pseudonyms"] = ps.replaced
        return ScrubReport(
            source=str(src), output=str(dst), format=fmt, decompressed=cf.compressed,
            frames=decoder.frames, streams=len(reference.streams) if reference else -1,
            bytes_zeroed=zeroed, bytes_written=written, counts=dict(counts),
            blocks_dropped=dict(layout.dropped) if layout else {},
            options_dropped=layout.options_dropped if layout else 0,
            warnings=tuple([*udp.warnings, *edits.warnings, *_name_warnings(dst)]),
            verified=None if reference is None else not differences,
            differences=tuple(differences),
        )
    finally:
        cf.close()


def _name_warnings(output: Path) -> list[str]:
    if output.name.lower().endswith((".gz", ".gzip")):
        return [f"{output.name} is written uncompressed (pcap/pcapng), whatever its name says"]
    return []


def _assemble(edits: list[tuple[int, int, bytes]], end: int) -> list[tuple[int, int] | bytes]:
    """Output pieces: input ranges between edits, and each edit's replacement bytes."""
    pieces: list[tuple[int, int] | bytes] = []
    cursor = 0
    for pos, size, data in edits:
        if pos < cursor:
            continue
        if pos > cursor:
            pieces.append((cursor, min(pos, end)))
        if data and pos < end:
            pieces.append(data)
        cursor = pos + size
    if cursor < end:
        pieces.append((cursor, end))
    return [p for p in pieces if isinstance(p, bytes) or p[0] < p[1]]


def export_scrubbed_audited(
    log: AuditLog,
    actor: str,
    source: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    case: str | None = None,
    verify: bool = True,
    overwrite: bool = False,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> ScrubReport:
    """``export_scrubbed`` with an EXPORT_SCRUBBED audit entry written first.

    The copy holds no content, but it leaves the technician's hands: the log records
    which capture went out, for which case. A failed log write refuses the export.
    """
    sha = file_sha256(source)
    log.append(
        "EXPORT_SCRUBBED", actor=actor, obj={"capture": "sha256:" + sha},
        case=case, reason=f"scrubbed copy to {Path(output).name}",
    )
    return export_scrubbed(source, output, case=case, verify=verify, overwrite=overwrite,
                           progress=progress, cancel=cancel)
