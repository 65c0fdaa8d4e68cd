"""Make the README's screenshots of the demo capture (run under Xvfb or offscreen).

    xvfb-run -a -s "-screen 0 1600x1100x24" python resources/screenshots/make_screenshots.py

main-window.png: the window as a technician first sees it (header analysis only).
stream-view-spectrogram.png: the same call after the consent step — a throw-away
CALLSCOPE_HOME gets a test policy, auditor key and a complete consent record for the
synthetic demo call (no real person), then a grant for the full spectrogram.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEMO = HERE.parent / "demo.pcap"


def _install_privacy(home: Path, capture: Path) -> None:
    """Test policy, auditor key and a complete consent record (demo call only)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    from callscope.core.privacy import keys, paths
    from callscope.core.privacy.audit_log import AuditLog
    from callscope.core.privacy.clock import SystemClock, iso_ms
    from callscope.core.privacy.consent import Party, PartyConsent, new_record
    from callscope.core.privacy.consent_store import save_record
    from callscope.core.privacy.identity import os_login
    from callscope.core.privacy.policy import load_policy, sign_policy

    admin, auditor = Ed25519PrivateKey.generate(), X25519PrivateKey.generate()
    (paths.trusted_admin_keys_dir() / "admin.pub").write_bytes(keys.public_pem(admin.public_key()))
    paths.auditor_key_path().write_bytes(keys.public_pem(auditor.public_key()))
    now = datetime.now(UTC)
    policy = {
        "format": "callscope-policy", "version": 1, "issued": iso_ms(now - timedelta(days=1)),
        "expires": iso_ms(now + timedelta(days=30)), "retention_days": 5, "grant_minutes": 30,
        "purposes": ["QOS_DIAG_VOICE", "TEST_CALL"],
        "technicians": {os_login(): ["analyst", "listener", "auditor"]},
    }
    paths.policy_path().write_text(json.dumps(policy), encoding="utf-8")
    sign_policy(paths.policy_path(), admin)
    consent = PartyConsent(method="ivr_keypress", at=now - timedelta(hours=1), evidence="IVR-1")
    log = AuditLog()
    record = new_record(
        capture_sha256=hashlib.sha256(capture.read_bytes()).hexdigest(), capture_path=capture,
        case_ref="DEMO-1", purpose="QOS_DIAG_VOICE", requesting_line="+3225550100",
        window=(now - timedelta(minutes=5), now),
        parties=[Party("caller", "person", "+***100", consent=consent),
                 Party("callee", "person", "+***199", consent=consent)],
        policy=load_policy(SystemClock()), created=now, created_by=os_login(),
    )
    save_record(record, log, os_login())
    log.close()


def main() -> int:
    home = Path(tempfile.mkdtemp(prefix="callscope-shots-"))
    os.environ["CALLSCOPE_HOME"] = str(home)
    capture = home / "demo.pcap"
    shutil.copyfile(DEMO, capture)
    from PySide6.QtWidgets import QApplication

    from callscope.gui.main_window import MainWindow

    app = QApplication(sys.argv[:1])
    window = MainWindow()
    window.resize(1500, 1000)
    window.show()
    (view,) = window.open_paths([str(capture)])
    while not (view.ready and view in window.privacy.contents):
        app.processEvents()
    content = window.privacy.contents[view]
    while not content.ready:
        app.processEvents()
    deadline = time.monotonic() + 30
    while content.spectro_ctl.view.mode != "coarse":  # the level view has arrived
        if time.monotonic() > deadline:
            raise SystemExit(f"no coarse level view: {content.spectro_ctl.view.label.text()}")
        app.processEvents()  # (spectro_ctl.wait() would cancel the computation)
    for _ in range(50):
        app.processEvents()
    window.grab().save(str(HERE / "main-window.png"))
    _install_privacy(home, capture)
    view.set_notice("")
    session = window.privacy.session
    grant = session.gate.request(content.source.sha256, [s.id for s in view.result.streams],
                                 {"spectrogram", "listen"}, case_ref="DEMO-1",
                                 reason="README screenshot of the synthetic demo call")
    session.remember(grant)
    view.stream_table.select_stream_ids([view.result.streams[0].id])
    content.spectro_ctl.request_full()
    for _ in range(50):
        app.processEvents()
    window.grab().save(str(HERE / "stream-view-spectrogram.png"))
    window.close()
    shutil.rmtree(home, ignore_errors=True)
    print("saved", HERE / "main-window.png", HERE / "stream-view-spectrogram.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
