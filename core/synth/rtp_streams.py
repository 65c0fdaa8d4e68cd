"""Synthetic RTP streams with impairments, generated in time windows, with ground truth.

Each stream sends one packet per ``ptime`` slot (none during its silences; the first
packet after a silence carries the marker bit, RFC 3551 §4.1). Slots are generated a
time window at a time for all streams at once (no Python loop per packet); packets
whose arrival falls after the window's safe horizon are carried into the next one, so
batches come out in global arrival order. Output depends on (specs, seed, chunk_packets).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from callscope.core.errors import CallScopeError
from callscope.core.synth import codecs
from callscope.core.synth.frames import TOS_EF, Ragged, UdpFrames, ip_bytes
from callscope.core.synth.impairments import (
    Impairments,
    ImpairmentTable,
    delays_ns,
    duplicate_rows,
    lost_rows,
)
from callscope.core.synth.truth import StreamTruth, TruthCounter

DEFAULT_EPOCH_NS = 1_704_164_645_000_000_000  # 2024-01-02T03:04:05Z: a fixed, harmless date
CHUNK_PACKETS = 1 << 18


@dataclass(frozen=True, eq=False)
class StreamSpec:
    """One RTP stream to synthesize. Times are seconds after the generator's epoch.

    ``packets`` counts ptime slots (silences included); ``silences`` are (start_s,
    duration_s) of stream time without packets (DTX). ``frames`` is an optional (F, P)
    uint8 table of payloads, slot k carrying ``frames[k % F]``; by default a codec
    filler. ``ssrc`` None draws one from the seed.
    """

    src: str
    sport: int
    dst: str
    dport: int
    codec: str = "pcmu"
    ptime_ms: int = 20
    start_s: float = 0.0
    packets: int = 1500
    silences: tuple[tuple[float, float], ...] = ()
    impairments: Impairments = field(default_factory=Impairments)
    ssrc: int | None = None
    teid: int = 0
    frames: NDArray[np.uint8] | None = None


@dataclass(frozen=True)
class RtpBatch:
    """Generated packets in arrival order; columns have shape (n,), ``frames`` the datagrams."""

    frames: UdpFrames
    stream: NDArray[np.int32]  # index into the generator's specs
    ext_seq: NDArray[np.int64]  # extended sequence number (low 16 bits are on the wire)
    timestamp: NDArray[np.uint32]
    marker: NDArray[np.bool_]
    duplicate: NDArray[np.bool_]  # this row is the second copy of a packet
    send_ns: NDArray[np.int64]


@dataclass(frozen=True)
class _Rows:
    """Packets of a window before framing (kept between windows when they arrive late)."""

    stream: NDArray[np.int32]
    slot: NDArray[np.int64]
    ext_seq: NDArray[np.int64]
    marker: NDArray[np.bool_]
    duplicate: NDArray[np.bool_]
    send_ns: NDArray[np.int64]
    arrival_ns: NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.stream)

    def take(self, index: NDArray[np.int64] | NDArray[np.bool_]) -> _Rows:
        return _Rows(*(getattr(self, f)[index] for f in self.__dataclass_fields__))

    @staticmethod
    def concat(parts: list[_Rows]) -> _Rows:
        return _Rows(*(np.concatenate([getattr(p, f) for p in parts])
                       for f in _Rows.__dataclass_fields__))

    @staticmethod
    def empty() -> _Rows:
        i64 = np.zeros(0, dtype=np.int64)
        none = np.zeros(0, dtype=bool)
        return _Rows(np.zeros(0, dtype=np.int32), i64, i64, none, none, i64, i64)


def _silence_slots(spec: StreamSpec, ptime_ns: int) -> list[tuple[int, int]]:
    """[first, end) slots of each silence, in stream slot numbers."""
    def slot(s: float) -> int:
        return -(-round(s * 1e9) // ptime_ns)
    return [(slot(a), slot(a + d)) for a, d in spec.silences]


class RtpGenerator:
    """Generates the packets of ``specs`` batch by batch; ``truth()`` after the last batch."""

    def __init__(self, specs: Sequence[StreamSpec], seed: int = 1,
                 epoch_ns: int = DEFAULT_EPOCH_NS, chunk_packets: int = CHUNK_PACKETS) -> None:
        if not specs:
            raise CallScopeError("no streams to generate")
        self.specs = list(specs)
        self.seed, self.epoch_ns = seed, epoch_ns
        self.codecs = [codecs.codec(s.codec) for s in self.specs]
        for spec, c in zip(self.specs, self.codecs, strict=True):
            _check(spec, c)
        count = len(self.specs)
        rng = np.random.default_rng([seed, 0])
        given = [s.ssrc for s in self.specs if s.ssrc is not None]
        if len(set(given)) < len(given):
            raise CallScopeError("two streams were given the same SSRC")
        self.ssrc = np.zeros(count, dtype=np.uint64)
        while len(np.unique(self.ssrc)) < count:  # redraw in the rare case of a clash
            drawn = rng.integers(0, 1 << 32, size=count, dtype=np.uint64)
            self.ssrc = np.array([s.ssrc if s.ssrc is not None else int(d)
                                  for s, d in zip(self.specs, drawn, strict=True)], np.uint64)
        self.seq0 = rng.integers(0, 1 << 16, size=count).astype(np.int64)
        self.ts0 = rng.integers(0, 1 << 32, size=count, dtype=np.uint64).astype(np.int64)
        self.ptime_ns = np.array([s.ptime_ms * 1_000_000 for s in self.specs], dtype=np.int64)
        self.start_ns = epoch_ns + np.array([round(s.start_s * 1e9) for s in self.specs],
                                            dtype=np.int64)
        self.slots = np.array([s.packets for s in self.specs], dtype=np.int64)
        self.ts_step = np.array([c.timestamp_step(s.ptime_ms)
                                 for s, c in zip(self.specs, self.codecs, strict=True)])
        self.pt = np.array([c.payload_type for c in self.codecs], dtype=np.int64)
        self.silences = [_silence_slots(s, int(p))
                         for s, p in zip(self.specs, self.ptime_ns, strict=True)]
        self.table = ImpairmentTable.build([s.impairments for s in self.specs], self.ptime_ns)
        self.payloads = [s.frames if s.frames is not None
                         else codecs.default_frames(s.codec, s.ptime_ms, i, seed)
                         for i, s in enumerate(self.specs)]
        self.src = np.stack([ip_bytes(s.src) for s in self.specs])
        self.dst = np.stack([ip_bytes(s.dst) for s in self.specs])
        if self.src.shape[1] != self.dst.shape[1]:
            raise CallScopeError("all streams must use the same IP version")
        rate = float(np.sum(1e9 / self.ptime_ns))  # slots per second, all streams
        window = max(int(chunk_packets / rate * 1e9), int(self.ptime_ns.max()))
        self.window_ns = -(-window // 1_000_000) * 1_000_000
        self.counter = TruthCounter(count)

    @property
    def end_ns(self) -> int:
        """Send time just after each stream's last slot (latest of all)."""
        return int(np.max(self.start_ns + self.slots * self.ptime_ns))

    def sent_before(self, index: int, time_ns: int) -> int:
        """Packets stream ``index`` sent before ``time_ns`` (lost ones included)."""
        ptime = int(self.ptime_ns[index])
        slots = min(max(0, -(-(time_ns - int(self.start_ns[index])) // ptime)),
                    int(self.slots[index]))
        return slots - sum(max(0, min(b, slots) - max(a, 0)) for a, b in self.silences[index])

    def batches(self) -> Iterator[RtpBatch]:
        """Packets in arrival order, one batch per time window (empty windows skipped)."""
        t_begin = int(self.start_ns.min())
        windows = max(1, -(-(self.end_ns - t_begin) // self.window_ns))
        carry = _Rows.empty()
        owed = np.zeros(len(self.specs), dtype=np.int64)
        for j in range(windows):
            t0, t1 = t_begin + j * self.window_ns, t_begin + (j + 1) * self.window_ns
            rng = np.random.default_rng([self.seed, 1, j])
            fresh, owed = self._window(t0, t1, rng, owed)
            rows = _Rows.concat([carry, fresh])
            rows = rows.take(np.argsort(rows.arrival_ns, kind="stable"))
            horizon = t1 + self.table.min_base_ns if j < windows - 1 else None
            cut = len(rows) if horizon is None else int(
                np.searchsorted(rows.arrival_ns, horizon, "left"))
            carry = rows.take(np.arange(cut, len(rows)))
            if cut:
                batch = self._frame(rows.take(np.arange(cut)))
                self.counter.add(batch.stream, batch.ext_seq, batch.duplicate, batch.marker,
                                 batch.frames.time_ns)
                yield batch

    def generate_all(self) -> RtpBatch:
        """Every packet as one batch (for small captures)."""
        parts = list(self.batches())
        if not parts:
            raise CallScopeError("the streams produced no packets")
        return _concat_batches(parts)

    def truth(self) -> list[StreamTruth]:
        """Per-stream ground truth of everything yielded so far."""
        out = []
        for i, (spec, c) in enumerate(zip(self.specs, self.codecs, strict=True)):
            sent_slots = self.sent_before(i, self.end_ns)
            out.append(StreamTruth(
                index=i, ssrc=int(self.ssrc[i]), src=spec.src, sport=spec.sport, dst=spec.dst,
                dport=spec.dport, teid=spec.teid, codec=c.name, payload_type=c.payload_type,
                clock_rate=c.clock_rate, ptime_ms=spec.ptime_ms, sent=sent_slots,
                **self.counter.counts(i),
            ))
        return out

    def _window(self, t0: int, t1: int, rng: np.random.Generator,
                owed: NDArray[np.int64]) -> tuple[_Rows, NDArray[np.int64]]:
        """Slots sent in [t0, t1): silences dropped, losses applied, delays drawn."""
        def first_slot(t: int) -> NDArray[np.int64]:
            slot: NDArray[np.int64] = np.clip(-(-(t - self.start_ns) // self.ptime_ns), 0,
                                              self.slots)
            return slot
        lo, hi = first_slot(t0), first_slot(t1)
        counts = hi - lo
        stream = np.repeat(np.arange(len(self.specs), dtype=np.int32), counts)
        offsets = np.cumsum(counts) - counts
        slot = lo[stream] + np.arange(len(stream), dtype=np.int64) - offsets[stream]
        marker = slot == 0
        muted_before = np.zeros(len(slot), dtype=np.int64)
        muted = np.zeros(len(slot), dtype=bool)
        for s in (i for i in np.flatnonzero(counts) if self.silences[i]):
            run = slice(offsets[s], offsets[s] + counts[s])
            k = slot[run]
            for a, b in self.silences[s]:
                muted[run] |= (k >= a) & (k < b)
                muted_before[run] += np.clip(k - a, 0, b - a)
                marker[run] |= k == b
        keep = ~muted
        stream, slot, marker = stream[keep], slot[keep], marker[keep]
        ext = self.seq0[stream] + slot - muted_before[keep]
        send = self.start_ns[stream] + slot * self.ptime_ns[stream]
        lost, owed = lost_rows(self.table, stream, slot, rng, owed)
        delay = delays_ns(self.table, stream, slot, rng)
        arrival = (send + delay.astype(np.int64)) // 1000 * 1000  # the capture keeps µs
        ok = ~lost
        rows = _Rows(stream[ok], slot[ok], ext[ok], marker[ok], np.zeros(int(ok.sum()), bool),
                     send[ok], arrival[ok])
        again, lag = duplicate_rows(self.table, rows.stream, rng)
        copies = rows.take(again)
        copies = _Rows(copies.stream, copies.slot, copies.ext_seq, copies.marker,
                       np.ones(len(again), bool), copies.send_ns,
                       (copies.arrival_ns + lag) // 1000 * 1000)
        return _Rows.concat([rows, copies]), owed

    def _frame(self, rows: _Rows) -> RtpBatch:
        """RTP headers (RFC 3550 §5.1) + payloads, as UDP datagrams."""
        s = rows.stream
        ts = ((self.ts0[s] + rows.slot * self.ts_step[s]) & 0xFFFFFFFF).astype(np.uint32)
        widths = np.array([p.shape[1] for p in self.payloads])
        blocks: list[NDArray[np.uint8]] = []
        start = np.zeros(len(s), dtype=np.int64)
        base = 0
        for width in np.unique(widths[s]):
            members = np.flatnonzero(widths == width)
            table = np.concatenate([self.payloads[i] for i in members])
            table_at = np.zeros(len(self.specs), dtype=np.int64)
            table_at[members] = np.cumsum([0] + [len(self.payloads[i]) for i in members[:-1]])
            height = np.array([len(p) for p in self.payloads])
            idx = np.flatnonzero(widths[s] == width)
            si = s[idx]
            pkt = np.empty((len(idx), 12 + int(width)), dtype=np.uint8)
            pkt[:, 0] = 0x80  # version 2, no padding, no extension, no CSRC
            pkt[:, 1] = (rows.marker[idx].astype(np.uint8) << 7) | self.pt[si].astype(np.uint8)
            for col, value, size in ((2, rows.ext_seq[idx] & 0xFFFF, 2), (4, ts[idx], 4),
                                     (8, self.ssrc[si], 4)):
                v = np.asarray(value).astype(np.uint64)
                for b in range(size):
                    pkt[:, col + b] = (v >> np.uint64(8 * (size - 1 - b))) & np.uint64(0xFF)
            pkt[:, 12:] = table[table_at[si] + rows.slot[idx] % height[si]]
            start[idx] = base + np.arange(len(idx), dtype=np.int64) * pkt.shape[1]
            base += pkt.size
            blocks.append(pkt.reshape(-1))
        payload = Ragged(np.concatenate(blocks), start, 12 + widths[s].astype(np.int64))
        n = len(s)
        frames = UdpFrames(
            rows.arrival_ns, self.src[s], self.dst[s],
            np.array([sp.sport for sp in self.specs], dtype=np.uint16)[s],
            np.array([sp.dport for sp in self.specs], dtype=np.uint16)[s],
            payload, np.full(n, TOS_EF, dtype=np.uint8),
            np.array([sp.teid for sp in self.specs], dtype=np.uint32)[s],
        )
        return RtpBatch(frames, s, rows.ext_seq, ts, rows.marker, rows.duplicate, rows.send_ns)


def _check(spec: StreamSpec, c: codecs.SynthCodec) -> None:
    """One-line errors for impossible stream settings."""
    for port in (spec.sport, spec.dport):
        if not 0 < port < 65536:
            raise CallScopeError(f"port {port} out of range 1-65535")
    if spec.ptime_ms <= 0 or spec.packets < 0:
        raise CallScopeError("ptime must be positive and packets non-negative")
    if c.fixed_ptime_ms is not None and spec.ptime_ms != c.fixed_ptime_ms:
        raise CallScopeError(f"{c.name} is generated with ptime {c.fixed_ptime_ms} ms only")
    if spec.frames is not None and (spec.frames.ndim != 2 or spec.frames.dtype != np.uint8
                                    or len(spec.frames) == 0):
        raise CallScopeError("frames must be a non-empty (F, P) uint8 array")
    if spec.ssrc is not None and not 0 <= spec.ssrc < 1 << 32:
        raise CallScopeError(f"SSRC {spec.ssrc} out of 32-bit range")


def _concat_batches(parts: list[RtpBatch]) -> RtpBatch:
    """Batches back to back (they are already in global arrival order)."""
    return RtpBatch(
        UdpFrames.concat([p.frames for p in parts]),
        *(np.concatenate([getattr(p, f) for p in parts])
          for f in ("stream", "ext_seq", "timestamp", "marker", "duplicate", "send_ns")),
    )
