"""The files of a cross-validation (their names, reading them, ``CVError``), and the checks ``finalize --from-cv``,
a continued or reused plan (``--same-folds-as``) and the study tools rely on: cv.json (the plan) and oof.json
(the out-of-fold scores), checked field by field first. Both are plain JSON that anyone can edit; a wrong type,
a missing key, a label that is no class or that differs from the rest of its finer class (a flipped label), a
fold outside the plan, or an oof.json that no longer fits its cv.json is a CVError naming the file and the
problem in one line, not a traceback or a silently different operating point.

A label's finer class (``tag``: P, H or N by a PALM file name, the label of a PALM validation image, a class
folder's name) has one label throughout a plan written by PM Screen, and oof.json repeats every image's file,
fold and label in the plan's order: a label changed by hand shows in one of the two.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from ..store.folders import SmallFileError, read_small_text

PLAN, OOF = "cv.json", "oof.json"
POOLS = ("all", "train", "val")  # which labelled images take part: both splits pooled, or one of them
MAX_PLAN_BYTES = 64 << 20  # cv.json / oof.json: about 150 bytes an image


class CVError(ValueError):
    pass


def _read(path: Path, what: str) -> dict:
    """A JSON object of a CV folder, or a one-line CVError naming the file (damaged or edited by hand)."""
    try:
        value = json.loads(read_small_text(path, MAX_PLAN_BYTES))
    except SmallFileError as exc:
        raise CVError(f"{exc} (the {what})") from None
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise CVError(f"{path}: unreadable {what} ({type(exc).__name__})") from None
    if not isinstance(value, dict):
        raise CVError(f"{path}: not a {what} (a JSON object was expected)")
    return value


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:59] + "…"


def read_plan(cv_dir: Path, classes: int = 2) -> dict:
    """cv.json of ``cv_dir``, checked (see the module's docstring) for a model of ``classes`` classes."""
    path = cv_dir / PLAN
    plan = _read(path, "cross-validation plan")

    def bad(what: str):
        raise CVError(f"{path}: {what}; not a usable cross-validation plan")

    k = plan.get("folds")
    if not _whole(k) or k < 2:
        bad(f"folds must be a whole number of at least 2, got {_shown(k)}")
    if plan.get("pool") not in POOLS:
        bad(f"pool must be one of {', '.join(POOLS)}, got {_shown(plan.get('pool'))}")
    if not _whole(plan.get("seed")):
        bad(f"seed must be a whole number, got {_shown(plan.get('seed'))}")
    if not isinstance(plan.get("config"), dict):
        bad("config must be an object (the training recipe)")
    epochs = plan["config"].get("epochs")
    if not _whole(epochs) or epochs < 1:
        bad(f"config.epochs must be a whole number of at least 1, got {_shown(epochs)}")
    samples = plan.get("samples")
    if not isinstance(samples, list) or not samples:
        bad("samples must be a list of the images and their folds")
    if k > len(samples):
        bad(f"{k} folds for {len(samples)} images")
    _check_samples(samples, k, classes, bad)
    return plan


def _check_samples(samples: list, k: int, classes: int, bad) -> None:
    names, first_of_tag = set(), {}
    for n, s in enumerate(samples, 1):
        where = f"samples[{n}]"
        if not isinstance(s, dict):
            bad(f"{where} must be an object with file, label, tag and fold")
        file, label, fold, tag = s.get("file"), s.get("label"), s.get("fold"), s.get("tag", "")
        if not isinstance(file, str) or not file:
            bad(f"{where}.file must be a file name, got {_shown(file)}")
        if not _whole(label) or not 0 <= label < classes:
            bad(f"{where}: the label of {Path(file).name} must be a class from 0 to {classes - 1}, got "
                f"{_shown(label)}")
        if not _whole(fold) or not 0 <= fold < k:
            bad(f"{where}: the fold of {Path(file).name} must be from 0 to {k - 1}, got {_shown(fold)}")
        if not isinstance(tag, str):
            bad(f"{where}.tag must be text, got {_shown(tag)}")
        if Path(file).name in names:  # the trainer reports held-out images by file name
            bad(f"{where}: {Path(file).name} is listed twice")
        names.add(Path(file).name)
        if tag:
            m = first_of_tag.setdefault(tag, n)
            if samples[m - 1]["label"] != label:
                bad(f"{where}: {Path(file).name} ({tag}) is labelled {label} but {Path(samples[m - 1]['file']).name} "
                    f"({tag}, samples[{m}]) {samples[m - 1]['label']}: a label was changed")
    empty = sorted(set(range(k)) - {s["fold"] for s in samples})
    if empty:
        bad(f"fold {empty[0] + 1} of {k} holds no images")
    missing = sorted(set(range(classes)) - {s["label"] for s in samples})
    if missing:
        bad(f"no image is labelled {missing[0]}")


def is_probability(p) -> bool:
    return isinstance(p, (int, float)) and not isinstance(p, bool) and math.isfinite(p) and 0 <= p <= 1


def held_out_names(plan: dict, fold: int) -> set[str]:
    """The file names ``plan`` holds out in ``fold`` (0-based)."""
    return {Path(s["file"]).name for s in plan["samples"] if s["fold"] == fold}


def read_held_out(path: Path, held_out: set[str]) -> dict[str, float]:
    """file name -> probability of a fold's validation.json, checked (a CVError naming the file) against
    ``held_out``, the names its plan holds out in that fold: the record may leave out an image that could not be
    read, but lists no other image and none twice (another fold's or run's record would pass as this fold's)."""
    val = _read(path, "fold's validation record")
    files, probs = val.get("files"), val.get("probabilities")
    if not (isinstance(files, list) and isinstance(probs, list) and len(files) == len(probs)
            and all(isinstance(f, str) for f in files) and all(p is None or is_probability(p) for p in probs)):
        raise CVError(f"{path}: must list the held-out files and a probability from 0 to 1 for each")
    seen: set[str] = set()
    for f in files:
        if f in seen:
            raise CVError(f"{path}: lists {_shown(f)} twice")
        if f not in held_out:
            raise CVError(f"{path}: lists {_shown(f)}, which {PLAN} does not hold out in this fold: the record "
                          f"belongs to another fold or cross-validation")
        seen.add(f)
    return {f: p for f, p in zip(files, probs) if p is not None}


def read_oof(cv_dir: Path, plan: dict) -> dict[str, float | None]:
    """file -> out-of-fold probability (None: not scored) from oof.json of ``cv_dir``, which must list the files,
    folds and labels of ``plan`` in its order."""
    path = cv_dir / OOF
    rows = _read(path, "out-of-fold summary").get("oof")
    samples = plan["samples"]
    if not isinstance(rows, list) or len(rows) != len(samples):
        raise CVError(f"{path}: must list the {len(samples)} images of {PLAN} with their probabilities "
                      f"(\"oof\"); it was changed, or belongs to another cross-validation")
    out = {}
    for n, (row, s) in enumerate(zip(rows, samples), 1):
        if not isinstance(row, dict) or any(row.get(key) != s[key] for key in ("file", "fold", "label")):
            got = {key: row.get(key) for key in ("file", "fold", "label")} if isinstance(row, dict) else row
            raise CVError(f"{path}: oof[{n}] is {_shown(got)} but {PLAN} lists "
                          f"{_shown({key: s[key] for key in ('file', 'fold', 'label')})}: one of them was changed")
        p = row.get("probability")
        if p is not None and not is_probability(p):
            raise CVError(f"{path}: oof[{n}].probability must be a number from 0 to 1 or null, got {_shown(p)}")
        out[s["file"]] = p
    return out
