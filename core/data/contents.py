"""Which photographs a model learnt from, by content: the first 16 hex digits of the SHA-256 of each file's bytes,
recorded in model.json (``trained_on``, under the seal). Evaluating a model on images it was trained on measures
how well it fits them, not how it does on new patients; comparing contents notices that whatever the files are
called or wherever they lie. (A re-encoded or resized copy has other bytes and is not noticed.)"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

DIGEST_HEX = 16  # 64 bits: no chance collision among a data set's images, a tenth of the size of a full hash
HASH = "sha256 of the file's bytes, first 16 hex digits"


def content_digest(path: str | Path) -> str | None:
    """The file's digest; None when it is no image file PM Screen reads (not a regular file, over the size limit,
    unreadable: core.images.imageio.read_bytes, which never opens a FIFO or device; empty)."""
    from ..images.imageio import ImageError, read_bytes

    try:
        return bytes_digest(read_bytes(path))
    except (ImageError, OSError):
        return None


def bytes_digest(data: bytes) -> str | None:
    """The digest of a file's bytes already read (None for an empty file: no image at all)."""
    return hashlib.sha256(data).hexdigest()[:DIGEST_HEX] if data else None


def trained_on(paths: Iterable[str | Path]) -> dict:
    """The ``trained_on`` record of model.json for the training images ``paths`` (sorted; unreadable ones left
    out: they were not learnt from)."""
    return as_record(d for d in map(content_digest, paths) if d)


def as_record(digests: Iterable[str]) -> dict:
    """The ``trained_on`` record of these digests."""
    return {"hash": HASH, "images": sorted(set(digests))}


def recorded(meta: dict) -> set[str] | None:
    """The digests a model.json's ``trained_on`` holds; None when it records none (a model made before PM Screen
    recorded them, or by another tool)."""
    record = meta.get("trained_on")
    if not isinstance(record, dict) or record.get("hash") != HASH or not isinstance(record.get("images"), list):
        return None
    return {d for d in record["images"] if isinstance(d, str)}


def digests(paths: Iterable[str | Path]) -> list[str | None]:
    """Each path's digest (None for a file that cannot be read), in order; each file read once."""
    return [content_digest(p) for p in paths]


def identical_copies(digest_list: list[str | None]) -> list[list[int]]:
    """Groups (indexes into ``digest_list``, in order) of two or more files with the same bytes. PALM itself has
    three such pairs under different names: counted twice by an evaluation, or split over two folds of a
    cross-validation, a copy measures recall, not generalisation."""
    groups: dict[str, list[int]] = {}
    for i, d in enumerate(digest_list):
        if d is not None:
            groups.setdefault(d, []).append(i)
    return [g for g in groups.values() if len(g) > 1]


def same_as(files: list) -> str:
    """'a.jpg = b.jpg' for a group of identical files, at most three names (a group can have thousands)."""
    from ..images.textsafe import shown

    names = " = ".join(shown(Path(f).name) for f in files[:3])
    return names + (f" and {len(files) - 3} more" if len(files) > 3 else "")


def differently_labelled(files: list, label_of: dict, class_names) -> str:
    """The warning for a group of identical files whose labels differ (the same photograph cannot be both)."""
    from ..images.textsafe import shown

    named = ", ".join(f"{shown(Path(f).name)} {class_names[label_of[f]]}" for f in files[:4])
    more = f" and {len(files) - 4} more" if len(files) > 4 else ""
    return f"identical images with different labels: {named}{more}; one of the labels is wrong"


def seen_in_training(meta: dict, paths: Iterable[str | Path], digest_list: list[str | None] | None = None
                     ) -> list[Path] | None:
    """The ``paths`` whose contents the model was trained on; None when its model.json records no training
    images. ``digest_list``: the paths' digests when the caller has them already."""
    known = recorded(meta)
    if known is None:
        return None
    paths = [Path(p) for p in paths]
    found = digests(paths) if digest_list is None else digest_list
    return [p for p, d in zip(paths, found) if d in known]
