"""Locations: CALLSCOPE_HOME redirects everything; folders are private (0700)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from callscope.core.privacy import paths


def test_callscope_home_redirects_every_location(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "deep" / "home"
    monkeypatch.setenv("CALLSCOPE_HOME", str(home))
    found = [
        paths.config_dir(),
        paths.data_dir(),
        paths.log_dir(),
        paths.state_dir(),
        paths.consent_dir(),
        paths.trusted_admin_keys_dir(),
    ]
    for folder in found:
        assert home in folder.parents
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((home / "log").stat().st_mode) == 0o700  # parents too
    assert paths.policy_path().parent == paths.config_dir()
    assert paths.audit_log_path().parent == paths.log_dir()


def test_without_callscope_home_platform_folders_are_used(monkeypatch: pytest.MonkeyPatch) -> None:
    import platformdirs

    monkeypatch.delenv("CALLSCOPE_HOME")
    assert paths._base("config") == platformdirs.user_config_path("CallScope", appauthor=False)
    assert paths._base("log") == platformdirs.user_log_path("CallScope", appauthor=False)
