"""A whole two-way call: SIP setup and teardown, RTP both ways, RTCP SR every few seconds.

The caller's stream is ``forward`` (caller → callee), the callee's ``backward``. With
G.711 each direction carries its own speech-like signal, the two talkers taking turns.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from callscope.core.errors import CallScopeError
from callscope.core.synth import codecs, g711
from callscope.core.synth.frames import Link, Ragged, UdpFrames, ip_bytes
from callscope.core.synth.impairments import Impairments
from callscope.core.synth.pcap_writer import CaptureFormat, write_capture
from callscope.core.synth.rtcp import (
    ReceptionState,
    reception_block,
    sdes_cname,
    sender_report,
)
from callscope.core.synth.rtp_streams import DEFAULT_EPOCH_NS, RtpBatch, RtpGenerator, StreamSpec
from callscope.core.synth.signal import Voice, speech_like, to_pcm16
from callscope.core.synth.sip_call import Party, SipMessage, call_flow
from callscope.core.synth.truth import StreamTruth

TOS_CS3 = 0x60  # DSCP 24, common for SIP signalling
CALLER = Party("+3225550100", "192.0.2.10", "example.com", 5060, 40000)
CALLEE = Party("+3225550199", "198.51.100.20", "example.net", 5060, 50000)


@dataclass(frozen=True, eq=False)
class CallSpec:
    """What to synthesize. ``*_audio``: 16-bit PCM at 8 kHz (G.711 only), None = speech."""

    codec: str = "pcma"
    ptime_ms: int = 20
    media_s: float = 30.0
    ring_s: float = 2.5
    caller: Party = CALLER
    callee: Party = CALLEE
    forward: Impairments = field(default_factory=Impairments)
    backward: Impairments = field(default_factory=Impairments)
    forward_audio: NDArray[np.int16] | None = None
    backward_audio: NDArray[np.int16] | None = None
    rtcp_interval_s: float = 5.0
    seed: int = 1
    start_ns: int = DEFAULT_EPOCH_NS


@dataclass(frozen=True)
class CallCapture:
    """The synthesized call: every datagram in time order, and what is true about it."""

    frames: UdpFrames
    truth: list[StreamTruth]  # [forward, backward]
    sip: list[SipMessage]
    rtcp: list[dict[str, int]]  # per RTCP packet: time, reporter and its report block
    spec: CallSpec

    def write(self, path: str | Path, fmt: CaptureFormat = "pcap",
              link: Link | None = None) -> None:
        """Write the capture file."""
        write_capture(path, self.frames, fmt, link)

    def truth_json(self) -> dict[str, Any]:
        """Ground truth for ``*.truth.json``: streams, SIP summary, RTCP count."""
        s = self.spec
        return {
            "seed": s.seed, "packets": len(self.frames), "codec": codecs.codec(s.codec).name,
            "sip": {"caller": s.caller.number, "callee": s.callee.number,
                    "call_id": _call_id(self.sip[0].data),
                    "messages": [{"summary": m.summary, "time_ns": m.time_ns} for m in self.sip]},
            "rtcp": self.rtcp,
            "streams": [t.to_json() for t in self.truth],
        }


def _call_id(invite: bytes) -> str:
    for line in invite.decode("utf-8").split("\r\n"):
        if line.startswith("Call-ID: "):
            return line[len("Call-ID: "):]
    return ""


def conversation_turns(media_s: float, seed: int) -> tuple[list[tuple[float, float]], ...]:
    """Alternating (start_s, end_s) talk turns for caller and callee, 2.5-6 s each."""
    rng = np.random.default_rng([seed, 4])
    turns: tuple[list[tuple[float, float]], list[tuple[float, float]]] = ([], [])
    t, who = 0.3, 1  # the callee answers first ("Hello?")
    while t < media_s:
        length = rng.uniform(2.5, 6.0) if turns[who] else rng.uniform(1.0, 1.8)
        turns[who].append((t, min(t + length, media_s)))
        t += length + rng.uniform(0.3, 0.9)
        who = 1 - who
    return turns


def _payload_frames(pcm: NDArray[np.int16], c: codecs.SynthCodec, ptime_ms: int,
                    packets: int) -> NDArray[np.uint8]:
    """G.711 payload of each slot, shape (packets, bytes per packet); PCM zero padded."""
    width = c.frame_bytes(ptime_ms)
    pcm = np.asarray(pcm, dtype=np.int16)[: packets * width]
    pcm = np.concatenate([pcm, np.zeros(packets * width - len(pcm), np.int16)])
    return g711.encode(pcm, c.name).reshape(packets, width)


def _default_audio(spec: CallSpec) -> tuple[NDArray[np.int16], NDArray[np.int16]]:
    """Two talkers, low and high pitch, taking turns, over a faint noise floor (-60 dBFS)."""
    caller_turns, callee_turns = conversation_turns(spec.media_s, spec.seed)
    low = speech_like(spec.media_s, voice=Voice(f0_hz=115.0), seed=spec.seed * 2 + 1,
                      active=caller_turns)
    high = speech_like(spec.media_s, voice=Voice(f0_hz=210.0, intonation=0.25,
                                                 syllable_s=(0.10, 0.24)),
                       seed=spec.seed * 2 + 2, active=callee_turns)
    rng = np.random.default_rng([spec.seed, 6])
    floor = 10 ** (-60 / 20)
    return (to_pcm16(low + floor * rng.standard_normal(len(low))),
            to_pcm16(high + floor * rng.standard_normal(len(high))))


def two_way_call(spec: CallSpec) -> CallCapture:
    """Synthesize the call described by ``spec``."""
    c = codecs.codec(spec.codec)
    if spec.media_s <= 0 or spec.ring_s < 0.2:
        raise CallScopeError("media must last > 0 s and ringing at least 0.2 s")
    ms = 1_000_000
    t0 = spec.start_ns
    rng = np.random.default_rng([spec.seed, 5])
    answer = t0 + round(spec.ring_s * 1e9)
    ack = answer + int(rng.integers(25, 45)) * ms
    packets = round(spec.media_s * 1000 / spec.ptime_ms)
    fwd_start, bwd_start = ack + 8 * ms, answer + 12 * ms
    bye = max(fwd_start, bwd_start) + packets * spec.ptime_ms * ms + 40 * ms
    times = {"invite": t0, "trying": t0 + int(rng.integers(12, 25)) * ms,
             "ringing": t0 + int(rng.integers(90, 160)) * ms, "ok": answer, "ack": ack,
             "bye": bye, "bye_ok": bye + int(rng.integers(20, 40)) * ms}
    offer = [c] + ([codecs.codec("pcmu" if c.name == "PCMA" else "pcma")]
                   if c.name in ("PCMA", "PCMU") else [])
    sip = call_flow(spec.caller, spec.callee, offer, c, times, spec.seed, spec.ptime_ms)

    g711_codec = c.name in ("PCMA", "PCMU")
    fwd_pcm, bwd_pcm = spec.forward_audio, spec.backward_audio
    if g711_codec and (fwd_pcm is None or bwd_pcm is None):
        default_fwd, default_bwd = _default_audio(spec)
        fwd_pcm = default_fwd if fwd_pcm is None else fwd_pcm
        bwd_pcm = default_bwd if bwd_pcm is None else bwd_pcm
    streams = []
    payload: NDArray[np.uint8] | None
    for a, b, start, imp, pcm in ((spec.caller, spec.callee, fwd_start, spec.forward, fwd_pcm),
                                  (spec.callee, spec.caller, bwd_start, spec.backward, bwd_pcm)):
        payload = _payload_frames(pcm, c, spec.ptime_ms, packets) if g711_codec and \
            pcm is not None else None
        streams.append(StreamSpec(a.address, a.rtp_port, b.address, b.rtp_port, codec=spec.codec,
                                  ptime_ms=spec.ptime_ms, start_s=(start - t0) / 1e9,
                                  packets=packets, impairments=imp, frames=payload))
    gen = RtpGenerator(streams, seed=spec.seed, epoch_ns=t0)
    rtp = gen.generate_all()
    rtcp_frames, rtcp = _rtcp(spec, gen, rtp, fwd_start, bye)
    sip_frames = _datagrams([(m.time_ns, m.src, m.sport, m.dst, m.dport, m.data) for m in sip],
                            TOS_CS3)
    parts = [sip_frames, rtp.frames] + ([rtcp_frames] if rtcp_frames is not None else [])
    frames = UdpFrames.concat(parts).sorted_by_time()
    return CallCapture(frames, gen.truth(), sip, rtcp, spec)


def _datagrams(items: list[tuple[int, str, int, str, int, bytes]], tos: int) -> UdpFrames:
    """A few irregular datagrams (SIP, RTCP) as UdpFrames."""
    n = len(items)
    return UdpFrames(
        np.array([i[0] for i in items], dtype=np.int64),
        np.stack([ip_bytes(i[1]) for i in items]), np.stack([ip_bytes(i[3]) for i in items]),
        np.array([i[2] for i in items], dtype=np.uint16),
        np.array([i[4] for i in items], dtype=np.uint16),
        Ragged.from_bytes([i[5] for i in items]), np.full(n, tos, np.uint8),
        np.zeros(n, np.uint32),
    )


def _rtcp(spec: CallSpec, gen: RtpGenerator, rtp: RtpBatch, first_ns: int,
          bye_ns: int) -> tuple[UdpFrames | None, list[dict[str, int]]]:
    """Each side sends SR + SDES every ``rtcp_interval_s``, reporting on what it received."""
    parties = (spec.caller, spec.callee)
    interval = round(spec.rtcp_interval_s * 1e9)
    states = [ReceptionState(), ReceptionState()]
    events = sorted((first_ns + interval * k + side * interval // 2, side)
                    for side in (0, 1) for k in range(1, 1 + (bye_ns - first_ns) // interval)
                    if first_ns + interval * k + side * interval // 2 < bye_ns)
    items: list[tuple[int, str, int, str, int, bytes]] = []
    facts: list[dict[str, int]] = []
    for at, side in events:
        me, peer, heard = parties[side], parties[1 - side], 1 - side  # side's own stream = side
        rows = rtp.stream == heard
        block = reception_block(int(gen.ssrc[heard]), rtp.frames.time_ns[rows], rtp.send_ns[rows],
                                rtp.ext_seq[rows], rtp.duplicate[rows],
                                gen.codecs[heard].clock_rate, at, states[side])
        sent = gen.sent_before(side, at)
        ts = int(gen.ts0[side]) + (at - int(gen.start_ns[side])) * gen.codecs[side].clock_rate \
            // 1_000_000_000
        width = gen.payloads[side].shape[1]
        packet = sender_report(int(gen.ssrc[side]), at, ts, sent, sent * width, [block]) + \
            sdes_cname(int(gen.ssrc[side]), f"synth@{me.address}")
        arrival = at + round(spec.forward.base_delay_ms * 1e6 if side == 0 else
                             spec.backward.base_delay_ms * 1e6)
        peer_state = states[1 - side]
        peer_state.last_sr_ntp_ns, peer_state.last_sr_arrival_ns = at, arrival
        items.append((arrival, me.address, me.rtp_port + 1, peer.address, peer.rtp_port + 1,
                      packet))
        facts.append({"time_ns": arrival, "reporter_ssrc": int(gen.ssrc[side]),
                      "sender_packets": sent, **asdict(block)})
    if not items:
        return None, []
    return _datagrams(items, 0xB8), facts
