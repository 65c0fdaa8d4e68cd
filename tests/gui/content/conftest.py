"""Content GUI tests: reuse the core privacy fixtures (keys, policy, records, clock)."""

from __future__ import annotations

import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[2]
for folder in (TESTS / "core" / "privacy", TESTS / "gui" / "privacy"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from gui_privacy_fixtures import tone_consented, tone_world  # noqa: E402
from privacy_fixtures import consented, world  # noqa: E402

__all__ = ["consented", "tone_consented", "tone_world", "world"]
