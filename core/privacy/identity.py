"""Who is acting: the operating-system login name (what the policy lists)."""

from __future__ import annotations

import getpass

from callscope.core.privacy.errors import AccessDenied


def os_login() -> str:
    """The current OS login name; ``AccessDenied`` when the OS cannot tell."""
    try:
        name = getpass.getuser()
    except (OSError, KeyError, ImportError):
        name = ""
    if not name:
        raise AccessDenied("cannot determine the operating-system login name")
    return name
