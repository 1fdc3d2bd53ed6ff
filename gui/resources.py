"""Icons and translation files shipped in resources/ (beside the program, or inside a PyInstaller bundle)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtGui import QIcon


def resources_dir() -> Path:
    from core.store.bundled import resources_dir as core_resources

    return core_resources()


@cache
def icon(name: str) -> QIcon:
    path = resources_dir() / "icons" / f"{name}.svg"
    return QIcon(str(path)) if path.is_file() else QIcon()


def translations_dir() -> Path:
    return resources_dir() / "translations"
