"""Consent records: what they hold, where they live, and what makes them unusable."""

from __future__ import annotations

import json
import stat
from datetime import timedelta

import pytest
from privacy_fixtures import (
    T0,
    World,
    consent_of,
    consented,
    customer_parties,
    log_entries,
    record_for,
    world,
)

from callscope.core.privacy import paths
from callscope.core.privacy.consent import Party, withdraw
from callscope.core.privacy.consent_store import list_records, load_record, record_path
from callscope.core.privacy.errors import ConsentError

__all__ = ["consented", "world"]


def test_record_is_stored_by_capture_hash_with_retention_and_masked_line(consented: World) -> None:
    record = consented.extra["record"]
    path = record_path(consented.sha)
    assert path.parent == paths.consent_dir() and path.name.startswith(consented.sha)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert record.retention_until == record.window_end + timedelta(days=5)
    raw = path.read_text()
    assert "475123456" not in raw and "475 12 34 56" not in raw
    assert record.requesting_line.endswith("456")
    assert record.requesting_line_id.startswith("hmac-sha256:")
    loaded = load_record(consented.sha)
    assert loaded == record and loaded.complete


def test_saving_logs_the_record_hash_first(consented: World) -> None:
    entry = next(e for e in log_entries(consented.log) if e["action"] == "CONSENT_RECORDED")
    assert entry["obj"]["consent"] == "sha256:" + consented.extra["record"].sha256
    assert entry["obj"]["capture"] == "sha256:" + consented.sha


def test_same_number_in_any_form_gives_one_pseudonym(world: World) -> None:
    from callscope.core.privacy.pseudonym import pseudonym

    forms = [
        "+32475123456",
        "0032 475 12 34 56",
        "tel:+32-475-123456",
        "sip:+32475123456@ims.example;user=phone",
    ]
    assert len({pseudonym(f) for f in forms}) == 1
    assert pseudonym("0475123456") != pseudonym("+32475123456")
    assert record_for(world).requesting_line_id == pseudonym(forms[0])


@pytest.mark.parametrize(
    "edit",
    [
        lambda o: o["parties"][1].update(kind="machine"),
        lambda o: o.update(retention_until="2099-01-01T00:00:00.000Z"),
        lambda o: o.update(case_ref="INC-2"),
        lambda o: o["parties"][0]["consent"].update(method="signed_form"),
        lambda o: o.update(extra="field"),
    ],
)
def test_edited_record_is_refused(consented: World, edit: object) -> None:
    path = record_path(consented.sha)
    obj = json.loads(path.read_text())
    edit(obj)  # type: ignore[operator]
    path.write_text(json.dumps(obj))
    with pytest.raises(ConsentError):
        load_record(consented.sha)


def test_record_copied_to_another_capture_is_refused(consented: World) -> None:
    other = "e" * 64
    record_path(other).write_bytes(record_path(consented.sha).read_bytes())
    with pytest.raises(ConsentError, match="another capture"):
        load_record(other)


def test_unreadable_records_are_reported_not_used(consented: World) -> None:
    record_path("0" * 64).write_text("{not json")
    records, problems = list_records()
    assert [r.capture_sha256 for r in records] == [consented.sha]
    assert len(problems) == 1 and "not valid JSON" in problems[0]


def test_completeness_needs_every_person(world: World) -> None:
    record = record_for(world)
    assert record.complete
    without = record_for(
        world, parties=[*customer_parties(), Party("conference_leg", "person", "+***333")]
    )
    assert not without.complete
    assert without.missing_consent() == ["conference_leg +***333: no consent"]
    withdrawn = withdraw(record, 1, T0)
    assert withdrawn.missing_consent() == ["callee +***789: consent withdrawn"]
    assert withdrawn.sha256 != record.sha256


@pytest.mark.parametrize(
    ("parties", "purpose", "why"),
    [
        ([Party("caller", "person", consent=consent_of())], "QOS_DIAG_VOICE", "at least two"),
        (
            [Party("caller", "person", consent=consent_of("verbal")), Party("callee", "machine")],
            "QOS_DIAG_VOICE",
            "name the agent",
        ),
        (
            [
                Party("caller", "person", consent=consent_of("carrier_pigeon")),
                Party("callee", "machine"),
            ],
            "QOS_DIAG_VOICE",
            "unknown consent method",
        ),
        (
            [Party("caller", "technician"), Party("callee", "machine")],
            "TEST_CALL",
            "must name the technician",
        ),
        (
            [
                Party("caller", "technician", login="alice"),
                Party("callee", "person", consent=consent_of()),
            ],
            "TEST_CALL",
            "only the technician",
        ),
        (
            [Party("caller", "machine"), Party("callee", "machine")],
            "TEST_CALL",
            "technician's own line",
        ),
        ([Party("boss", "person"), Party("callee", "machine")], "QOS_DIAG_VOICE", "unknown"),
    ],
)
def test_malformed_parties_are_refused(
    world: World, parties: list[Party], purpose: str, why: str
) -> None:
    with pytest.raises(ConsentError, match=why):
        record_for(world, parties=parties, purpose=purpose)


def test_verbal_consent_with_agent_is_accepted(world: World) -> None:
    parties = [
        Party("caller", "person", consent=consent_of("verbal", agent="agent 42")),
        Party("callee", "machine", "IVR"),
    ]
    assert record_for(world, parties=parties).complete


def test_purpose_must_be_in_the_policy(world: World) -> None:
    with pytest.raises(ConsentError, match="not allowed by the policy"):
        record_for(world, purpose="QOS_DIAG_VIDEO")
