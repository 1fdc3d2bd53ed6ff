"""A screening model made from a finished cross-validation run: its fold networks as the members of one model
folder (core.store.members), with an operating point fitted on out-of-fold (OOF) scores.

Protocol: every fold network is stored in the shipped precision, then re-scores its own held-out images through
the engine given by the caller (the command line passes the Paddle Inference engine that ``predict`` and
``evaluate`` run), so the OOF scores are those of the weights and the engine that ship. On those scores a
temperature is fitted (temperature scaling, all folds together), and the threshold is the highest cut keeping
OOF sensitivity at or above the target, placed halfway to the next lower score (never on a score). The model's
probability is the mean of its members' temperature-scaled probabilities.

The OOF figures are those of single members, each on images it never saw: the ensemble itself has no held-out
images (each image helped train the other members), so the card says so.

cv.json and oof.json are checked before anything is done (core.training.cvplan). An image the cross-validation
scored that cannot be read now is refused (the threshold would be fitted on an incomplete OOF set); one it could
not score either is left out, listed with its reason in model.json (``cross_validation.skipped``) and counted on
the card.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..data.datasets import Sample
from ..data.loader import ImageCache
from ..stats.calibration import fit_operating_point
from ..store.folders import atomic_folder
from ..store.members import load_members, write_members
from ..store.modelio import WEIGHTS, checked_meta, read_tensors
from .cv import OOF, CVError
from .cvplan import read_oof, read_plan
from .finalize import (
    INTENDED_USE,
    LIMITATIONS,
    _data_limitation,
    _data_name,
    _metrics_line,
    _recipe,
    model_card_markdown,
)

DTYPES = ("float16", "float32")


def finalize_from_cv(cv_dir: str | Path, out_dir: str | Path, engine_for: Callable, members: int | None = None,
                     name: str | None = None, min_sensitivity: float = 0.97, dtype: str = "float16") -> dict:
    """Write the model folder ``out_dir`` from the finished CV run ``cv_dir``: its first ``members`` fold
    networks (all when None) in ``dtype``, temperature and threshold fitted on the OOF scores of every fold,
    each fold's network run by ``engine_for(network, member_entry)`` (a callable batch -> logits). Returns the
    model.json written."""
    cv_dir = Path(cv_dir)
    plan = read_plan(cv_dir)
    k = plan["folds"]
    if not (cv_dir / OOF).is_file():
        raise CVError(f"{cv_dir}: the cross-validation is not finished (no {OOF}); run pmscreen cv again on it")
    count = k if members is None else members
    if not 1 <= count <= k:
        raise CVError(f"--members must be from 1 to the {k} folds of {cv_dir}, got {count}")
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {DTYPES}, got {dtype!r}")
    oof_cv = read_oof(cv_dir, plan)
    folds = [_fold_meta(cv_dir, f) for f in range(1, k + 1)]
    caches, skipped = _held_out_images(cv_dir, plan, oof_cv)
    with tempfile.TemporaryDirectory(prefix="pmscreen-members-") as scratch:
        staged = _stage(Path(scratch), cv_dir, folds, dtype)
        nets, staged_meta = load_members(staged)
        scores = {**_oof_scores(caches, nets, engine_for, int(folds[0].get("positive_class", 1))), "skipped": skipped}
        meta = _model_meta(cv_dir, plan, folds, scores, oof_cv, count, name, min_sensitivity, dtype)
        # the same tensors, written again with the fitted fields in their training record
        states = [(read_tensors(staged / m["weights"]["file"]), {k: v for k, v in m.items() if k != "weights"})
                  for m in staged_meta["members"][:count]]
        shared = {k: staged_meta[k] for k in ("class_names", "positive_class", "preprocessing") if k in staged_meta}
        with atomic_folder(out_dir) as tmp:
            meta = write_members(tmp, states, {**shared, **meta}, dtype)
            (tmp / "MODEL_CARD.md").write_text(model_card_markdown(meta), encoding="utf-8")
    return meta


def _fold_meta(cv_dir: Path, fold: int) -> dict:
    """The fold's model.json, range-checked and its seal checked (core.store.modelio.checked_meta)."""
    folder, meta = checked_meta(cv_dir / f"fold-{fold}")
    if not os.path.lexists(folder / meta.get("weights", {}).get("file", WEIGHTS)):  # anything else: load_model says
        raise CVError(f"{folder}: no weights: the fold has not finished")
    return meta


def _stage(folder: Path, cv_dir: Path, folds: list[dict], dtype: str) -> Path:
    """Every fold network as a member of one model folder in ``folder``, weights rounded to ``dtype`` (the
    scores below are of the weights that ship)."""
    from ..store.modelio import load_model, state_to_numpy

    states = []
    for fold, meta in enumerate(folds, 1):
        model, _ = load_model(cv_dir / f"fold-{fold}")  # checks the fold's seal and weights
        states.append((state_to_numpy(model.state_dict()),
                       {"name": f"fold-{fold}", "architecture": meta["architecture"],
                        "source": {"folder": f"fold-{fold}", "sha256": meta["weights"]["sha256"]}}))
    first = folds[0]
    write_members(folder, states, {k: first[k] for k in ("class_names", "positive_class", "preprocessing")
                                   if k in first}, dtype)
    return folder


def _held_out_images(cv_dir: Path, plan: dict, oof_cv: dict) -> tuple[list[ImageCache], list[str]]:
    """Each fold's held-out images, read, and the ones left out ("path: why"). An image that the cross-validation
    scored and that cannot be read now is a CVError: the operating point would be fitted on fewer images than
    the out-of-fold figures are of. Images the cross-validation could not score either are left out."""
    caches = []
    for fold in range(plan["folds"]):
        samples = [Sample(Path(s["file"]), s["label"], s.get("tag", "")) for s in plan["samples"] if s["fold"] == fold]
        caches.append(ImageCache(samples))
    scored = {str(Path(f)) for f, p in oof_cv.items() if p is not None}
    problems = [p for cache in caches for p in cache.problems]
    lost = [p for p in problems if str(Path(p.path)) in scored]
    if lost:
        shown = "; ".join(map(str, lost[:3])) + ("; …" if len(lost) > 3 else "")
        raise CVError(f"{len(lost)} of the {len(scored)} images scored out-of-fold in {cv_dir} cannot be read now "
                      f"({shown}): the operating point would be fitted on an incomplete out-of-fold set; run where "
                      f"the cross-validation ran, with every image in place")
    for fold, cache in enumerate(caches):
        if not len(cache):
            raise CVError(f"none of the held-out images of fold {fold + 1} of {cv_dir} can be read (e.g. "
                          f"{cache.problems[0]})")
    return caches, [str(p) for p in problems]


def _oof_scores(caches: list[ImageCache], nets: list, engine_for: Callable, positive: int) -> dict:
    """Logits of every CV image by the network of the fold that held it out, with labels and file names."""
    logits, classes, files = [], [], []
    for cache, (net, entry) in zip(caches, nets):
        forward = engine_for(net, entry)
        logits += [np.asarray(forward(x), np.float64) for x, _, _ in cache.batches(50)]
        classes += list(cache.labels)
        files += [str(s.path) for s in cache.samples]
    return {"logits": np.concatenate(logits), "classes": np.array(classes, np.int64), "files": files,
            "positive": positive}


def _model_meta(cv_dir, plan, folds, scores, oof_cv, count, name, min_sensitivity, dtype) -> dict:
    fit = fit_operating_point(scores["logits"], scores["classes"], scores["positive"], min_sensitivity)
    y, raw, temperature, threshold = fit["y"], fit["raw"], fit["temperature"], fit["threshold"]
    metrics, intervals = fit["metrics"], fit["intervals"]
    drift = max((abs(p - oof_cv[f]) for f, p in zip(scores["files"], raw) if oof_cv.get(f) is not None),
                default=float("nan"))
    config, k = plan["config"], plan["folds"]
    first = folds[0]
    data = {"root": config.get("data"), "n_train": len(y)}
    left_out = len(scores["skipped"])
    protocol = (f"{k}-fold stratified cross-validation (seed {plan['seed']}) over {len(y)} labelled images of the "
                f"{_data_name(data)} data set ({_POOLS.get(plan['pool'], plan['pool'])}"
                + (f"; {left_out} more left out, unreadable as in the cross-validation" if left_out else "")
                + "): each fold's network "
                f"trained on the other {k - 1} folds and kept at its last epoch (nothing chosen on held-out "
                f"images); every image scored once, by the network that never saw it (out-of-fold, OOF), with the "
                f"shipped {dtype} weights through the inference engine that ships")
    card = {
        "intended_use": INTENDED_USE,
        "protocol": protocol,
        "training_data": f"{len(y)} images of the {_data_name(data)} data set "
                         f"({_POOLS.get(plan['pool'], plan['pool'])}); each member trained on about "
                         f"{round(len(y) * (k - 1) / k)} of them",
        "members": f"{count} of the {k} fold networks ({', '.join(f'fold-{i}' for i in range(1, count + 1))}); "
                   f"the model's probability is the mean of the members' probabilities, each at temperature "
                   f"{temperature:.3f}",
        "recipe": _recipe(config),
        "metrics_title": "Expected performance (out-of-fold)",
        "metrics": _metrics_line(metrics, intervals, "out-of-fold images") + "; these are figures of single "
                   "members, each on the images it never saw; the model is the mean of "
                   f"{count} such members, whose own figures on unseen images are not measured here",
        "limitations": [_data_limitation(data), _ENSEMBLE_LIMITATION.format(count=count)] + LIMITATIONS[1:],
    }
    return {
        "name": name or f"PM ResNet-{config.get('depth')}-{config.get('variant')} × {count} ({k}-fold ensemble)",
        "variant": first.get("variant"),
        "temperature": temperature,
        "threshold": threshold,
        "threshold_rule": f"highest cut with out-of-fold sensitivity >= {min_sensitivity}, placed halfway to the "
                          "next lower out-of-fold score, after temperature scaling fitted on the out-of-fold "
                          "scores",
        "combine": "mean of the members' temperature-scaled probabilities",
        "metrics": metrics,
        "metrics_at_0_5": fit["metrics_at_0_5"],
        "metrics_ci95": intervals,
        "calibration": {"method": "temperature scaling on the out-of-fold scores", "temperature": temperature,
                        "ece_before": fit["ece_before"],
                        "ece_after": fit["ece_after"], "ece_bins": 10},
        "training": config,
        "data": {"root": config.get("data"), "images": len(plan["samples"])},
        "cross_validation": {"folder": str(cv_dir), "folds": k, "pool": plan["pool"], "seed": plan["seed"],
                             "images": len(plan["samples"]), "scored": len(y), "skipped": scores["skipped"],
                             "engine_vs_training_max_abs_diff": drift},
        "source_run": str(cv_dir),
        "card": card,
    }


_POOLS = {"all": "training and validation images pooled", "train": "its training images",
          "val": "its validation images"}
_ENSEMBLE_LIMITATION = ("The expected performance is that of single members on images they never saw; the mean "
                        "of {count} members has no held-out images of its own, and its threshold was fitted on "
                        "single members' scores: check its sensitivity at this threshold on new images.")
