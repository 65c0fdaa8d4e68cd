"""A real two-way tone call under a signed policy: what the privacy/content GUI tests use.

Builds on tests/core/privacy/privacy_fixtures.py (keys, policy, records, FakeClock);
the capture is a synthetic G.711 call whose caller sends a 1 kHz tone and whose
callee sends 440 Hz, starting an hour before the fake clock's now.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from privacy_fixtures import (
    T0,
    FakeClock,
    World,
    install_admin_key,
    install_auditor_key,
    policy_dict,
    record_for,
    write_policy,
)

from callscope.core.analysis import analyze
from callscope.core.content.access import ContentSource
from callscope.core.privacy.audit_log import AuditLog
from callscope.core.privacy.consent_store import save_record
from callscope.core.synth.impairments import Impairments
from callscope.core.synth.scenario import CallSpec, two_way_call
from callscope.core.synth.signal import to_pcm16, tone
from callscope.gui.privacy.session import PrivacySession

CALLER_HZ = 1000.0  # caller → callee (stream 2)
CALLEE_HZ = 440.0  # callee → caller (stream 1)
START_NS = int((T0 - timedelta(hours=1)).timestamp() * 1e9)


def tone_capture(folder: Path, media_s: float = 4.0, loss: float = 0.05) -> tuple[Path, str]:
    """Write the tone call as ``folder/tone.pcap``; return its path and SHA-256."""
    spec = CallSpec(
        codec="pcmu", media_s=media_s, ring_s=0.3, seed=3, start_ns=START_NS,
        forward_audio=to_pcm16(tone(media_s, CALLER_HZ)),
        backward_audio=to_pcm16(tone(media_s, CALLEE_HZ)),
        forward=Impairments(loss=loss),
    )  # fmt: skip
    path = folder / "tone.pcap"
    two_way_call(spec).write(path)
    return path, hashlib.sha256(path.read_bytes()).hexdigest()


def make_tone_world(folder: Path, media_s: float = 4.0) -> World:
    """Keys, signed policy and auditor installed; the tone capture analysed."""
    clock = FakeClock()
    admin, auditor = Ed25519PrivateKey.generate(), X25519PrivateKey.generate()
    install_admin_key(admin)
    install_auditor_key(auditor)
    write_policy(policy_dict(), admin)
    capture, sha = tone_capture(folder, media_s)
    log = AuditLog(clock=clock, checkpoint_every=8)
    w = World(clock, admin, auditor, log, capture, sha)
    result = analyze(capture)
    w.extra.update(result=result, source=ContentSource(capture, result))
    return w


def consent_all(w: World) -> None:
    """Save a complete customer consent record for the world's capture (case INC-1)."""
    record = record_for(w)
    save_record(record, w.log, "alice")
    w.extra["record"] = record


def session_of(w: World, actor: str = "alice") -> PrivacySession:
    """A GUI privacy session on the world's log and clock."""
    return PrivacySession(w.log, clock=w.clock, actor=actor)


@pytest.fixture
def tone_world(tmp_path: Path) -> World:
    return make_tone_world(tmp_path)


@pytest.fixture
def tone_consented(tone_world: World) -> World:
    consent_all(tone_world)
    return tone_world
