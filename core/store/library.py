"""The model library: trained runs and models under the user's data directory (never the program folder)."""

from __future__ import annotations

import datetime as _dt
import os
import re
from dataclasses import dataclass
from pathlib import Path

from .modelio import ModelFileError, read_meta


def data_dir() -> Path:
    """Per-user data folder (PMSCREEN_DATA_DIR overrides it, e.g. for tests)."""
    override = os.environ.get("PMSCREEN_DATA_DIR")
    if override:
        return Path(override)
    from platformdirs import user_data_dir

    return Path(user_data_dir("PMScreen", "PMScreen"))


def library_dir() -> Path:
    path = data_dir() / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path


def new_run_dir(name: str) -> Path:
    """A fresh, unique folder name in the library for a run called ``name``."""
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    base = f"{stamp}-{re.sub(r'[^A-Za-z0-9_.-]+', '-', name).strip('-')}"
    path, n = library_dir() / base, 1
    while path.exists():
        n += 1
        path = library_dir() / f"{base}-{n}"
    return path


@dataclass(frozen=True)
class LibraryEntry:
    path: Path
    meta: dict
    bundled: bool = False

    @property
    def name(self) -> str:
        return self.meta.get("name", self.path.name)


def list_models(include_bundled: bool = True) -> list[LibraryEntry]:
    """Bundled models first, then the library's models newest first; unreadable folders are left out."""
    from .bundled import resources_dir

    entries: list[LibraryEntry] = []
    sources = [(resources_dir() / "models", True)] if include_bundled else []
    sources.append((library_dir(), False))
    for folder, bundled in sources:
        if not folder.is_dir():
            continue
        found = []
        for d in folder.iterdir():
            if d.is_dir() and not d.name.startswith("."):
                try:
                    found.append(LibraryEntry(d, read_meta(d), bundled))
                except ModelFileError:
                    continue
        entries += sorted(found, key=lambda e: e.meta.get("created", ""), reverse=not bundled)
    return entries
