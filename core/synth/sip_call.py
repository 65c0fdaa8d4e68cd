"""A SIP call's messages (RFC 3261 §24.2 flow) with an SDP offer/answer (RFC 3264).

INVITE → 100 Trying → 180 Ringing → 200 OK → ACK, then BYE → 200 OK, sent directly
between the two user agents over UDP. Numbers and hosts are obviously fake: numbers
in the +32 2 555 01xx range, domains from RFC 2606, addresses from RFC 5737/3849.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from callscope.core.synth.codecs import SynthCodec

TELEPHONE_EVENT_PT = 101


@dataclass(frozen=True)
class Party:
    """One side of the call: who it is and where its SIP and RTP listen."""

    number: str  # E.164 user part, e.g. "+3225550100"
    address: str  # IPv4 or IPv6 of the user agent
    domain: str = "example.com"
    sip_port: int = 5060
    rtp_port: int = 40000  # even; RTCP on rtp_port + 1

    @property
    def aor(self) -> str:
        """Address of record: ``sip:+3225550100@example.com;user=phone``."""
        return f"sip:{self.number}@{self.domain};user=phone"

    @property
    def contact(self) -> str:
        """Where this user agent is reached directly."""
        host = f"[{self.address}]" if ":" in self.address else self.address
        return f"sip:{self.number}@{host}:{self.sip_port}"

    @property
    def hostport(self) -> str:
        host = f"[{self.address}]" if ":" in self.address else self.address
        return f"{host}:{self.sip_port}"


@dataclass(frozen=True)
class SipMessage:
    """One SIP message as sent on the wire."""

    time_ns: int
    src: str
    sport: int
    dst: str
    dport: int
    data: bytes
    summary: str  # "INVITE", "180 Ringing", ...


def sdp_body(party: Party, session_id: int, codecs: list[SynthCodec], ptime_ms: int) -> str:
    """An SDP audio description offering ``codecs`` (+ telephone-event) at this party."""
    net = "IP6" if ":" in party.address else "IP4"
    pts = [c.payload_type for c in codecs] + [TELEPHONE_EVENT_PT]
    lines = [
        "v=0",
        f"o=- {session_id} {session_id} IN {net} {party.address}",
        "s=-",
        f"c=IN {net} {party.address}",
        "t=0 0",
        f"m=audio {party.rtp_port} RTP/AVP {' '.join(map(str, pts))}",
    ]
    for c in codecs:
        lines.append(f"a=rtpmap:{c.payload_type} {c.name}/{c.clock_rate}")
        if c.name == "AMR-WB":
            lines.append(f"a=fmtp:{c.payload_type} mode-set=2")
    lines += [f"a=rtpmap:{TELEPHONE_EVENT_PT} telephone-event/8000",
              f"a=fmtp:{TELEPHONE_EVENT_PT} 0-16", f"a=ptime:{ptime_ms}", "a=sendrecv"]
    return "\r\n".join(lines) + "\r\n"


def _message(start_line: str, headers: list[tuple[str, str]], body: str = "") -> bytes:
    """Start line, headers, Content-Length (bytes of the body), blank line, body."""
    raw = body.encode("utf-8")
    if body:
        headers = [*headers, ("Content-Type", "application/sdp")]
    lines = [start_line, *(f"{k}: {v}" for k, v in headers), f"Content-Length: {len(raw)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + raw


def call_flow(caller: Party, callee: Party, offer: list[SynthCodec], answer: SynthCodec,
              times_ns: dict[str, int], seed: int = 1, ptime_ms: int = 20) -> list[SipMessage]:
    """The seven messages of a completed call, each at ``times_ns[summary key]``.

    Keys: ``invite``, ``trying``, ``ringing``, ``ok``, ``ack``, ``bye``, ``bye_ok``;
    the caller hangs up. Call-ID, tags, branches and SDP session ids come from the seed.
    """
    rng = np.random.default_rng([seed, 3])

    def token(n: int = 10) -> str:
        return "".join(f"{int(b):02x}" for b in rng.integers(0, 256, n))

    call_id = f"{token(12)}@{caller.domain}"
    from_tag, to_tag = token(4), token(4)
    agent = ("User-Agent", "CallScope-synth/1.0")

    def via(branch: str) -> tuple[str, str]:
        return ("Via", f"SIP/2.0/UDP {caller.hostport};branch=z9hG4bK{branch};rport")

    def dialog(cseq: str, tagged: bool = True) -> list[tuple[str, str]]:
        to = f"<{callee.aor}>" + (f";tag={to_tag}" if tagged else "")
        return [("From", f"<{caller.aor}>;tag={from_tag}"), ("To", to), ("Call-ID", call_id),
                ("CSeq", cseq)]

    invite_branch, ack_branch, bye_branch = token(8), token(8), token(8)
    offer_sdp = sdp_body(caller, int(rng.integers(10**9, 10**10)), offer, ptime_ms)
    answer_sdp = sdp_body(callee, int(rng.integers(10**9, 10**10)), [answer], ptime_ms)
    allow = ("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS")
    request_uri = f"sip:{callee.number}@{callee.domain};user=phone"
    forward = [
        ("invite", f"INVITE {request_uri} SIP/2.0",
         [via(invite_branch), ("Max-Forwards", "70"), *dialog("1 INVITE", tagged=False),
          ("Contact", f"<{caller.contact}>"), allow, agent], offer_sdp),
        ("ack", f"ACK {callee.contact} SIP/2.0",
         [via(ack_branch), ("Max-Forwards", "70"), *dialog("1 ACK")], ""),
        ("bye", f"BYE {callee.contact} SIP/2.0",
         [via(bye_branch), ("Max-Forwards", "70"), *dialog("2 BYE"), agent], ""),
    ]
    backward = [
        ("trying", "SIP/2.0 100 Trying", [via(invite_branch), *dialog("1 INVITE", False)], ""),
        ("ringing", "SIP/2.0 180 Ringing",
         [via(invite_branch), *dialog("1 INVITE"), ("Contact", f"<{callee.contact}>")], ""),
        ("ok", "SIP/2.0 200 OK",
         [via(invite_branch), *dialog("1 INVITE"), ("Contact", f"<{callee.contact}>"), allow,
          agent], answer_sdp),
        ("bye_ok", "SIP/2.0 200 OK", [via(bye_branch), *dialog("2 BYE")], ""),
    ]
    out = [SipMessage(times_ns[key], caller.address, caller.sip_port, callee.address,
                      callee.sip_port, _message(line, hdrs, body), line.split(" ")[0])
           for key, line, hdrs, body in forward]
    out += [SipMessage(times_ns[key], callee.address, callee.sip_port, caller.address,
                       caller.sip_port, _message(line, hdrs, body), line.split(" ", 1)[1])
            for key, line, hdrs, body in backward]
    return sorted(out, key=lambda m: m.time_ns)
