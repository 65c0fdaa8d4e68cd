"""The content door: nothing decoded without a grant; each access logged once, first."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import tempfile
import time
import wave
from pathlib import Path

import av
import numpy as np
import pytest
from privacy_fixtures import World, customer_parties, log_entries, world
from privacy_fixtures import record_for as _record_for

from callscope.core.analysis import analyze
from callscope.core.content.access import (
    ContentSource,
    coarse_levels,
    decode_for_listening,
    export_wav,
    full_spectrogram,
)
from callscope.core.content.playback import AudioUnavailable, GrantedPlayback
from callscope.core.media.player import Player
from callscope.core.privacy.consent_store import save_record
from callscope.core.privacy.errors import AccessDenied
from callscope.core.rtp.stream_packets import rtp_payload

__all__ = ["world"]
Demo = tuple[World, ContentSource]
DEMO = Path(__file__).resolve().parents[3] / "resources" / "demo.pcap"


@pytest.fixture
def demo(world: World, tmp_path: Path) -> Demo:
    """The demo capture, analysed, with a complete consent record for case INC-1."""
    path = tmp_path / "demo.pcap"
    shutil.copyfile(DEMO, path)
    world.capture, world.sha = path, hashlib.sha256(path.read_bytes()).hexdigest()
    save_record(_record_for(world, parties=customer_parties()), world.log, "alice")
    return world, ContentSource(path, analyze(path))


def _grant(w: World, gate, streams, actions):
    return gate.request(w.sha, streams, actions, case_ref="INC-1", reason="one-way audio")


def test_listening_needs_a_grant_for_that_stream_and_action(demo: Demo) -> None:
    w, source = demo
    gate = w.gate()
    grant = _grant(w, gate, [1], {"spectrogram"})
    with pytest.raises(AccessDenied, match="listen"):
        decode_for_listening(gate, grant, source, 1)
    grant = _grant(w, gate, [1], {"listen"})
    with pytest.raises(AccessDenied, match="stream 2"):
        decode_for_listening(gate, grant, source, 2)
    timeline = decode_for_listening(gate, grant, source, 1)
    stream = source.result.stream(1)
    assert timeline.sample_rate == 8000
    assert abs(timeline.duration_s - (stream.end_ns - stream.start_ns) / 1e9) < 0.5
    lost_samples = sum(b - a for a, b in timeline.gaps)
    assert lost_samples >= 160 * (stream.stats.lost - stream.stats.duplicates)


def test_a_grant_for_another_capture_opens_nothing(demo: Demo, tmp_path: Path) -> None:
    w, _source = demo
    gate = w.gate()
    grant = _grant(w, gate, [1], {"listen"})
    other = tmp_path / "other.pcap"
    other.write_bytes(DEMO.read_bytes() + b"\x00")
    foreign = ContentSource(other, analyze(other))
    with pytest.raises(AccessDenied, match="another capture"):
        decode_for_listening(gate, grant, foreign, 1)


def test_decoded_audio_equals_an_independent_decoding(demo: Demo) -> None:
    w, source = demo
    gate = w.gate()
    timeline = decode_for_listening(gate, _grant(w, gate, [2], {"listen"}), source, 2)
    # Independent: FFmpeg's A-law decoder over the first in-order packets' payloads.
    import dpkt

    stream = source.result.stream(2)
    payloads = []
    with open(source.path, "rb") as fh:
        for _, frame in dpkt.pcap.Reader(fh):
            ip = dpkt.ethernet.Ethernet(frame).data
            udp = getattr(ip, "data", None)
            if isinstance(udp, dpkt.udp.UDP) and udp.sport == stream.sport \
                    and udp.dport == stream.dport:
                payloads.append(rtp_payload(bytes(udp.data)))
            if len(payloads) == 50:
                break
    ctx = av.CodecContext.create("pcm_alaw", "r")
    ctx.sample_rate, ctx.layout = 8000, "mono"
    ref = np.concatenate([f.to_ndarray().ravel() for f in ctx.decode(av.Packet(b"".join(
        p for p in payloads if p)))])
    assert np.array_equal(timeline.samples[: len(ref)], ref.astype(np.int16))


def test_full_spectrogram_is_logged_first_and_coarse_needs_nothing(demo: Demo) -> None:
    w, source = demo
    coarse, _ = coarse_levels(source, 1)
    assert coarse.db.shape[1] <= 8
    assert not [e for e in log_entries(w.log) if e["action"] == "SPECTROGRAM"]
    gate = w.gate()
    with pytest.raises(AccessDenied):
        full_spectrogram(gate, _grant(w, gate, [1], {"listen"}), source, 1)
    grant = _grant(w, gate, [1], {"spectrogram"})
    spec, start = full_spectrogram(gate, grant, source, 1)
    assert spec.db.shape[1] == 257 and start > 0
    assert [e["action"] for e in log_entries(w.log)].count("SPECTROGRAM") == 1


def test_wav_export_is_audited_and_leaves_no_payload_on_disk(
    demo: Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    w, source = demo
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private_tmp))  # whatever we write to temp
    started = time.time() - 1
    gate = w.gate()
    grant = _grant(w, gate, [1, 2], {"export_audio"})
    out = export_wav(gate, grant, source, [1, 2], tmp_path / "call.wav")
    with wave.open(str(out)) as wav:
        assert (wav.getnchannels(), wav.getframerate()) == (2, 8000)
        assert wav.getnframes() > 8000 * 25
    exports = [e for e in log_entries(w.log) if e["action"] == "EXPORT"]
    assert [e["obj"]["streams"] for e in exports] == [[1], [2]]
    # A known payload pattern (first RTP payload of stream 1) exists only in the capture.
    stream = source.result.stream(1)
    needle = _first_payload(source.path, stream.sport)
    written = [
        path
        for root in (private_tmp, tmp_path, Path(os.environ["CALLSCOPE_HOME"]))
        for path in root.rglob("*")
        if path.is_file() and not path.is_symlink() and path.stat().st_mtime >= started
        and path.suffix != ".pcap" and path.stat().st_size < 50_000_000
    ]
    assert out in written and w.log.path in written
    for path in written:
        assert needle not in path.read_bytes(), path


def _first_payload(capture: Path, sport: int) -> bytes:
    import dpkt

    with open(capture, "rb") as fh:
        for _, frame in dpkt.pcap.Reader(fh):
            udp = getattr(dpkt.ethernet.Ethernet(frame).data, "data", None)
            if isinstance(udp, dpkt.udp.UDP) and udp.sport == sport:
                payload = rtp_payload(bytes(udp.data))
                if payload and len(set(payload)) > 8:
                    return payload[:32]
    raise AssertionError("no payload")


def test_reveal_needs_its_own_grant_and_is_logged(demo: Demo) -> None:
    from callscope.core.content.reveal import reveal_parties

    w, source = demo
    gate = w.gate()
    call_id = source.result.calls[0].call_id
    with pytest.raises(AccessDenied, match="reveal"):
        reveal_parties(gate, _grant(w, gate, [1], {"listen"}), source, call_id)
    sender, receiver = reveal_parties(gate, _grant(w, gate, [1, 2], {"reveal"}), source, call_id)
    assert "3225550100" in sender and "3225550199" in receiver
    reveals = [e for e in log_entries(w.log) if e["action"] == "REVEAL"]
    assert len(reveals) == 1 and "3225550100" not in json.dumps(reveals)


def test_a_device_that_fails_to_open_closes_the_play_record(
    demo: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    w, source = demo
    gate = w.gate()
    playback = GrantedPlayback(gate, _grant(w, gate, [1], {"listen"}), source, [1])

    def broken(_self: object) -> None:
        raise AudioUnavailable("cannot open the audio output: device busy")

    monkeypatch.setattr(Player, "start", broken)
    with pytest.raises(AudioUnavailable, match="device busy"):
        playback.play()
    plays = [e for e in log_entries(w.log) if e["action"].startswith("PLAY_")]
    assert [e["action"] for e in plays] == ["PLAY_START", "PLAY_STOP"]
    assert plays[1]["obj"]["t"][0] == plays[1]["obj"]["t"][1]  # nothing was heard


def test_a_gzipped_capture_gives_content_its_every_payload(tmp_path: Path) -> None:
    """Analysis streams gzip and keeps only signalling payloads; content reads it whole."""
    packed = tmp_path / "demo.pcap.gz"
    packed.write_bytes(gzip.compress(DEMO.read_bytes()))
    plain, _ = coarse_levels(ContentSource(DEMO, analyze(DEMO)), 1)
    gzipped, _ = coarse_levels(ContentSource(packed, analyze(packed)), 1)
    np.testing.assert_array_equal(gzipped.db, plain.db)
    assert np.isfinite(plain.db).any()
