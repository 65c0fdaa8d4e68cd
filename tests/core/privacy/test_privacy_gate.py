"""The content gate: grants, their scope, and everything that must refuse them."""

from __future__ import annotations

import copy
import json
import pickle
from dataclasses import replace

import pytest
from privacy_fixtures import (
    T0,
    World,
    consented,
    customer_parties,
    log_actions,
    log_entries,
    policy_dict,
    record_for,
    world,
    write_policy,
)

from callscope.core.errors import CallScopeError
from callscope.core.privacy.audit_verify import verify
from callscope.core.privacy.consent import Party
from callscope.core.privacy.consent_store import record_path, save_record
from callscope.core.privacy.errors import AccessDenied
from callscope.core.privacy.gate import ContentGate
from callscope.core.privacy.grant import Grant

__all__ = ["consented", "world"]  # fixtures used by name


def _grant(w: World, gate: ContentGate | None = None, **kw: object) -> Grant:
    gate = gate or w.gate()
    args: dict[str, object] = {"case_ref": "INC-1", "reason": "choppy uplink 12-18 s"}
    args.update(kw)
    return gate.request(w.sha, [2], {"listen"}, **args)  # type: ignore[arg-type]


def test_grant_is_logged_before_it_is_returned_and_allows_its_scope(consented: World) -> None:
    gate = consented.gate()
    grant = _grant(consented, gate)
    entries = log_entries(consented.log)
    granted = [e for e in entries if e["action"] == "CONSENT_GRANTED"]
    assert len(granted) == 1 and granted[0]["obj"]["grant"] == grant.grant_id
    assert granted[0]["obj"]["consent"] == "sha256:" + consented.extra["record"].sha256
    assert granted[0]["actor"] == "alice" and granted[0]["case"] == "INC-1"
    gate.authorize(grant, consented.sha, 2, "listen")  # no exception
    gate.log_access(grant, "PLAY_START", consented.sha, 2, time_range_ms=(12000, 18000))
    last = log_entries(consented.log)[-1]
    assert last["action"] == "PLAY_START" and last["obj"]["t"] == [12000, 18000]
    assert last["obj"]["streams"] == [2]
    assert verify(consented.log.path).ok


def test_default_expiry_is_thirty_minutes(consented: World) -> None:
    grant = _grant(consented)
    assert (grant.expires_at - T0).total_seconds() == 30 * 60


def test_content_access_without_a_grant_is_refused(consented: World) -> None:
    gate = consented.gate()
    other_gate = consented.gate()
    foreign = _grant(consented, other_gate)
    with pytest.raises(AccessDenied, match="not issued in this session"):
        gate.authorize(foreign, consented.sha, 2, "listen")
    with pytest.raises(AccessDenied, match="grant"):
        gate.log_access(foreign, "PLAY_START", consented.sha, 2)
    with pytest.raises(AccessDenied):
        gate.authorize(None, consented.sha, 2, "listen")  # type: ignore[arg-type]


def test_hand_made_or_altered_grant_is_refused(consented: World) -> None:
    gate = consented.gate()
    grant = _grant(consented, gate)
    forged = replace(grant, stream_ids=frozenset({1, 2, 3}))
    with pytest.raises(AccessDenied):
        gate.authorize(forged, consented.sha, 3, "listen")
    object.__setattr__(grant, "actions", frozenset({"listen", "export_audio"}))
    with pytest.raises(AccessDenied, match="altered"):
        gate.authorize(grant, consented.sha, 2, "export_audio")


def test_grant_cannot_be_serialised_or_copied(consented: World) -> None:
    grant = _grant(consented)
    with pytest.raises(TypeError):
        pickle.dumps(grant)
    with pytest.raises(TypeError):
        copy.copy(grant)
    with pytest.raises(TypeError):
        copy.deepcopy(grant)


def test_expired_grant_is_refused(consented: World) -> None:
    gate = consented.gate()
    grant = _grant(consented, gate)
    consented.clock.advance(minutes=29)
    gate.authorize(grant, consented.sha, 2, "listen")
    consented.clock.advance(minutes=1)
    with pytest.raises(AccessDenied, match="expired"):
        gate.authorize(grant, consented.sha, 2, "listen")
    with pytest.raises(AccessDenied, match="expired"):
        gate.log_access(grant, "PLAY_START", consented.sha, 2)
    gate.log_access(grant, "PLAY_STOP", consented.sha, 2)  # a stop is still recorded
    assert log_actions(consented.log)[-1] in ("PLAY_STOP", "CHECKPOINT")


@pytest.mark.parametrize(
    ("capture", "stream", "action", "why"),
    [
        ("other", 2, "listen", "another capture"),
        ("same", 3, "listen", "stream 3"),
        ("same", 2, "export_audio", "export_audio"),
        ("same", 2, "spectrogram", "spectrogram"),
        ("same", None, "listen", "stream must be named"),
    ],
)
def test_grant_for_another_capture_stream_or_action_is_refused(
    consented: World, capture: str, stream: int | None, action: str, why: str
) -> None:
    gate = consented.gate()
    grant = _grant(consented, gate)
    sha = consented.sha if capture == "same" else "f" * 64
    with pytest.raises(AccessDenied, match=why):
        gate.authorize(grant, sha, stream, action)


def test_revoked_grant_is_refused(consented: World) -> None:
    gate = consented.gate()
    grant = _grant(consented, gate)
    gate.revoke(grant, "technician closed the dialog")
    with pytest.raises(AccessDenied, match="revoked"):
        gate.authorize(grant, consented.sha, 2, "listen")
    assert "GRANT_REVOKED" in log_actions(consented.log)


def test_analyst_is_refused_and_the_refusal_is_logged(consented: World) -> None:
    with pytest.raises(AccessDenied, match="listener role"):
        _grant(consented, consented.gate("bob"))
    refused = [e for e in log_entries(consented.log) if e["action"] == "CONSENT_REFUSED"]
    assert refused and "listener role" in refused[-1]["obj"]["why"]
    assert refused[-1]["actor"] == "bob"
    assert "CONSENT_GRANTED" not in log_actions(consented.log)


def test_unknown_login_is_refused(consented: World) -> None:
    with pytest.raises(AccessDenied, match="listener role"):
        _grant(consented, consented.gate("mallory"))


def test_one_missing_party_consent_is_refused(world: World) -> None:
    parties = customer_parties()
    parties[1] = replace(parties[1], consent=None)
    record = record_for(world, parties=parties)
    assert not record.complete
    save_record(record, world.log, "alice")
    with pytest.raises(AccessDenied, match=r"callee .*no consent"):
        _grant(world)


def test_further_leg_without_consent_is_refused(world: World) -> None:
    parties = [*customer_parties(), Party("forwarded_leg", "person", "+***111")]
    save_record(record_for(world, parties=parties), world.log, "alice")
    with pytest.raises(AccessDenied, match="forwarded_leg"):
        _grant(world)


def test_withdrawn_consent_is_refused(world: World) -> None:
    from callscope.core.privacy.consent import withdraw

    record = withdraw(record_for(world), 0, T0)
    save_record(record, world.log, "alice")
    with pytest.raises(AccessDenied, match="withdrawn"):
        _grant(world)


def test_no_consent_record_is_refused(world: World) -> None:
    with pytest.raises(AccessDenied, match="no consent record"):
        _grant(world)


def test_edited_consent_record_is_refused(consented: World) -> None:
    path = record_path(consented.sha)
    obj = json.loads(path.read_text())
    obj["parties"][1]["kind"] = "machine"  # "the callee was a machine, no consent needed"
    path.write_text(json.dumps(obj))
    with pytest.raises(AccessDenied, match="edited"):
        _grant(consented)


def test_consent_given_differing_from_the_stored_one_is_refused(consented: World) -> None:
    other = replace(consented.extra["record"], case_ref="INC-1 ")
    with pytest.raises(AccessDenied, match="differs from the stored"):
        _grant(consented, consent=other)


def test_consent_from_another_case_is_refused(consented: World) -> None:
    with pytest.raises(AccessDenied, match="another case"):
        _grant(consented, case_ref="INC-2")


def test_reason_and_case_are_mandatory(consented: World) -> None:
    with pytest.raises(AccessDenied, match="reason"):
        _grant(consented, reason="  ")


def test_test_call_needs_no_customer_consent(world: World) -> None:
    parties = [
        Party("caller", "technician", "handset", login="alice"),
        Party("callee", "machine", "echo test"),
    ]
    save_record(record_for(world, purpose="TEST_CALL", parties=parties), world.log, "alice")
    grant = _grant(world)
    assert grant.purpose == "TEST_CALL"


def test_purpose_removed_from_policy_is_refused(consented: World) -> None:
    write_policy(policy_dict(version=2, purposes=["TEST_CALL"]), consented.admin)
    with pytest.raises(AccessDenied, match="purpose QOS_DIAG_VOICE"):
        _grant(consented)


def test_invalid_policy_refuses_content_and_logs_why(consented: World) -> None:
    write_policy(policy_dict(version=2), None)  # unsigned edit, old signature left
    with pytest.raises(AccessDenied, match="edited after signing"):
        _grant(consented)
    assert log_entries(consented.log)[-1]["action"] == "CONSENT_REFUSED"


def test_log_without_auditor_key_refuses_content(consented: World) -> None:
    from callscope.core.privacy import paths

    paths.auditor_key_path().unlink()
    # the log was created sealed to the auditor; a new log without one must refuse
    from callscope.core.privacy.audit_log import AuditLog

    log = AuditLog(consented.log.path.with_name("other.jsonl"), clock=consented.clock)
    gate = ContentGate(log, clock=consented.clock, actor="alice")
    with pytest.raises(AccessDenied, match="no auditor key"):
        _grant(consented, gate)


def test_access_events_need_their_action(consented: World) -> None:
    gate = consented.gate()
    grant = gate.request(
        consented.sha, [1, 2], {"listen", "spectrogram"}, case_ref="INC-1", reason="check"
    )
    gate.log_access(grant, "SPECTROGRAM", consented.sha, 1)
    with pytest.raises(AccessDenied):
        gate.log_access(grant, "EXPORT", consented.sha, 1)
    with pytest.raises(AccessDenied):
        gate.log_access(grant, "REVEAL", consented.sha, None)
    with pytest.raises(ValueError):
        gate.log_access(grant, "DOWNLOAD", consented.sha, 1)
    with pytest.raises(ValueError):
        gate.log_access(grant, "PLAY_START", consented.sha, 1, time_range_ms=(5, 1))


def test_close_revokes_every_grant_and_seals_the_log(consented: World) -> None:
    gate = consented.gate()
    grant = _grant(consented, gate)
    gate.close()
    with pytest.raises(AccessDenied):
        gate.authorize(grant, consented.sha, 2, "listen")
    assert log_actions(consented.log)[-1] == "CHECKPOINT"
    assert verify(consented.log.path, use_local_state=False).ok


def test_access_denied_is_a_callscope_error() -> None:
    assert issubclass(AccessDenied, CallScopeError)


def test_reveal_is_its_own_action_and_is_logged(consented: World) -> None:
    gate = consented.gate()
    grant = gate.request(consented.sha, [2], {"reveal"}, case_ref="INC-1", reason="which leg?")
    with pytest.raises(AccessDenied):
        gate.log_access(grant, "PLAY_START", consented.sha, 2)
    gate.log_access(grant, "REVEAL", consented.sha, None, detail="callee number shown")
    entry = log_entries(consented.log)[-1]
    assert entry["action"] == "REVEAL" and "streams" not in entry["obj"]
