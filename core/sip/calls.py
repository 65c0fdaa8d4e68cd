"""SIP dialogs → calls, with the states of Wireshark's VoIP Calls (``ui/voip_calls.c``).

Like Wireshark with "only INVITE flows", a Call-ID is a call when an INVITE opens it:
REGISTER/OPTIONS/SUBSCRIBE/MESSAGE-only Call-IDs are not calls. State machine, as
``sip_calls_packet`` does it (the initial speaker is the IP address that sent the
first INVITE; responses count only when sent to it, for the current INVITE CSeq):

- INVITE from the initial speaker before any 2xx → CALL SETUP (new INVITE CSeq);
- 2xx to the INVITE while setting up → IN CALL (Wireshark waits for the ACK; the
  answer is what matters here, and a lost ACK should not hide it);
- 3xx-6xx to the INVITE while setting up → REJECTED;
- CANCEL of the INVITE by the initial speaker while setting up → CANCELLED (a later
  487/200 does not change it);
- BYE, from either side, in any state → COMPLETED.

Deliberate additions: 18x while setting up → RINGING (the state exists in Wireshark's
enum, its SIP tap never sets it); a 2xx to a BYE → COMPLETED too (the BYE may be
inside IPsec); a Call-ID whose capture starts mid-dialog (ACK/BYE/PRACK/UPDATE, no
INVITE seen) is a call in state UNKNOWN, and when only the responses to its INVITE
are visible the caller is their destination: Wireshark drops both kinds. Re-INVITEs
after the answer never bring the call back to CALL SETUP.

Parties are masked here (``privacy.masking``): the raw From/To never reach a Call.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from callscope.core.model import Call, MediaDescription
from callscope.core.privacy.masking import mask_uri
from callscope.core.sip.message import SipMessage
from callscope.core.sip.sdp import parse_sdp

SETUP, RINGING, IN_CALL = "CALL SETUP", "RINGING", "IN CALL"
CANCELLED, COMPLETED, REJECTED, UNKNOWN = "CANCELLED", "COMPLETED", "REJECTED", "UNKNOWN"
_SETTING_UP = (SETUP, RINGING)
_IN_DIALOG = frozenset({"ACK", "BYE", "PRACK", "UPDATE", "INVITE"})


@dataclass
class _Dialog:
    """State of one Call-ID while its messages are replayed in capture order."""

    first: SipMessage
    state: str
    initial_speaker: str
    invite_cseq: int
    answered: bool = False  # a 2xx to the INVITE was seen (Wireshark's SIP_200_REC)
    cancelled: bool = False
    messages: list[SipMessage] = field(default_factory=list)


def _is_call_message(message: SipMessage) -> bool:
    """True when a message belongs to an INVITE dialog (what makes a Call-ID a call)."""
    if message.is_request:
        return message.method in _IN_DIALOG
    return message.cseq_method == "INVITE"


def _open(message: SipMessage) -> _Dialog:
    """A dialog from its first call message (an INVITE, or mid-dialog: UNKNOWN)."""
    dialog = _Dialog(message, UNKNOWN, "", -1)
    _adopt_invite(dialog, message)
    return dialog


def _adopt_invite(dialog: _Dialog, message: SipMessage) -> None:
    """A dialog seen mid-way learns its INVITE from the INVITE or a response to it."""
    if message.method == "INVITE":
        dialog.state, dialog.initial_speaker = SETUP, message.src
        dialog.invite_cseq = message.cseq
    elif not message.is_request and message.cseq_method == "INVITE":
        dialog.state, dialog.initial_speaker = SETUP, message.dst
        dialog.invite_cseq = message.cseq


def _request(dialog: _Dialog, message: SipMessage) -> None:
    """Apply one request to the dialog state."""
    method = message.method
    from_caller = message.src == dialog.initial_speaker
    if method == "INVITE" and from_caller and not dialog.answered and not dialog.cancelled:
        dialog.invite_cseq = message.cseq
        dialog.state = SETUP
    elif method == "BYE":
        dialog.state = COMPLETED
    elif (
        method == "CANCEL"
        and from_caller
        and message.cseq == dialog.invite_cseq
        and dialog.state in _SETTING_UP
    ):
        dialog.state = CANCELLED
        dialog.cancelled = True


def _response(dialog: _Dialog, message: SipMessage) -> None:
    """Apply one response to the dialog state."""
    status = message.status or 0
    if message.cseq_method == "BYE" and 200 <= status < 300:
        dialog.state = COMPLETED  # the BYE itself may be out of sight (IPsec, capture start)
        return
    if (
        message.cseq_method != "INVITE"
        or message.cseq != dialog.invite_cseq
        or message.dst != dialog.initial_speaker
        or dialog.answered
        or dialog.cancelled
    ):
        return
    if 180 <= status < 190 and dialog.state == SETUP:
        dialog.state = RINGING
    elif 200 <= status < 300:
        dialog.answered = True
        if dialog.state in _SETTING_UP:
            dialog.state = IN_CALL
    elif status >= 300 and dialog.state in _SETTING_UP:
        dialog.state = REJECTED


def sdp_bodies(message: SipMessage) -> list[bytes]:
    """The SDP bodies of a message: the body itself, or the SDP parts of a multipart."""
    body = message.body
    if not body:
        return []
    content_type = message.header("content-type").lower()
    if "application/sdp" in content_type.split(";", 1)[0] or (
        not content_type and body.lstrip().startswith(b"v=0")
    ):
        return [body]
    if not content_type.startswith("multipart/"):
        return []
    marker = content_type.find("boundary=")
    if marker < 0:
        return []
    boundary = content_type[marker + 9 :].split(";", 1)[0].strip().strip('"')
    parts = body.split(b"--" + boundary.encode("utf-8", "replace")) if boundary else []
    out: list[bytes] = []
    for part in parts[1:]:
        head, sep, content = part.partition(b"\r\n\r\n")
        if not sep:
            head, sep, content = part.partition(b"\n\n")
        if sep and b"application/sdp" in head.lower():
            out.append(content.rstrip(b"\r\n"))
    return out


def message_media(message: SipMessage) -> list[MediaDescription]:
    """Every media description in a message's SDP, stamped with its frame and time."""
    media: list[MediaDescription] = []
    for body in sdp_bodies(message):
        media.extend(parse_sdp(body, frame=message.frame, time_ns=message.time_ns))
    return media


def _call(dialog: _Dialog) -> Call:
    """Freeze a dialog into a Call, parties masked."""
    first, last = dialog.messages[0], dialog.messages[-1]
    media = [md for m in dialog.messages for md in message_media(m)]
    return Call(
        call_id=first.call_id,
        from_party=mask_uri(first.from_uri),
        to_party=mask_uri(first.to_uri),
        state=dialog.state,
        start_ns=first.time_ns,
        end_ns=max(last.time_ns, first.time_ns),
        media=media,
        messages=len(dialog.messages),
        protocol="SIP",
        transport=first.transport,
    )


def build_calls(messages: list[SipMessage]) -> list[Call]:
    """Group messages by Call-ID into calls (INVITE dialogs only), sorted by start."""
    dialogs: dict[str, _Dialog] = {}
    for message in sorted(messages, key=lambda m: (m.frame, m.time_ns)):
        if not message.call_id:
            continue
        dialog = dialogs.get(message.call_id)
        if dialog is None:
            if not _is_call_message(message):
                continue
            dialog = dialogs[message.call_id] = _open(message)
        elif dialog.state == UNKNOWN and not dialog.answered:
            _adopt_invite(dialog, message)
        dialog.messages.append(message)
        if message.is_request:
            _request(dialog, message)
        else:
            _response(dialog, message)
    calls = [_call(d) for d in dialogs.values()]
    calls.sort(key=lambda c: (c.start_ns, c.call_id))
    return calls


def media_endpoints(call: Call) -> set[tuple[str, int]]:
    """(address, port) pairs where the call's SDPs asked to receive media (port 0 excluded).

    An RTP stream belongs to the call when its destination is one of these.
    """
    return {(m.address, m.port) for m in call.media if m.port and m.address}
