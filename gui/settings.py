"""Persistent user settings (QSettings): window geometry, last folders, last model, training settings.

With PMSCREEN_DATA_DIR set (tests, portable use) the settings live in an ini file there, so nothing leaks
into the user's real configuration.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings

ORGANIZATION = "PMScreen"
APPLICATION = "PMScreen"


def settings() -> QSettings:
    override = os.environ.get("PMSCREEN_DATA_DIR")
    if override:
        return QSettings(str(Path(override) / "settings.ini"), QSettings.Format.IniFormat)
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION)


def value(key: str, default, kind=None):
    """A typed setting: ``kind`` (default: the type of ``default``) converts what the ini file stores as text."""
    kind = kind or type(default)
    raw = settings().value(key, None)
    if raw is None or raw == "":
        return default
    try:
        if kind is bool:
            return raw if isinstance(raw, bool) else str(raw).lower() in ("1", "true", "yes")
        return kind(raw)
    except (TypeError, ValueError):
        return default


def set_value(key: str, val) -> None:
    settings().setValue(key, val)


def last_folder(kind: str) -> str:
    """The last folder used for ``kind`` (dataset, images, model, export), or the home folder."""
    folder = value(f"folders/{kind}", "", str)
    return folder if folder and Path(folder).is_dir() else str(Path.home())


def remember_folder(kind: str, path: str | Path) -> None:
    p = Path(path)
    set_value(f"folders/{kind}", str(p if p.is_dir() else p.parent))
