"""Everything CallScope remembers between runs, in one QSettings store.

Organisation and application are both "CallScope"; the format is QSettings'
default format so tests can redirect the store with ``QSettings.setPath``.
Only file paths, layout and thresholds are stored: never capture content.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any

from PySide6.QtCore import QSettings

from callscope.gui.verdict import Thresholds

ORGANIZATION = "CallScope"
APPLICATION = "CallScope"
MAX_RECENT = 10


def app_settings() -> QSettings:
    """The user's CallScope settings (default format, user scope)."""
    return QSettings(
        QSettings.defaultFormat(), QSettings.Scope.UserScope, ORGANIZATION, APPLICATION
    )


def _str_list(value: Any) -> list[str]:
    """QSettings returns one string, a list or None for a stored list: normalise."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def load_thresholds() -> Thresholds:
    """The verdict thresholds the user set last, or the defaults."""
    s = app_settings()
    default = Thresholds()
    values: dict[str, float] = {}
    for f in fields(Thresholds):
        raw = s.value(f"thresholds/{f.name}", getattr(default, f.name))
        try:
            values[f.name] = float(str(raw))
        except (TypeError, ValueError):
            values[f.name] = getattr(default, f.name)
    limits = Thresholds(**values)
    return limits if limits.valid() else default


def save_thresholds(limits: Thresholds) -> None:
    """Remember the verdict thresholds."""
    s = app_settings()
    for name, value in asdict(limits).items():
        s.setValue(f"thresholds/{name}", float(value))


def recent_files() -> list[str]:
    """Captures opened recently, most recent first."""
    return _str_list(app_settings().value("recent_files"))


def add_recent_file(path: str) -> list[str]:
    """Put ``path`` first in the recent list (at most MAX_RECENT); return the list."""
    paths = [path, *(p for p in recent_files() if p != path)][:MAX_RECENT]
    app_settings().setValue("recent_files", paths)
    return paths


def clear_recent_files() -> None:
    """Forget the recent captures."""
    app_settings().setValue("recent_files", [])


def session_files() -> list[str]:
    """Captures that were open when CallScope last closed."""
    return _str_list(app_settings().value("session/open_captures"))


def save_session_files(paths: list[str]) -> None:
    """Remember the open captures (paths only) for the next start."""
    app_settings().setValue("session/open_captures", list(paths))


def load_state(key: str) -> Any:
    """A saved QByteArray state (window, splitter, header) or None."""
    return app_settings().value(f"state/{key}")


def save_state(key: str, state: Any) -> None:
    """Remember a QByteArray state under ``key``."""
    app_settings().setValue(f"state/{key}", state)


def load_choice(key: str, default: str) -> str:
    """A small remembered choice (e.g. the rate plot's unit)."""
    value = app_settings().value(f"choices/{key}", default)
    return str(value) if value is not None else default


def save_choice(key: str, value: str) -> None:
    """Remember a small choice."""
    app_settings().setValue(f"choices/{key}", value)
