"""The model library: trained runs and models under the user's data directory (never the program folder)."""

from __future__ import annotations

import datetime as _dt
import os
import re
import shutil
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


def copy_to_library(folder: str | Path) -> Path:
    """A byte-for-byte copy of an intact (sealed) model folder in the library, under a new name: the bundled
    model is part of the program and is never changed; its copy can be (e.g. given another operating point).
    Only the files the model is made of are copied (model.json, MODEL_CARD.md, each member's weights), each a
    regular file inside the folder: a link is never followed out of it, a FIFO never opened."""
    from .folders import META, atomic_folder, read_small_text
    from .modelio import CARD, MAX_CARD_BYTES, MAX_META_BYTES, WEIGHTS, checked_meta, member_list, read_weights
    from .tensorfile import TensorFileError, file_inside

    folder, meta = checked_meta(folder)
    for member in member_list(meta):
        read_weights(folder, member)  # bounded and checksummed before a byte is copied
    target = new_run_dir(f"{meta.get('name', folder.name)} copy")
    with atomic_folder(target) as tmp:
        for name, limit in ((META, MAX_META_BYTES), (CARD, MAX_CARD_BYTES)):
            src = folder / name
            if src.is_symlink():
                raise ModelFileError(f"{src}: a link; a model folder's files are copied only as plain files")
            if name == META or src.exists():
                (tmp / name).write_text(read_small_text(src, limit), encoding="utf-8")
        for rel in dict.fromkeys((m.get("weights") or {}).get("file", WEIGHTS) for m in member_list(meta)):
            try:
                src = file_inside(folder, rel)
            except TensorFileError as exc:
                raise ModelFileError(str(exc)) from None
            (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, tmp / rel)  # the checksum is verified on the copy (set_threshold, loading)
    return target


def change_threshold(folder: str | Path, threshold: float, note: str, copy: bool) -> tuple[Path, dict]:
    """Give a model a new operating point (core.store.modelio.set_threshold: re-sealed, who/when/why recorded),
    in a library copy when ``copy`` (the bundled model); returns the folder changed and its new model.json."""
    from .modelio import set_threshold

    target = copy_to_library(folder) if copy else Path(folder)
    try:
        return target, set_threshold(target, threshold, note)
    except BaseException:
        if copy:  # no half-made copy left in the library
            shutil.rmtree(target, ignore_errors=True)
        raise
