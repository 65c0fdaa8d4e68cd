"""Smoke-test fixture: record a TEST_CALL consent for a capture, so the frozen app may decode it.

    CALLSCOPE_HOME=... python packaging/smoke_consent.py CAPTURE

Runs in the development environment (the source install of callscope), not in the
bundle: the window's consent dialog is what a technician would use. The record is
a TEST_CALL (the technician's own line and a machine, no customer), with the capture
window set to the last minute so that retention has not run out for an old capture.
It is logged (CONSENT_RECORDED) like any record. Needs a valid installed policy.
"""

from __future__ import annotations

import hashlib
import sys
from datetime import timedelta
from pathlib import Path

from callscope.core.privacy.audit_log import AuditLog
from callscope.core.privacy.clock import SystemClock
from callscope.core.privacy.consent import TEST_CALL, Party, new_record
from callscope.core.privacy.consent_store import save_record
from callscope.core.privacy.identity import os_login
from callscope.core.privacy.policy import load_policy

CASE = "SMOKE-1"


def record_test_call(capture: Path) -> Path:
    """Write the consent record of ``capture``; return its path."""
    clock = SystemClock()
    now = clock.now()
    login = os_login()
    record = new_record(
        capture_sha256=hashlib.sha256(capture.read_bytes()).hexdigest(),
        capture_path=capture.resolve(),
        case_ref=CASE,
        purpose=TEST_CALL,
        requesting_line="",
        window=(now - timedelta(minutes=1), now),
        parties=[Party("caller", "technician", login=login), Party("callee", "machine")],
        policy=load_policy(clock),
        created=now,
        created_by=login,
    )
    with AuditLog() as log:
        return save_record(record, log, login)


if __name__ == "__main__":
    print(record_test_call(Path(sys.argv[1])))
