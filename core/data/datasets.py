"""Finding labelled images on disk: the PALM layout, label files (xlsx/csv) and one-folder-per-class layouts.

Nothing here decodes pixels; problems (unknown prefixes, unlabelled images, label rows without a file) are
collected as ``Problem`` records instead of raised, so one bad file never stops a data set from opening.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..images.imageio import is_image_file, list_images
from .tables import TableError, read_rows

PALM_CLASSES = ("non-PM", "PM")
# File-name prefix of PALM training images: P = pathologic myopia, H = high myopia, N = normal.
PALM_PREFIX = {"P": 1, "H": 0, "N": 0}
LABEL_SUFFIXES = (".xlsx", ".csv")


class DatasetError(Exception):
    """A data set that cannot be used at all (the message names the path and the problem)."""


@dataclass(frozen=True)
class Sample:
    path: Path
    label: int
    tag: str  # the finer class the label came from: "P", "H", "N", or the class folder's name


@dataclass(frozen=True)
class Problem:
    path: str
    problem: str

    def __str__(self) -> str:
        return f"{self.path}: {self.problem}"


@dataclass
class Dataset:
    root: Path
    class_names: tuple[str, ...]
    train: list[Sample]
    val: list[Sample]
    layout: str
    val_source: str
    problems: list[Problem] = field(default_factory=list)

    def fingerprint(self) -> str:
        """A short hash of which files (name, size) carry which label in which split."""
        h = hashlib.sha256()
        for split, samples in (("train", self.train), ("val", self.val)):
            for s in sorted(samples, key=lambda s: s.path.name):
                size = s.path.stat().st_size if s.path.exists() else -1
                h.update(f"{split}\t{s.path.name}\t{size}\t{s.label}\n".encode())
        return h.hexdigest()[:16]

    def counts(self, split: str) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for s in getattr(self, split):
            out[s.tag] += 1
        return dict(sorted(out.items()))


def palm_label(name: str) -> tuple[int, str] | None:
    """(label, tag) from a PALM training file name's first letter, or None for an unknown prefix."""
    tag = name[:1].upper()
    return (PALM_PREFIX[tag], tag) if tag in PALM_PREFIX else None


# ---------------------------------------------------------------- label files

def _rows(path: Path) -> list[list]:
    try:
        return read_rows(path)
    except TableError as exc:
        raise DatasetError(str(exc)) from None


NAME_LIMIT = 255  # characters: no file name is longer, so a longer imgName is no image's


def _brief(value, limit: int = 60) -> str:
    """A cell for a message: its repr, cut before it is made (a 20 MB cell repeated in 2,000 rows of a 39 KB
    workbook filled the memory as messages)."""
    if isinstance(value, str) and len(value) > limit:
        return f"{value[:limit]!r}… ({len(value)} characters)"
    return repr(value)


def read_label_file(path: str | Path) -> tuple[dict[str, int], list[Problem]]:
    """Map image file name -> label (0 or 1) from an xlsx/csv with the header columns imgName and Label. Rows
    with another label (2, inf, text) and names listed twice with different labels become problems (the image is
    then left out), never exceptions."""
    path = Path(path)
    if not path.is_file():
        why = ("label file not found" if not path.exists() and not path.is_symlink() else
               "is a folder, not a label file" if path.is_dir() else f"not a label file ({_not_listed(path)})")
        raise DatasetError(f"{path}: {why}")
    if path.suffix.lower() not in LABEL_SUFFIXES:
        raise DatasetError(f"{path}: label file must be .xlsx or .csv")
    rows = [r for r in _rows(path) if any(c not in (None, "") for c in r)]
    if not rows:
        raise DatasetError(f"{path}: the first sheet of the workbook is empty (labels are read from the first sheet)"
                           if path.suffix.lower() == ".xlsx" else f"{path}: the label file is empty")
    header = [str(c).strip().lower() if c is not None else "" for c in rows[0]]
    missing = [c for c in ("imgName", "Label") if c.lower() not in header]
    if missing:
        raise DatasetError(f"{path}: no column named {' or '.join(missing)} in the header row "
                           f"[{', '.join(_brief(c) for c in rows[0][:20])}{', …' if len(rows[0]) > 20 else ''}]")
    i_name, i_label = header.index("imgname"), header.index("label")
    labels: dict[str, int] = {}
    first_row: dict[str, int] = {}
    conflicting: set[str] = set()
    problems: list[Problem] = []
    for n, row in enumerate(rows[1:], start=2):
        name = str(row[i_name]) if i_name < len(row) and row[i_name] is not None else ""
        if len(name) > NAME_LIMIT:  # checked before anything copies it
            problems.append(Problem(str(path), f"row {n}: imgName {_brief(name)} is longer than a file name can be"))
            continue
        name = name.strip()
        raw = row[i_label] if i_label < len(row) else None
        try:
            if isinstance(raw, str) and len(raw) > NAME_LIMIT:
                raise ValueError
            value = float(raw)
            if isinstance(raw, bool) or value not in (0.0, 1.0):
                raise ValueError
        except (TypeError, ValueError, OverflowError):
            problems.append(Problem(str(path), f"row {n}: label {_brief(raw)} of {name or '?'} is not 0 or 1"))
            continue
        if not name:
            problems.append(Problem(str(path), f"row {n}: empty imgName"))
            continue
        if "\0" in name:  # no file name holds one (os.stat refuses it: "embedded null byte")
            problems.append(Problem(str(path), f"row {n}: imgName {_brief(name)} holds a NUL character; not used"))
            continue
        if name in labels and labels[name] != int(value):
            problems.append(Problem(str(path), f"row {n}: {name} is labelled {int(value)} here and "
                                               f"{labels[name]} in row {first_row[name]}; not used"))
            conflicting.add(name)
            continue
        labels.setdefault(name, int(value))
        first_row.setdefault(name, n)
    for name in conflicting:
        del labels[name]
    return labels, problems


def find_label_file(root: Path) -> Path | None:
    """The first xlsx/csv under ``root`` (two levels deep) whose header has imgName and Label."""
    candidates = sorted(p for pat in ("*", "*/*") for p in root.glob(pat) if p.suffix.lower() in LABEL_SUFFIXES)
    for p in candidates:
        try:
            read_label_file(p)
            return p
        except DatasetError:
            continue
    return None


def labelled_folder(images: str | Path, labels: str | Path) -> tuple[list[Sample], list[Problem]]:
    """Images of a folder joined with a label file; unlabelled images and missing files become problems."""
    images, labels = Path(images), Path(labels)
    if not images.is_dir():
        raise DatasetError(f"{images}: image folder not found")
    table, problems = read_label_file(labels)
    files = {p.name: p for p in list_images(images)}
    samples = []
    for name, path in files.items():
        if name in table:
            samples.append(Sample(path, table[name], str(table[name])))
        else:
            problems.append(Problem(str(path), f"no label in {labels.name}"))
    for name in sorted(set(table) - set(files)):
        if Path(name).name != name or name in (".", ".."):  # "../x.jpg", "/abs/x.jpg": never looked for elsewhere
            problems.append(Problem(str(images), f"{labels.name} lists {name!r}, a path, not the name of a file in "
                                                 "this folder; not used"))
            continue
        problems.append(Problem(str(images / name), f"listed in {labels.name} but {_not_listed(images / name)}"))
    if not samples:
        raise DatasetError(f"{images}: no image in this folder has a label in {labels}")
    return samples, problems


def _not_listed(path: Path) -> str:
    """Why a labelled name is no image of the folder: it is missing, or something else than an image file."""
    from ..images.imageio import entry_problem

    try:
        return entry_problem(path) or "it is not an image file PM Screen reads"
    except (OSError, ValueError):  # ValueError: a name no file system takes (a NUL in it)
        return "a link to a missing file (or a loop of links)" if path.is_symlink() else "the file does not exist"


def _unusable_entries(folder: Path) -> list[Problem]:
    """Entries named like images that are no regular file (a folder named X.jpg, a FIFO, a link to a device or to
    nothing): never opened, but listed, so that training says what it leaves out as predict does."""
    return [Problem(str(p), _not_listed(p)) for p in sorted(folder.iterdir())
            if is_image_file(p) and not p.is_file()]


# ---------------------------------------------------------------- layouts

def _palm_folder(folder: Path) -> tuple[list[Sample], list[Problem]]:
    samples, problems = [], _unusable_entries(folder)
    for p in list_images(folder):
        got = palm_label(p.name)
        if got is None:
            problems.append(Problem(str(p), f"unknown file-name prefix {p.name[:1]!r} (expected P, H or N)"))
        else:
            samples.append(Sample(p, *got))
    return samples, problems


def _class_folders(folder: Path) -> list[Path]:
    return sorted(d for d in folder.iterdir() if d.is_dir() and not d.name.startswith(".") and list_images(d))


# Folder names that say which class holds the PM images (compared lower-case, letters and digits only). The label
# of a class folder is its place in (negative, positive): sorted by name, "PM" came before "normal" and "PM
# probability" meant P(normal).
PM_NAMES = {"pm", "p", "pathologicmyopia", "pathologicalmyopia", "pathologic", "pathological", "positive", "1"}
NON_PM_NAMES = {"nonpm", "notpm", "nopm", "non", "normal", "healthy", "control", "controls", "negative", "n", "h",
                "0", "other", "others", "highmyopia"}


def _key(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.lower())


def class_order(root: Path, names: list[str]) -> tuple[str, str]:
    """The two class folders as (non-PM, PM): the one named like PM (or the other of one named like non-PM) is
    PM; anything else is refused, naming what to rename."""
    listed = ", ".join(names)
    if len(names) != 2:
        raise DatasetError(f"{root}: {len(names)} class folders ({listed}); PM Screen learns PM against non-PM: "
                           "give two folders, one named PM and one non-PM")
    pm = [n for n in names if _key(n) in PM_NAMES]
    non = [n for n in names if _key(n) in NON_PM_NAMES]
    if len(pm) == 1 and pm[0] not in non:
        positive = pm[0]
    elif len(non) == 1 and not pm:
        positive = next(n for n in names if n != non[0])
    else:
        raise DatasetError(f"{root}: cannot tell which class folder holds the PM images ({listed}): name it PM "
                           "and the other non-PM")
    return next(n for n in names if n != positive), positive


def _folder_samples(folder: Path, class_names: tuple[str, ...]) -> list[Sample]:
    return [Sample(p, i, name) for i, name in enumerate(class_names) for p in list_images(folder / name)]


def _find_dir(root: Path, *words: str) -> Path | None:
    dirs = sorted(d for d in root.iterdir() if d.is_dir())
    return next((d for d in dirs if any(w in d.name.lower() for w in words) and list_images(d)), None)


def stratified_split(samples: list[Sample], fraction: float, seed: int) -> tuple[list[Sample], list[Sample]]:
    """Split into (keep, held_out) with ``fraction`` of every class held out, reproducibly."""
    rng = np.random.default_rng(seed)
    keep, held = [], []
    by_class: dict[int, list[Sample]] = defaultdict(list)
    for s in samples:
        by_class[s.label].append(s)
    for label in sorted(by_class):
        group = by_class[label]
        order = rng.permutation(len(group))
        n_held = min(len(group) - 1, max(1, round(len(group) * fraction))) if len(group) > 1 else 0
        held += [group[i] for i in order[:n_held]]
        keep += [group[i] for i in order[n_held:]]
    return keep, held


def stratified_subset(samples: list[Sample], n: int, seed: int = 0) -> list[Sample]:
    """``n`` samples keeping the class proportions (largest remainder), in the original order."""
    if n >= len(samples):
        return list(samples)
    rng = np.random.default_rng(seed)
    by_class: dict[int, list[int]] = defaultdict(list)
    for i, s in enumerate(samples):
        by_class[s.label].append(i)
    quota = {c: n * len(ix) / len(samples) for c, ix in by_class.items()}
    take = {c: int(q) for c, q in quota.items()}
    for c in sorted(quota, key=lambda c: quota[c] - take[c], reverse=True)[: n - sum(take.values())]:
        take[c] += 1
    chosen = [i for c, ix in by_class.items() for i in rng.permutation(ix)[: take[c]]]
    return [samples[i] for i in sorted(chosen)]


def open_dataset(
    root: str | Path, labels: str | Path | None = None, val_fraction: float = 0.2, seed: int = 0
) -> Dataset:
    """Open a PALM-style root, a prefix-labelled folder, or a one-folder-per-class layout.

    PALM: a ``*Training*`` folder (labels from file-name prefixes) and a ``*Validation*`` folder labelled by
    ``labels`` or by the first xlsx/csv found under ``root``. Without validation labels, a seeded stratified
    ``val_fraction`` of the training images is held out.
    """
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"{root}: folder not found")
    train_dir = _find_dir(root, "train")
    if train_dir is None and len(_class_folders(root)) < 2:  # class folders win over a stray picture beside them
        loose = list_images(root)
        prefixed = sum(palm_label(p.name) is not None for p in loose)
        if prefixed and 2 * prefixed < len(loose):  # "notes.jpg" among patients' photographs is no label
            raise DatasetError(f"{root}: only {prefixed} of its {len(loose)} images have a P, H or N file-name "
                               "prefix (expected a PALM folder, a prefix-labelled folder or one sub-folder per "
                               "class)")
        if prefixed:
            train_dir = root
    if train_dir is not None and any(palm_label(p.name) for p in list_images(train_dir)):
        return _open_palm(root, train_dir, labels, val_fraction, seed)
    return _open_class_folders(root, val_fraction, seed)


def _open_palm(root, train_dir, labels, val_fraction, seed) -> Dataset:
    train, problems = _palm_folder(train_dir)
    val_dir = _find_dir(root, "valid", "val") if train_dir != root else None
    label_file = Path(labels) if labels else (find_label_file(root) if val_dir else None)
    if val_dir and label_file:
        val, more = labelled_folder(val_dir, label_file)
        problems += more
        source = f"{val_dir.name} labelled by {label_file.name}"
    else:
        if val_dir:
            problems.append(Problem(str(val_dir), "no label file (imgName, Label) found; not used"))
        train, val = stratified_split(train, val_fraction, seed)
        source = f"stratified {val_fraction:.0%} of {train_dir.name} (seed {seed})"
    if not train:
        raise DatasetError(f"{train_dir}: no training images with a P, H or N prefix")
    return Dataset(root, PALM_CLASSES, train, val, "palm", source, problems)


def _open_class_folders(root: Path, val_fraction: float, seed: int) -> Dataset:
    train_dir, val_dir = _find_dir_with_classes(root, "train"), _find_dir_with_classes(root, "val")
    if train_dir and val_dir:
        names = class_order(train_dir, [d.name for d in _class_folders(train_dir)])
        val_names = {d.name for d in _class_folders(val_dir)}
        problems = [Problem(str(val_dir / n), "class folder not in the training folder; ignored")
                    for n in sorted(val_names - set(names))]
        problems += [q for d in (train_dir, val_dir) for n in names if (d / n).is_dir()
                     for q in _unusable_entries(d / n)]
        train = _folder_samples(train_dir, names)
        val = _folder_samples(val_dir, tuple(n for n in names if n in val_names))
        val = [Sample(s.path, names.index(s.tag), s.tag) for s in val]
        return Dataset(root, names, train, val, "folders", f"{val_dir.name}/", problems)
    classes = _class_folders(root)
    if len(classes) < 2:
        loose = [p for p in root.iterdir() if p.is_file() and is_image_file(p)]
        why = "images without a P/H/N prefix and no class folders" if loose else "no images found"
        raise DatasetError(f"{root}: {why} (expected a PALM folder or one sub-folder per class)")
    names = class_order(root, [d.name for d in classes])
    train, val = stratified_split(_folder_samples(root, names), val_fraction, seed)
    problems = [Problem(str(p), "outside the class folders (no label); not used") for p in list_images(root)]
    return Dataset(root, names, train, val, "folders", f"stratified {val_fraction:.0%} (seed {seed})",
                   problems + [q for d in classes for q in _unusable_entries(d)])


def _find_dir_with_classes(root: Path, word: str) -> Path | None:
    dirs = sorted(d for d in root.iterdir() if d.is_dir() and word in d.name.lower())
    return next((d for d in dirs if len(_class_folders(d)) >= 2), None)
