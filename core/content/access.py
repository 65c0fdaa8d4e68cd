"""The only door to content: audio, full spectrograms and audio export, under a grant.

Every public function takes a :class:`~callscope.core.privacy.grant.Grant` and the
:class:`~callscope.core.privacy.gate.ContentGate` that issued it. Each checks the grant
for this capture, stream and action, writes the audit entry *first* (``SPECTROGRAM``,
``EXPORT``; playback logs ``PLAY_START``/``PLAY_STOP`` in :mod:`callscope.core.content.playback`),
and only then decodes. The capture is re-read and its SHA-256 compared with the grant's
scope, so a grant for one file never opens another. Decoded audio lives in memory only.
"""

from __future__ import annotations

import io
import os
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from callscope.core.capture.capture import Capture
from callscope.core.capture.reader import read_capture
from callscope.core.errors import CallScopeError
from callscope.core.media.decoders import decoder_for
from callscope.core.media.spectrogram import Spectrogram, level_view, stft
from callscope.core.media.stream_codec import plan_decoding
from callscope.core.media.timeline import Timeline, build_timeline
from callscope.core.model import AnalysisResult, Codec, Stream
from callscope.core.privacy.errors import AccessDenied
from callscope.core.privacy.gate import ContentGate
from callscope.core.privacy.grant import Grant
from callscope.core.rtp.stream_packets import StreamPackets, stream_packets

# "Decode as" choices for a stream found without signalling (codec "unknown").
DECODE_AS: tuple[Codec, ...] = (
    Codec("PCMU", 8000), Codec("PCMA", 8000), Codec("G722", 8000), Codec("G729", 8000),
    Codec("GSM", 8000), Codec("G723", 8000), Codec("iLBC", 8000), Codec("AMR", 8000),
    Codec("AMR-WB", 16000), Codec("EVS", 16000), Codec("opus", 48000, 2),
    Codec("speex", 8000), Codec("speex", 16000), Codec("speex", 32000),
    Codec("G726-32", 8000), Codec("L16", 8000), Codec("L16", 16000), Codec("L16", 48000),
)


__all__ = [
    "DECODE_AS", "ContentSource", "Spectrogram", "Timeline", "align_timelines",
    "coarse_levels", "decode_for_listening", "export_wav", "full_spectrogram",
]


@dataclass
class ContentSource:
    """A capture's analysis plus the means to reach its payloads once granted."""

    path: Path
    result: AnalysisResult

    @property
    def sha256(self) -> str:
        """The capture hash every grant is scoped to."""
        return self.result.capture.sha256

    def _open(self) -> Capture:
        capture = read_capture(self.path)
        if capture.info.sha256 != self.sha256:
            capture.close()
            raise AccessDenied("the capture file changed since it was analysed; reopen it")
        return capture

    def _packets(self, stream: Stream) -> StreamPackets:
        capture = self._open()
        try:
            return stream_packets(capture, stream, self._sdp_codecs(stream))
        finally:
            capture.close()

    def _sdp_codecs(self, stream: Stream) -> dict[int, Codec]:
        """Payload-type map from the SDP that announced the stream's endpoint, if any."""
        ends = {(stream.dst, stream.dport), (stream.src, stream.sport)}
        for call in self.result.calls:
            if stream.call_id is not None and call.call_id != stream.call_id:
                continue
            for media in reversed(call.media):
                if (media.address, media.port) in ends:
                    return dict(media.codecs)
        return {}


def _timeline(
    source: ContentSource, stream: Stream, jitter_buffer_ms: float | None,
    codec: Codec | None = None,
) -> Timeline:
    """Decode ``stream`` (as ``codec`` when given: "Decode as") onto a timeline."""
    packets = source._packets(stream)
    if not packets.payloads:
        raise CallScopeError("no packets of this stream were found in the capture")
    plan = plan_decoding(packets.payload_type, packets.codecs, packets.payloads, codec)
    return build_timeline(
        decoder_for(plan.codec), arrival_s=packets.arrival_s, seq=packets.seq,
        timestamp=packets.timestamp, payloads=packets.payloads, audio=plan.audio,
        clock_rate=plan.codec.clock_rate, jitter_buffer_ms=jitter_buffer_ms,
        comfort_noise_pt=plan.comfort_noise, events=plan.events,
    )


def decode_for_listening(
    gate: ContentGate, grant: Grant, source: ContentSource, stream_id: int,
    *, jitter_buffer_ms: float | None = None, codec: Codec | None = None,
) -> Timeline:
    """Audio of one stream for the player (checked for ``listen``; playback logs itself).

    ``codec`` decodes the stream's audio payload type as that codec ("Decode as"; a
    clock rate of 0 takes the codec's RFC rate).
    """
    gate.authorize(grant, source.sha256, stream_id, "listen")
    return _timeline(source, source.result.stream(stream_id), jitter_buffer_ms, codec)


def full_spectrogram(
    gate: ContentGate, grant: Grant, source: ContentSource, stream_id: int,
    *, size: int = 512, overlap: float = 0.75, window: str = "hann",
    codec: Codec | None = None,
) -> tuple[Spectrogram, float]:
    """Full-resolution spectrogram and the capture time (s) of its first sample."""
    gate.log_access(grant, "SPECTROGRAM", source.sha256, stream_id)
    tl = _timeline(source, source.result.stream(stream_id), None, codec)
    return stft(tl.samples, tl.sample_rate, size=size, overlap=overlap, window=window), tl.start_s


def export_wav(
    gate: ContentGate, grant: Grant, source: ContentSource, stream_ids: list[int], out: Path,
    *, codec: Codec | None = None,
) -> Path:
    """Write the streams' audio (one channel each, aligned on wall-clock) as a WAV file.

    Logged ``EXPORT`` per stream before anything is decoded; written atomically.
    """
    if not stream_ids:
        raise CallScopeError("name at least one stream to export")
    for sid in stream_ids:
        gate.authorize(grant, source.sha256, sid, "export_audio")
    for sid in stream_ids:
        gate.log_access(grant, "EXPORT", source.sha256, sid, detail=f"WAV to {out.name}")
    timelines = [_timeline(source, source.result.stream(s), None, codec) for s in stream_ids]
    data, rate = align_timelines(timelines)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(data.shape[1])
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(data.astype("<i2").tobytes())
    partial = out.with_name(out.name + ".partial")
    with open(partial, "wb") as fh:
        fh.write(buffer.getvalue())
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(partial, out)
    return out


def align_timelines(timelines: list[Timeline]) -> tuple[NDArray[np.int16], int]:
    """Channels aligned on capture time, resampled (nearest) to the highest rate."""
    rate = max(t.sample_rate for t in timelines)
    start = min(t.start_s for t in timelines)
    channels = []
    for t in timelines:
        idx = np.arange(round(t.duration_s * rate)) * t.sample_rate // rate
        pcm = t.samples[idx] if len(t.samples) else np.zeros(0, np.int16)
        pad = round((t.start_s - start) * rate)
        channels.append(np.concatenate([np.zeros(pad, np.int16), pcm]))
    length = max(len(c) for c in channels)
    out = np.zeros((length, len(channels)), np.int16)
    for i, c in enumerate(channels):
        out[: len(c), i] = c
    return out, rate


def coarse_levels(
    source: ContentSource, stream_id: int, *, codec: Codec | None = None,
) -> tuple[Spectrogram, float]:
    """The coarse level view (>= 250 ms x <= 8 bands): not content, needs no grant.

    Decoded here, reduced before it leaves this function; the PCM is dropped.
    """
    tl = _timeline(source, source.result.stream(stream_id), None, codec)
    return level_view(tl.samples, tl.sample_rate), tl.start_s
