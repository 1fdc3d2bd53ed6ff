"""A screening model made from finished cross-validation runs: fold networks as the members of one model folder
(core.store.members), with an operating point fitted on out-of-fold (OOF) scores.

Protocol: every fold network is stored in the shipped precision, then re-scores its own held-out images through
the engine given by the caller (the command line passes the Paddle Inference engine that ``predict`` and
``evaluate`` run), so the OOF scores are those of the weights and the engine that ship. On those scores a
temperature is fitted (temperature scaling, all folds together), and the threshold is the highest cut keeping
OOF sensitivity at or above the target, placed halfway to the next lower score (never on a score). The model's
probability is the mean of its members' temperature-scaled probabilities.

From one run the members are its fold networks, and the OOF figures are those of single members, each on images
it never saw: that ensemble has no held-out images (each image helped train the other members), so the card says
so. From several runs of one recipe with different seeds (so different folds and initialisations) the model
takes one network of each, and every image's OOF score is the mean of one network of each run that never saw
it: the model's own rule on images none of its kind saw, so the temperature, the threshold and the figures are
the model's.

cv.json and oof.json are checked before anything is done (core.training.cvplan). An image the cross-validation
scored that cannot be read now is refused (the threshold would be fitted on an incomplete OOF set); one it could
not score either is left out, listed with its reason in model.json (``cross_validation.skipped``) and counted on
the card.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..data.contents import as_record, recorded, trained_on
from ..data.datasets import Sample
from ..data.loader import ImageCache
from ..stats.calibration import fit_operating_point, model_log_probs
from ..store.folders import SmallFileError, atomic_folder, check_folder_name, read_small_text
from ..store.members import load_members, write_members
from ..store.modelio import WEIGHTS, checked_meta, read_tensors
from .cv import MAX_PLAN_BYTES, OOF, CVError
from .cv import PLAN as PLAN_FILE
from .cvplan import read_oof, read_plan
from .finalize import (
    INTENDED_USE,
    LIMITATIONS,
    _data_limitation,
    _data_name,
    _metrics_line,
    model_card_markdown,
    recipe_text,
)

DTYPES = ("float16", "float32")
# the largest difference between an image's OOF probability as re-scored (shipped precision, inference engine)
# and as the cross-validation recorded it; float16 rounding and the engine gave 0.0043 on the real runs
MAX_DRIFT = 0.05
# settings that may differ between runs of one recipe: what each run is, not how it trains
_RUN_KEYS = {"seed", "device", "data", "labels"}


def finalize_from_cv(cv_dirs, out_dir: str | Path, engine_for: Callable, members: int | None = None,
                     name: str | None = None, min_sensitivity: float = 0.97, dtype: str = "float16") -> dict:
    """Write the model folder ``out_dir`` from finished CV runs: ``cv_dirs`` is one CV folder (its first
    ``members`` fold networks, all when None, become the members) or a list of several of the same recipe and
    images with different seeds (one network of each: its fold-1 network). Temperature and threshold are fitted on
    the OOF scores of every fold, each fold's network run by ``engine_for(network, member_entry)`` (a callable
    batch -> logits), stored in ``dtype``. Returns the model.json written."""
    dirs = [Path(cv_dirs)] if isinstance(cv_dirs, (str, Path)) else [Path(d) for d in cv_dirs]
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {DTYPES}, got {dtype!r}")
    _check_out(Path(out_dir), dirs)
    check_folder_name(out_dir)  # now, not after scoring every image
    runs = [finished_run(d) for d in dirs]
    k = runs[0]["plan"]["folds"]
    if len(runs) > 1:
        if members is not None:
            raise CVError("--members goes with one --from-cv: from several cross-validations the model takes one "
                          "network of each")
        _check_same_recipe(runs)
    count = k if members is None else members
    if not 1 <= count <= k:
        raise CVError(f"--members must be from 1 to the {k} folds of {dirs[0]}, got {count}")
    with tempfile.TemporaryDirectory(prefix="pmscreen-members-") as scratch:
        staged = stage_runs(runs, Path(scratch), dtype)
        scores = score_runs(runs, staged, engine_for)
        picks = [(folder, m, run) for (folder, metas), run in zip(staged, runs)
                 for m in (metas[:count] if len(runs) == 1 else metas[:1])]
        meta = _model_meta(runs, scores, count if len(runs) == 1 else len(runs), name, min_sensitivity, dtype)
        meta["trained_on"] = _members_trained_on(picks)
        # the same tensors, written again with the fitted fields in their training record
        states = [(read_tensors(folder / m["weights"]["file"]), _member_entry(m, run, len(runs)))
                  for folder, m, run in picks]
        first = runs[0]["folds"][0]
        shared = {k: first[k] for k in ("class_names", "positive_class", "preprocessing") if k in first}
        with atomic_folder(out_dir) as tmp:
            meta = write_members(tmp, states, {**shared, **meta}, dtype)
            (tmp / "MODEL_CARD.md").write_text(model_card_markdown(meta), encoding="utf-8")
    return meta


def _check_out(out_dir: Path, dirs: list[Path]) -> None:
    """The model folder is written by replacing ``out_dir`` whole: never a CV folder, one inside it, or one
    holding it (the CV's folds and out-of-fold scores would go)."""
    out = out_dir.resolve()
    for cv_dir in dirs:
        cv = cv_dir.resolve()
        if out == cv or cv in out.parents or out in cv.parents:
            raise CVError(f"--out {out_dir} would replace the cross-validation {cv_dir} or part of it: choose a "
                          "folder outside it")


def stage_runs(runs: list[dict], scratch: Path, dtype: str) -> list[tuple[Path, list[dict]]]:
    """Each run's fold networks as the members of one model folder under ``scratch``, stored in ``dtype`` (what
    ships is what gets scored): (folder, its members' entries) per run."""
    return [_stage(scratch / f"run-{i}", run["dir"], run["folds"], dtype) for i, run in enumerate(runs)]


def score_runs(runs: list[dict], staged: list[tuple[Path, list[dict]]], engine_for: Callable,
               max_drift: float = MAX_DRIFT) -> dict:
    """Every image's OOF logits, from each run's network of the fold that held the image out, run by
    ``engine_for(network, member_entry)``; combined as ``_combined`` says (R x N x K for several runs)."""
    positive = int(runs[0]["folds"][0].get("positive_class", 1))
    scored = []
    for (folder, _), run in zip(staged, runs):
        nets, _ = load_members(folder)
        caches, skipped = _held_out_images(run["dir"], run["plan"], run["oof"])
        scored.append({**_oof_scores(caches, nets, engine_for, positive), "skipped": skipped})
    return _combined(scored, runs, max_drift)


def finished_run(cv_dir: Path) -> dict:
    """A finished CV folder's checked plan, OOF probabilities and fold networks' model.json, each fold checked
    against the plan (the recipe it was trained with, the images it held out)."""
    plan = read_plan(cv_dir)
    if not (cv_dir / OOF).is_file():
        raise CVError(f"{cv_dir}: the cross-validation is not finished (no {OOF}); run pmscreen cv again on it")
    oof = read_oof(cv_dir, plan)
    folds = [_fold_meta(cv_dir, f) for f in range(1, plan["folds"] + 1)]
    for fold, meta in enumerate(folds, 1):
        _check_fold(cv_dir, plan, oof, fold, meta)
    return {"dir": cv_dir.resolve(), "given": cv_dir, "plan": plan, "oof": oof, "folds": folds}


def _check_fold(cv_dir: Path, plan: dict, oof: dict, fold: int, meta: dict) -> None:
    """A fold network is the plan's: trained with the plan's recipe and seed, holding out the plan's images of its
    fold (its validation.json lists every one the CV scored, and no other). Another fold's or another run's
    network put in its place would score images it was trained on, and the out-of-fold figures would be false."""
    folder = cv_dir / f"fold-{fold}"
    trained = meta.get("training") if isinstance(meta.get("training"), dict) else {}
    differ = _differences(plan["config"], trained, ignored=_RUN_KEYS - {"seed"})
    if differ:
        raise CVError(f"{folder}: not this cross-validation's network (its {', '.join(differ[:4])} differ from "
                      f"{PLAN_FILE}): re-run pmscreen cv on {cv_dir}")
    held_out = [s["file"] for s in plan["samples"] if s["fold"] == fold - 1]
    scored = {Path(f).name for f in held_out if oof.get(f) is not None}
    try:
        shown = json.loads(read_small_text(folder / "validation.json", MAX_PLAN_BYTES)).get("files")
    except (SmallFileError, OSError, UnicodeDecodeError, ValueError, RecursionError, AttributeError):
        shown = None
    if not isinstance(shown, list) or not scored <= set(map(str, shown)) <= {Path(f).name for f in held_out}:
        raise CVError(f"{folder}: its held-out images (validation.json) are not fold {fold}'s of {PLAN_FILE}: "
                      f"not this cross-validation's network; re-run pmscreen cv on {cv_dir}")


def _check_same_recipe(runs: list[dict]) -> None:
    """Runs averaged into one model must be of one recipe over the same labelled images, with different seeds
    (the same seed repeats the same folds and networks: nothing to average)."""
    first = runs[0]
    folders = [r["dir"] for r in runs]
    twice = next((r["given"] for n, r in enumerate(runs) if r["dir"] in folders[:n]), None)
    if twice is not None:
        raise CVError(f"{twice}: the same cross-validation given twice: give runs of different seeds")
    images = {(str(Path(s["file"])), s["label"]) for s in first["plan"]["samples"]}
    seeds = [r["plan"]["seed"] for r in runs]
    for run in runs[1:]:
        a, b = first["plan"]["config"], run["plan"]["config"]
        differ = _differences(a, b, ignored=_RUN_KEYS)
        if differ or run["plan"]["folds"] != first["plan"]["folds"]:
            raise CVError(f"{first['given']} and {run['given']} are not runs of one recipe (they differ in "
                          f"{', '.join(differ) or 'folds'}): their networks cannot be averaged as one model")
        if {(str(Path(s["file"])), s["label"]) for s in run["plan"]["samples"]} != images:
            raise CVError(f"{first['given']} and {run['given']} are not over the same labelled images")
    if len(set(seeds)) < len(seeds):
        raise CVError(f"the cross-validations share a seed ({', '.join(map(str, seeds))}): runs of one seed "
                      "repeat the same folds and networks; run pmscreen cv again with another --seed")
    weights = [m["weights"]["sha256"] for r in runs for m in r["folds"]]
    if len(set(weights)) < len(weights):
        raise CVError(f"{', '.join(str(r['given']) for r in runs)}: the same fold network appears twice (equal "
                      "weights): these are not separate runs")


def _differences(a: dict, b: dict, ignored: set) -> list[str]:
    """The recipe settings two configurations disagree on, ``ignored`` aside."""
    return sorted(k for k in set(a) | set(b) if k not in ignored and a.get(k) != b.get(k))


def _members_trained_on(picks: list) -> dict:
    """The images the members learnt, by content: each fold network's own sealed record, made as it trained (an
    image changed since cannot drop out of it); for a fold trained before PM Screen recorded them, the plan's
    images outside its fold, hashed now."""
    digests: set[str] = set()
    for _, entry, run in picks:
        fold = int(entry["name"].removeprefix("fold-"))  # named by _stage
        own = recorded(run["folds"][fold - 1])
        if own is None:
            own = set(trained_on(s["file"] for s in run["plan"]["samples"] if s["fold"] != fold - 1)["images"])
        digests |= own
    return as_record(digests)


def _member_entry(staged_entry: dict, run: dict, runs: int) -> dict:
    entry = {k: v for k, v in staged_entry.items() if k != "weights"}
    if runs > 1:  # one network of each run: named by its run's seed
        seed = run["plan"]["seed"]
        entry["name"] = f"seed-{seed}-{staged_entry['name']}"
        entry["source"] = {**entry["source"], "folder": f"{run['given'].name}/{staged_entry['name']}"}
    return entry


def _combined(scored: list[dict], runs: list[dict], max_drift: float = MAX_DRIFT) -> dict:
    """The runs' OOF logits on the images every run scored, stacked R x N x K (N x K for one run), with labels,
    files, the images left out, and the largest difference from the probabilities the runs recorded (a CVError
    beyond ``max_drift``)."""
    rows = [{f: i for i, f in enumerate(s["files"])} for s in scored]
    files = [f for f in scored[0]["files"] if all(f in row for row in rows[1:])]
    logits = np.stack([s["logits"][[row[f] for f in files]] for s, row in zip(scored, rows)])
    classes = scored[0]["classes"][[rows[0][f] for f in files]]
    positive = scored[0]["positive"]
    drift = float("nan")
    for s, run in zip(scored, runs):
        unscored = [f for f in s["files"] if run["oof"].get(f, 0.0) is None]
        if unscored:  # it could not be read when the cross-validation ran, and can now: not the same file
            raise CVError(f"{unscored[0]}: {run['given']} recorded no probability for it (unreadable then), but it "
                          f"reads now ({len(unscored)} such image(s)): the image changed since the cross-validation "
                          "ran; run the cross-validation again")
        raw = np.exp(model_log_probs(s["logits"]))[:, positive]
        seen = [(abs(p - run["oof"][f]), f) for f, p in zip(s["files"], raw) if run["oof"].get(f) is not None]
        worst, where = max(seen, default=(float("nan"), ""))
        if worst > max_drift:
            raise CVError(f"{where}: scored {worst:.3f} away from the probability {run['given']} recorded for it "
                          f"(at most {max_drift} from float16 rounding and the engine): the image or the fold "
                          "network changed since the cross-validation ran")
        drift = max([d for d in (drift, worst) if d == d], default=float("nan"))
    skipped = sorted({line for s in scored for line in s["skipped"]})
    return {"logits": logits[0] if len(scored) == 1 else logits, "classes": classes, "files": files,
            "positive": positive, "skipped": skipped, "drift": drift}


def _fold_meta(cv_dir: Path, fold: int) -> dict:
    """The fold's model.json, range-checked and its seal checked (core.store.modelio.checked_meta)."""
    folder, meta = checked_meta(cv_dir / f"fold-{fold}")
    if not os.path.lexists(folder / meta.get("weights", {}).get("file", WEIGHTS)):  # anything else: load_model says
        raise CVError(f"{folder}: no weights: the fold has not finished")
    return meta


def _stage(folder: Path, cv_dir: Path, folds: list[dict], dtype: str) -> tuple[Path, list[dict]]:
    """Every fold network as a member of one model folder in ``folder``, weights rounded to ``dtype`` (the
    scores below are of the weights that ship): the folder and its members' entries."""
    from ..store.modelio import load_model, state_to_numpy

    states = []
    for fold, meta in enumerate(folds, 1):
        model, _ = load_model(cv_dir / f"fold-{fold}")  # checks the fold's seal and weights
        states.append((state_to_numpy(model.state_dict()),
                       {"name": f"fold-{fold}", "architecture": meta["architecture"],
                        "source": {"folder": f"fold-{fold}", "sha256": meta["weights"]["sha256"]}}))
    first = folds[0]
    meta = write_members(folder, states, {k: first[k] for k in ("class_names", "positive_class", "preprocessing")
                                          if k in first}, dtype)
    return folder, meta["members"]


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


def _model_meta(runs: list[dict], scores: dict, count: int, name, min_sensitivity: float, dtype: str) -> dict:
    fit = fit_operating_point(scores["logits"], scores["classes"], scores["positive"], min_sensitivity)
    y, temperature, threshold = fit["y"], fit["temperature"], fit["threshold"]
    metrics, intervals = fit["metrics"], fit["intervals"]
    plan, first = runs[0]["plan"], runs[0]["folds"][0]
    config, k, several = plan["config"], plan["folds"], len(runs) > 1
    seeds = [r["plan"]["seed"] for r in runs]
    data = {"root": config.get("data"), "n_train": len(y)}
    left_out = len(scores["skipped"])
    pool = _POOLS.get(plan["pool"], plan["pool"])
    trained_on = round(len(y) * (k - 1) / k)
    eg = " (e.g. PALM-Validation400)" if plan["pool"] in ("all", "val") else ""  # a training-only CV never saw them
    if several:
        done = (f"{len(runs)} runs of {k}-fold stratified cross-validation (seeds {_listed(seeds)}: different "
                f"folds and initialisations)")
        scoring = ("every image scored by one network of each run, none of which saw it, and their probabilities "
                   "averaged as the model averages its members (out-of-fold, OOF)")
        members = (f"{count} networks, one of each run (its fold-1 network, trained on about {trained_on} "
                   f"images); the model's probability is the mean of the members' probabilities, each at "
                   f"temperature {temperature:.3f}")
        whose = (f"; these are figures of the model's own rule, the mean of {count} networks none of which saw the "
                 "image")
        limitations = [_data_limitation(data), _SEEN.format(n=len(y), eg=eg)] + LIMITATIONS[1:]
    elif count == 1:
        # The model is one of the networks the OOF figures pool: they estimate it, not a mean it never had.
        done = f"{k}-fold stratified cross-validation (seed {seeds[0]})"
        scoring = "every image scored once, by the network that never saw it (out-of-fold, OOF)"
        members = (f"One network, fold 1's of the {k} fold networks (trained on about {trained_on} images); its "
                   f"probability is taken at temperature {temperature:.3f}")
        whose = (f"; the model is one of the {k} networks these figures pool, trained alike, so they estimate how "
                 "it does on images it has not seen")
        limitations = [_data_limitation(data), _SINGLE_LIMITATION.format(k=k),
                       _SEEN_BY_ONE.format(n=len(y), m=trained_on, eg=eg)] + LIMITATIONS[1:]
    else:
        done = f"{k}-fold stratified cross-validation (seed {seeds[0]})"
        scoring = "every image scored once, by the network that never saw it (out-of-fold, OOF)"
        members = (f"{count} of the {k} fold networks ({', '.join(f'fold-{i}' for i in range(1, count + 1))}); "
                   f"the model's probability is the mean of the members' probabilities, each at temperature "
                   f"{temperature:.3f}")
        whose = ("; these are figures of single members, each on the images it never saw; the model is the mean of "
                 f"{count} such members, whose own figures on unseen images are not measured here")
        limitations = [_data_limitation(data), _ENSEMBLE_LIMITATION.format(count=count),
                       _SEEN.format(n=len(y), eg=eg)] + LIMITATIONS[1:]
    protocol = (f"{done} over {len(y)} labelled images of the {_data_name(data)} data set ({pool}"
                + (f"; {left_out} more left out, unreadable as in the cross-validation" if left_out else "")
                + f"): each fold's network trained on the other {_folds(k - 1)} and kept at its last epoch (nothing "
                f"chosen on held-out images); {scoring}, with the shipped {dtype} weights through the inference "
                "engine that ships")
    card = {
        "intended_use": INTENDED_USE,
        "protocol": protocol,
        "training_data": f"{len(y)} images of the {_data_name(data)} data set ({pool}); "
                         + ("the network" if count == 1 else "each member") + f" trained on about {trained_on} of them",
        "members": members,
        "recipe": recipe_text({**config, "seed": _listed(seeds)}),
        "metrics_title": "Expected performance (out-of-fold)",
        "metrics": _metrics_line(metrics, intervals, "out-of-fold images") + whose,
        "limitations": limitations,
    }
    record = {"folder": [str(r["dir"]) for r in runs] if several else str(runs[0]["dir"]),  # absolute
              "seed": seeds if several else seeds[0], "folds": k, "pool": plan["pool"],
              "images": len(plan["samples"]), "scored": len(y), "skipped": scores["skipped"],
              "engine_vs_training_max_abs_diff": scores["drift"]}
    return {
        "name": name or _default_name(config, count, len(runs), k),
        "variant": first.get("variant"),
        "temperature": temperature,
        "threshold": threshold,
        "threshold_rule": f"highest cut with out-of-fold sensitivity >= {min_sensitivity}, placed halfway to the "
                          "next lower out-of-fold score, after temperature scaling fitted on the out-of-fold "
                          "scores" + (" (of the members' mean)" if several else ""),
        "combine": ("the network's temperature-scaled probability" if count == 1 and not several
                    else "mean of the members' temperature-scaled probabilities"),
        "metrics": metrics,
        "metrics_at_0_5": fit["metrics_at_0_5"],
        "metrics_ci95": intervals,
        "calibration": {"method": "temperature scaling on the out-of-fold scores", "temperature": temperature,
                        "ece_before": fit["ece_before"],
                        "ece_after": fit["ece_after"], "ece_bins": 10},
        "training": config,
        "data": {"root": config.get("data"), "images": len(plan["samples"])},
        "cross_validation": record,
        "source_run": record["folder"] if not several else ", ".join(record["folder"]),
        "card": card,
    }


def _default_name(config: dict, count: int, runs: int, k: int) -> str:
    net = f"PM ResNet-{config.get('depth')}-{config.get('variant')}"
    if count == 1:
        return f"{net} (fold 1 of {k}-fold cross-validation)"
    return f"{net} × {count} " + (f"({runs} × {k}-fold cross-validation)" if runs > 1 else f"({k}-fold ensemble)")


def _folds(n: int) -> str:
    return "fold" if n == 1 else f"{n} folds"


def _listed(values: list) -> str:
    return ", ".join(map(str, values[:-1])) + (" and " if len(values) > 1 else "") + str(values[-1])


_POOLS = {"all": "training and validation images pooled", "train": "its training images",
          "val": "its validation images"}
_ENSEMBLE_LIMITATION = ("The expected performance is that of single members on images they never saw; the mean "
                        "of {count} members has no held-out images of its own, and its threshold was fitted on "
                        "single members' scores: check its sensitivity at this threshold on new images.")
_SINGLE_LIMITATION = ("The expected performance pools the {k} fold networks' scores, each on its own held-out images; "
                      "the model is one of them, and its threshold was fitted on the scores of all {k}: check its "
                      "sensitivity at this threshold on new images.")
_SEEN_BY_ONE = ("The network was trained on about {m} of these {n} images: evaluating the model on them{eg} "
                "measures mostly how well it fits them, not how it does on new patients; the "
                "out-of-fold figures above are the estimate for new patients.")
_SEEN = ("The members were trained on these {n} images between them: evaluating the model on any of them{eg} "
         "measures how well it fits them, not how it does on new patients; the out-of-fold "
         "figures above are the estimate for new patients.")
