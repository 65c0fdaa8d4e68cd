"""Display text for what a consent step covers: masked endpoints, parties, time ranges.

Pure formatting over core results (no decision is taken here); numbers and addresses
go through the core's masking before they reach a widget.
"""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QCoreApplication

from callscope.core.model import AnalysisResult, Stream
from callscope.core.privacy.consent import Party
from callscope.core.privacy.masking import mask_uri

CTX = "ScopeText"
REFUSED_COLOUR = "#D55E00"  # Okabe–Ito vermilion, as the BAD verdict (gui/theme.py)
OK_COLOUR = "#009E73"  # Okabe–Ito green, as the GOOD verdict


def short_hash(sha256: str) -> str:
    """First 12 hex digits and an ellipsis: enough to tell captures apart."""
    return sha256[:12] + "…"


def masked_endpoint(address: str, port: int) -> str:
    """``192.0.*.*:40000`` (IPv6 ``[2001:db8:*]:port``): the network part only."""
    masked = mask_uri(f"sip:[{address}]:{port}" if ":" in address else f"sip:{address}:{port}")
    return masked.removeprefix("sip:")


def party_short(masked_party: str) -> str:
    """A masked SIP party without scheme and parameters: ``+***100@example.com``."""
    text = masked_party.strip().strip("<>")
    for scheme in ("sips:", "sip:", "tel:"):
        text = text.removeprefix(scheme)
    return text.split(";", 1)[0]


def stream_direction(result: AnalysisResult, stream: Stream) -> str:
    """``caller → callee`` / ``callee → caller`` from the call's SDP, else ``?``.

    The first SDP of a dialog is the caller's offer: media sent *to* its address flows
    callee → caller.
    """
    call = next((c for c in result.calls if c.call_id == stream.call_id), None)
    if call is None or not call.media:
        return "?"
    offer = call.media[0]
    if (stream.dst, stream.dport) == (offer.address, offer.port):
        return QCoreApplication.translate(CTX, "callee → caller")
    if (stream.src, stream.sport) == (offer.address, offer.port):
        return QCoreApplication.translate(CTX, "caller → callee")
    return "?"


def stream_span_s(result: AnalysisResult, stream: Stream) -> tuple[float, float]:
    """Seconds since capture start of the stream's first and last packet."""
    t0 = result.capture.start_ns
    return (stream.start_ns - t0) / 1e9, (stream.end_ns - t0) / 1e9


def utc_text(t: datetime) -> str:
    """``2025-03-04 09:12:33 UTC``."""
    return t.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def ns_to_datetime(ns: int) -> datetime:
    """Unix-epoch nanoseconds as an aware UTC datetime."""
    return datetime.fromtimestamp(ns / 1e9, tz=UTC)


def party_consent_text(party: Party) -> str:
    """How this party agreed (or why no consent is needed / what is missing)."""
    if party.kind == "machine":
        return QCoreApplication.translate(CTX, "machine: no consent needed")
    if party.kind == "technician":
        return QCoreApplication.translate(CTX, "technician ({0}): own line").format(
            party.login or "?"
        )
    c = party.consent
    if c is None:
        return QCoreApplication.translate(CTX, "NO CONSENT")
    if c.withdrawn_at is not None:
        return QCoreApplication.translate(CTX, "CONSENT WITHDRAWN on {0}").format(
            utc_text(c.withdrawn_at)
        )
    how = {
        "ivr_keypress": QCoreApplication.translate(CTX, "IVR key press"),
        "signed_form": QCoreApplication.translate(CTX, "signed form"),
        "verbal": QCoreApplication.translate(CTX, "verbal, agent {0}").format(c.agent or "?"),
    }.get(c.method, c.method)
    return QCoreApplication.translate(CTX, "{0}, {1}, evidence {2}").format(
        how, utc_text(c.at), c.evidence
    )


def reverse_stream(result: AnalysisResult, stream: Stream) -> Stream | None:
    """The other direction of ``stream``: swapped endpoints, same call (first found)."""
    for other in result.streams:
        if (
            other.id != stream.id
            and (other.src, other.sport, other.dst, other.dport)
            == (stream.dst, stream.dport, stream.src, stream.sport)
            and other.call_id == stream.call_id
        ):
            return other
    return None
