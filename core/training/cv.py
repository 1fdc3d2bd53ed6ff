"""K-fold cross-validation: every labelled image of a data set is scored once by a model that never saw it.

A CV run folder holds ``cv.json`` (the plan: recipe, folds, seed, which images and their fold), one trainer run
folder per fold (``fold-1`` ...; each resumable), and, once every fold is done, ``oof.json``: the out-of-fold
(OOF) probability of every image with the metrics and their bootstrap intervals.

No choice is made on a fold's held-out images: each fold keeps its *last* epoch (the recipe's fixed length),
so the OOF figures estimate how the recipe does on patients it has never seen. Two CV runs over the same images
and folds can be compared pairwise (``compare``).
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..data.contents import differently_labelled, digests, identical_copies, same_as
from ..data.datasets import Dataset, Sample, open_dataset
from ..images.textsafe import shown
from ..store.folders import writing_alone
from .cvplan import (  # noqa: F401 (some re-exported)
    MAX_PLAN_BYTES,
    OOF,
    PLAN,
    POOLS,
    CVError,
    _read,
    held_out_names,
    read_held_out,
    read_oof,
    read_plan,
)
from .events import CVFinished, Failed, FoldFinished, FoldStarted, Log

LAST = "last"  # the trainer's best_metric that keeps the last epoch


def pooled_samples(ds: Dataset, pool: str) -> list[Sample]:
    if pool not in POOLS:
        raise CVError(f"pool must be one of {', '.join(POOLS)}, got {pool!r}")
    samples = {"all": ds.train + ds.val, "train": ds.train, "val": ds.val}[pool]
    names = [s.path.name for s in samples]
    if len(set(names)) != len(names):  # the trainer reports held-out images by file name
        dup = sorted({n for n in names if names.count(n) > 1})
        raise CVError(f"{ds.root}: the same file name in several places ({', '.join(dup[:3])}); rename them first")
    return samples


def assign_folds(samples: list[Sample], k: int, seed: int, together: list[list[int]] = ()) -> list[int]:
    """Fold (0..k-1) of each sample: shuffled within each finer class (P, H, N, or class folder) and dealt out in
    turn, so every fold has the classes, and high myopia, in the proportions of the whole. Each group of
    ``together`` (identical copies) then joins the fold of its first member: a copy on the training side of its
    twin's fold would let the held-out score recall it."""
    if k < 2:
        raise CVError(f"cross-validation needs at least 2 folds, got {k}")
    by_tag: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(samples):
        by_tag[s.tag].append(i)
    smallest = min(sum(1 for s in samples if s.label == c) for c in {s.label for s in samples})
    if smallest < k:
        raise CVError(f"{k} folds need at least {k} images of every class (the smallest class has {smallest})")
    rng = np.random.default_rng(seed)
    folds = [0] * len(samples)
    turn = 0  # continue dealing where the previous class stopped: fold sizes differ by one at most
    for tag in sorted(by_tag):
        for i in rng.permutation(by_tag[tag]):
            folds[int(i)] = turn % k
            turn += 1
    for group in together:
        for i in group[1:]:
            folds[i] = folds[group[0]]
    if together:
        _check_grouped_folds(samples, folds, k, together)
    return folds


def untrainable_fold(samples: list[Sample], folds: list[int], k: int) -> tuple[int, str] | None:
    """The first fold (1-based) that cannot be trained and scored, and what it is "without": no held-out image,
    or no image of some class on its training side; None when every fold can be."""
    labels = {s.label for s in samples}
    for fold in range(k):
        held = [s for s, f in zip(samples, folds) if f == fold]
        if not held:
            return fold + 1, "without images"
        if {s.label for s, f in zip(samples, folds) if f != fold} != labels:
            return fold + 1, "without an image of every class to train on"
    return None


def _check_grouped_folds(samples: list[Sample], folds: list[int], k: int, together: list[list[int]]) -> None:
    """Copies kept together can leave a fold without images, or its training side without a class (a data set
    made mostly of one image's copies): refused while planning, before any training, naming the largest group."""
    bad = untrainable_fold(samples, folds, k)
    if bad is not None:
        big = max(together, key=len)
        raise CVError(f"{k} folds cannot be made: identical images must share a fold, and the {len(big)} copies of "
                      f"{shown(samples[big[0]].path.name)} ({len(together)} group(s) in all) leave fold {bad[0]} "
                      f"{bad[1]}; remove the copies or use fewer folds")


def identical_warnings(groups: list[list[str]], label_of: dict[str, int], class_names) -> list[str]:
    """What a CV says of the plan's groups of identical images: how many are kept together, and each group whose
    copies carry different labels (the same photograph cannot be both)."""
    if not groups:
        return []
    return [f"{len(groups)} group(s) of identical images (the same bytes under other names, e.g. "
            f"{same_as(groups[0])}): each group is kept in one fold (all are listed in cv.json, \"identical\")",
            *(differently_labelled(g, label_of, class_names) for g in groups if len({label_of[f] for f in g}) > 1)]


def _comparable(plan: dict) -> dict:
    """What must agree for a run to continue its plan: the images by file name, their labels and folds, the
    recipe, the copies kept together; not the folder the images are read from, which another machine (a study
    kept in the repository) or another spelling of the same folder changes."""
    p = json.loads(json.dumps(plan))
    p.pop("same_folds_as", None)
    if isinstance(p.get("config"), dict):
        for key in ("data", "labels"):
            p["config"].pop(key, None)
    try:
        p["samples"] = [{**s, "file": Path(s["file"]).name} for s in p["samples"]]
        if "identical" in p:
            p["identical"] = [[Path(f).name for f in group] for group in p["identical"]]
    except (KeyError, TypeError, AttributeError):  # a damaged plan: compared as it is, and so refused
        pass
    return p


def _check_continues(saved: dict, plan: dict, path: Path) -> None:
    """A CVError unless the folder's plan (``saved``) is the ``plan`` these settings and images make."""
    a, b = _comparable(saved), _comparable(plan)
    if a == b:
        return
    differs = sorted(key for key in set(a) | set(b) if a.get(key) != b.get(key))
    if "identical" in differs and set(differs) <= {"identical", "samples"}:
        raise CVError(f"{path}: the identical copies among the images are not those it lists (an image was "
                      "replaced, or the file edited): this cross-validation cannot be continued on these images; "
                      "choose a new --out")
    detail = ", ".join(differs)
    if differs == ["config"] and isinstance(a.get("config"), dict) and isinstance(b.get("config"), dict):
        keys = sorted(k for k in set(a["config"]) | set(b["config"]) if a["config"].get(k) != b["config"].get(k))
        detail = "; ".join(f"{k} {a['config'].get(k, 'absent')!r} there, {b['config'].get(k, 'absent')!r} asked"
                           for k in keys)  # hostile round: "config differ" named neither the file nor the key
    raise CVError(f"{path}: another cross-validation ({shown(detail)}): choose a new --out, or the same settings to "
                  "continue it")


def folds_of(reference: dict, samples: list[Sample], k: int, where: Path) -> list[int]:
    """Each sample's fold in another CV's plan (``reference``, from ``where``), matched by file name: a paired
    comparison needs every image held out in the same fold, whatever seed or planning rules made that plan. The
    same images with the same labels and the same number of folds, or a CVError naming the first difference."""
    if reference["folds"] != k:
        raise CVError(f"{where}: {reference['folds']} folds, not {k}: use --folds {reference['folds']}")
    theirs = {Path(r["file"]).name: r for r in reference["samples"]}
    ours = {s.path.name for s in samples}
    missing, extra = sorted(ours - set(theirs)), sorted(set(theirs) - ours)
    if missing or extra:
        first = f"{shown(missing[0])} is not in it" if missing else f"{shown(extra[0])} is not among these images"
        raise CVError(f"{where}: not a plan of these images ({len(missing)} missing, {len(extra)} more: {first})")
    for s in samples:
        if theirs[s.path.name]["label"] != s.label:
            raise CVError(f"{where}: {shown(s.path.name)} is labelled {theirs[s.path.name]['label']} there, "
                          f"{s.label} here")
    folds = [theirs[s.path.name]["fold"] for s in samples]
    bad = untrainable_fold(samples, folds, k)  # a plan edited by hand can leave such a fold
    if bad is not None:
        raise CVError(f"{where}: fold {bad[0]} is {bad[1]}; no cross-validation can be trained on these folds")
    return folds


def split_copies(samples: list[Sample], folds: list[int], together: list[list[int]] | None) -> list[str]:
    """A warning for each group of identical images that a reused plan puts in different folds: the held-out
    copy's score may recall its twin seen in training (plans made before copies were kept together)."""
    return [f"{same_as([str(samples[i].path) for i in group])}: identical images in different folds of the plan "
            f"reused (--same-folds-as), so the held-out one may be recalled rather than judged"
            for group in together or [] if len({folds[i] for i in group}) > 1]


def fold_dataset(ds: Dataset, samples: list[Sample], folds: list[int], fold: int, k: int) -> Dataset:
    return Dataset(root=ds.root, class_names=ds.class_names, layout=ds.layout,
                   train=[s for s, f in zip(samples, folds) if f != fold],
                   val=[s for s, f in zip(samples, folds) if f == fold],
                   val_source=f"fold {fold + 1} of {k} of {len(samples)} pooled images",
                   problems=ds.problems)  # each fold's run lists the files left out, as a training run does


def _plan(config, samples: list[Sample], folds: list[int], k: int, pool: str,
          together: list[list[int]] | None) -> dict:
    plan = {"folds": k, "pool": pool, "seed": config.seed, "config": config.to_dict(),
            "samples": [{"file": str(s.path), "label": s.label, "tag": s.tag, "fold": f}
                        for s, f in zip(samples, folds)]}
    if together is not None:  # absent from plans made before copies were kept together (resumed as they were made)
        plan["identical"] = [[str(samples[i].path) for i in group] for group in together]
    return plan


def _fold_state(folder: Path) -> dict:
    state = folder / "checkpoint" / "state.json"
    return _read(state, "training state") if state.is_file() else {}


def _check_fold_recipe(folder: Path, state: dict, config) -> None:
    """A CVError when a fold was trained (or begun) with another recipe than the plan's: a plan edited by hand to
    the settings asked for reused folds trained otherwise, and its summary claimed their recipe (hostile round)."""
    saved = state.get("config") if isinstance(state, dict) else None
    if not isinstance(saved, dict):
        return
    ours, theirs = dataclasses.asdict(config), dataclasses.asdict(type(config).from_dict(saved))  # + defaults
    free = ("data", "labels", "device", "epochs")  # where the images are read from, the device, more epochs
    differs = sorted(k for k in ours if k not in free and theirs[k] != ours[k])
    if differs:
        said = "; ".join(f"{k} {theirs[k]!r} there, {ours[k]!r} in the plan" for k in differs)
        raise CVError(f"{folder / 'checkpoint' / 'state.json'}: this fold was trained with another recipe than the "
                      f"cross-validation's ({shown(said)}): choose a new --out")


def _fold_done(state: dict, epochs: int) -> bool:
    epoch = state.get("epoch", 0)
    return isinstance(epoch, int) and epoch >= epochs


def is_cv_folder(folder: str | Path) -> bool:
    return (Path(folder) / PLAN).is_file()


class CrossValidation:
    """Train ``config`` on each of ``k`` folds into ``out_dir``; ``callback(event)`` receives a FoldStarted, the
    trainer's events and a FoldFinished for each fold, then a CVFinished. Re-running on the same folder continues
    where it stopped."""

    def __init__(self, config, out_dir: str | Path, k: int = 5, pool: str = "all",
                 callback: Callable | None = None, same_folds_as: str | Path | None = None):
        self.config = dataclasses.replace(config, best_metric=LAST, limit=None).validated()
        self.out_dir = Path(out_dir)
        self.k, self.pool = k, pool
        self.same_folds_as = Path(same_folds_as) if same_folds_as is not None else None
        if self.same_folds_as is not None:
            if not str(same_folds_as).strip():
                raise CVError("--same-folds-as: an empty path (the cross-validation whose folds to take)")
            if self.same_folds_as.name == PLAN and self.same_folds_as.is_file():
                self.same_folds_as = self.same_folds_as.parent  # the plan file itself was named
            elif self.same_folds_as.exists() and not self.same_folds_as.is_dir():
                raise CVError(f"{shown(str(self.same_folds_as))}: not a cross-validation folder or its {PLAN}")
        self.callback = callback or (lambda ev: None)
        self.trainer = None
        self.result: CVFinished | None = None
        self.identical: list[list[str]] = []  # groups of identical images, from the plan
        self._stopped = False

    @classmethod
    def from_folder(cls, out_dir: str | Path, callback: Callable | None = None) -> CrossValidation:
        """The cross-validation planned in ``out_dir`` (its cv.json), to continue it."""
        from .trainer import TrainConfig

        plan = _read(Path(out_dir) / PLAN, "cross-validation plan")
        try:
            return cls(TrainConfig.from_dict(plan["config"]), out_dir, plan["folds"], plan["pool"], callback)
        except (KeyError, TypeError, ValueError) as exc:
            raise CVError(f"{Path(out_dir) / PLAN}: not a usable cross-validation plan ({exc})") from None

    def stop(self) -> None:
        self._stopped = True
        if self.trainer is not None:
            self.trainer.stop()

    @property
    def stopping(self) -> bool:
        return self._stopped

    def prepare(self) -> tuple[Dataset, list[Sample], list[int]]:
        """Open the data, assign the folds and write the plan (or check it against the folder's own)."""
        cfg = self.config
        ds = open_dataset(cfg.data, cfg.labels, cfg.val_fraction, cfg.seed)
        samples = pooled_samples(ds, self.pool)
        path = self.out_dir / PLAN
        saved = _read(path, "cross-validation plan") if path.is_file() else None
        reference, where = self._reference(saved)
        made_by = reference or saved  # a plan made before copies were kept together has no "identical"
        groups = None
        if made_by is None or "identical" in made_by or reference is not None:
            groups = identical_copies(digests(s.path for s in samples))
        together = groups if made_by is None or "identical" in made_by else None
        if reference is not None:
            folds = folds_of(reference, samples, self.k, where)
            split = split_copies(samples, folds, groups)
            for line in split:
                self.callback(Log(line, "warning"))
            if split:  # the plan does not claim to keep the copies together
                together = None
        else:
            folds = assign_folds(samples, self.k, cfg.seed, together or [])
        plan = _plan(cfg, samples, folds, self.k, self.pool, together)
        self.identical = plan.get("identical", [])
        if saved is not None:
            _check_continues(saved, plan, path)
        else:
            if reference is not None:
                plan["same_folds_as"] = str(where)
            self.out_dir.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(plan, indent=1) + "\n")
            tmp.replace(path)
        return ds, samples, folds

    def _reference(self, saved: dict | None) -> tuple[dict | None, Path | None]:
        """The plan whose folds this run takes and where it is: a run planned with --same-folds-as continues on
        its own plan, which holds the folds it took (the other run may since have moved, changed or gone);
        else the --same-folds-as given; else none (the folds are dealt from the seed)."""
        if saved is not None and "same_folds_as" in saved:
            if self.same_folds_as is not None and str(self.same_folds_as) != str(saved["same_folds_as"]):
                given, planned = (shown(str(x)) for x in (self.same_folds_as, saved["same_folds_as"]))
                self.callback(Log(f"{self.out_dir} took its folds from {planned} when it was planned and continues "
                                  f"on them (--same-folds-as {given} is not read)", "warning"))
            return read_plan(self.out_dir), self.out_dir / PLAN
        if self.same_folds_as is not None:
            return read_plan(self.same_folds_as), self.same_folds_as
        return None, None

    def run(self) -> dict | None:
        """Every fold, then the OOF summary (returned and written to oof.json); None when stopped. A second
        cross-validation into the same folder meanwhile is refused (core.store.folders.FolderBusy)."""
        with writing_alone(self.out_dir):
            return self._run_folds()

    def _run_folds(self) -> dict | None:
        t0 = time.perf_counter()
        ds, samples, folds = self.prepare()
        for line in identical_warnings(self.identical, {str(s.path): s.label for s in samples}, ds.class_names):
            self.callback(Log(line, "warning"))
        done = 0
        for fold in range(self.k):
            folder = self.out_dir / f"fold-{fold + 1}"
            state = _fold_state(folder)
            _check_fold_recipe(folder, state, self.config)
            if _fold_done(state, self.config.epochs):
                done += 1
                self.callback(FoldFinished(fold + 1, self.k, state.get("best") or {}, 0.0, earlier=True))
                continue
            if self._stopped or not self._run_fold(ds, samples, folds, fold, resume=bool(state)):
                return self._end(t0, done)
            done += 1
        summary = out_of_fold(self.out_dir)
        summary["operating_point"] = operating_point(summary)
        tmp = self.out_dir / (OOF + ".tmp")
        tmp.write_text(json.dumps(summary, indent=1) + "\n")
        tmp.replace(self.out_dir / OOF)
        self._end(t0, done, summary)
        return summary

    def _run_fold(self, ds: Dataset, samples: list[Sample], folds: list[int], fold: int, resume: bool) -> bool:
        """Train one fold (True when it finished; False when stopped)."""
        from .trainer import Trainer

        data = fold_dataset(ds, samples, folds, fold, self.k)
        self.callback(FoldStarted(fold + 1, self.k, len(data.train), len(data.val), resume))
        self.trainer = Trainer(self.config, self.out_dir / f"fold-{fold + 1}", self.callback, resume=resume,
                               dataset=data)
        if self._stopped:  # asked between the check above and the trainer's existence
            self.trainer.stop()
        result = self.trainer.run()
        if isinstance(result, Failed):
            raise RuntimeError(f"fold {fold + 1}: {result.error}")
        if result.stopped:
            return False
        self.callback(FoldFinished(fold + 1, self.k, result.best, result.seconds))
        return True

    def _end(self, t0: float, done: int, summary: dict | None = None) -> None:
        s = summary or {}
        self.result = CVFinished(str(self.out_dir), self.k, done, summary is None, time.perf_counter() - t0,
                                 s.get("metrics", {}), s.get("intervals", {}))
        self.callback(self.result)


def out_of_fold(out_dir: str | Path, threshold: float = 0.5, resamples: int = 2000) -> dict:
    """The OOF probabilities of a finished CV folder (each fold's last-epoch validation.json) and their metrics
    with 95 % bootstrap intervals."""
    from ..stats.calibration import bootstrap_intervals
    from ..stats.metrics import binary_metrics

    out_dir = Path(out_dir)
    plan = read_plan(out_dir)
    held_out = [read_held_out(out_dir / f"fold-{fold + 1}" / "validation.json", held_out_names(plan, fold))
                for fold in range(plan["folds"])]
    rows = [{**s, "probability": held_out[s["fold"]].get(Path(s["file"]).name)} for s in plan["samples"]]
    scored = [r for r in rows if r["probability"] is not None]  # an unreadable image has no OOF probability
    if not scored:
        raise CVError(f"{out_dir}: no fold's validation.json holds a probability: nothing to score")
    labels = np.array([r["label"] for r in scored])
    p = np.array([r["probability"] for r in scored])
    metrics = {k: v for k, v in binary_metrics(labels, p, threshold).items()}
    intervals = bootstrap_intervals(labels, p, threshold, n=resamples)
    return {"folds": plan["folds"], "pool": plan["pool"], "config": plan["config"], "threshold": threshold,
            "images": len(rows), "scored": len(scored), "metrics": metrics, "intervals": intervals, "oof": rows}


def compare(a_dir: str | Path, b_dir: str | Path, resamples: int = 2000, seed: int = 0) -> dict:
    """Paired bootstrap of the OOF AUC difference B - A between two CV runs over the same images and folds."""
    from ..stats.calibration import bootstrap_resamples
    from ..stats.metrics import roc_auc

    a, b = (_scored_out_of_fold(Path(d)) for d in (a_dir, b_dir))
    # paired by file name (unique in a plan) and fold: the two runs may have read the images from other folders
    if set(a) != set(b):
        raise CVError(f"{a_dir} and {b_dir} are not over the same images and folds: no paired comparison "
                      "(a cross-validation started with --same-folds-as the other one is)")
    for key, (label, _) in a.items():
        if b[key][0] != label:
            raise CVError(f"{a_dir} and {b_dir} label {shown(key[0])} differently ({label} and {b[key][0]}): "
                          "no paired comparison")
    both = [(label, p, b[key][1]) for key, (label, p) in a.items() if p is not None and b[key][1] is not None]
    labels = np.array([x[0] for x in both])
    if len(set(labels.tolist())) < 2:
        raise CVError(f"{a_dir} and {b_dir}: no AUC to compare (the images both scored are of one class)")
    pa, pb = np.array([x[1] for x in both]), np.array([x[2] for x in both])
    diffs = [roc_auc(labels[i], pb[i]) - roc_auc(labels[i], pa[i])
             for i in bootstrap_resamples(labels, resamples, seed)]
    diffs = np.array([d for d in diffs if d == d])
    lo, hi = np.percentile(diffs, [2.5, 97.5])
    return {"auc_a": roc_auc(labels, pa), "auc_b": roc_auc(labels, pb), "difference": roc_auc(labels, pb) -
            roc_auc(labels, pa), "interval": [float(lo), float(hi)], "images": len(both),
            "measurably_different": bool(lo > 0 or hi < 0)}


def paired(a_dir: str | Path, b_dir: str | Path) -> bool:
    """Whether two CV folders hold out the same images (by file name, with the same labels) in the same folds, so
    ``compare`` can pair them; False when either plan is missing or damaged."""
    try:
        a, b = (read_plan(Path(d)) for d in (a_dir, b_dir))
    except CVError:
        return False
    return _pairing(a) == _pairing(b)


def _pairing(plan: dict) -> dict[tuple[str, int], int]:
    """(file name, fold) -> label of a plan's images: what two runs must share to be compared pair by pair."""
    return {(Path(s["file"]).name, s["fold"]): s["label"] for s in plan["samples"]}


def _scored_out_of_fold(cv_dir: Path) -> dict[tuple[str, int], tuple[int, float | None]]:
    """(file name, fold) -> (label, OOF probability or None) of a finished CV, in its plan's order; cv.json and
    oof.json checked (cvplan.read_plan, read_oof), so an edited probability or label is refused, not compared."""
    plan = read_plan(cv_dir)
    probs = read_oof(cv_dir, plan)
    files = [s["file"] for s in plan["samples"]]
    return {key: (label, probs[f]) for (key, label), f in zip(_pairing(plan).items(), files)}


def operating_point(summary: dict, min_sensitivity: float = 0.97, resamples: int = 2000) -> dict:
    """Temperature and screening threshold fitted on the OOF probabilities of a CV summary (data no model
    selected on), with the sensitivity and specificity to expect at that threshold and their intervals.

    The threshold is the highest cut keeping OOF sensitivity >= ``min_sensitivity``, placed halfway to the next
    lower score (core.stats.metrics.threshold_for_sensitivity)."""
    from ..stats.calibration import bootstrap_intervals, expected_calibration_error, fit_temperature
    from ..stats.metrics import binary_metrics, threshold_for_sensitivity

    scored = [r for r in summary["oof"] if r["probability"] is not None]
    y = np.array([r["label"] for r in scored])
    p = np.clip(np.array([r["probability"] for r in scored], dtype=np.float64), 1e-7, 1 - 1e-7)
    margin = np.log(p) - np.log1p(-p)  # logit(PM) - logit(not PM) of a two-class softmax
    logits = np.stack([np.zeros_like(margin), margin], axis=1)
    temperature = fit_temperature(logits, y)
    calibrated = 1 / (1 + np.exp(-margin / temperature))
    threshold = threshold_for_sensitivity(y, calibrated, min_sensitivity)
    return {"temperature": temperature, "threshold": threshold, "min_sensitivity": min_sensitivity,
            "rule": f"highest cut with out-of-fold sensitivity >= {min_sensitivity}, halfway to the next lower "
                    "out-of-fold score, after temperature scaling fitted on the out-of-fold probabilities",
            "expected": binary_metrics(y, calibrated, threshold),
            "expected_ci95": bootstrap_intervals(y, calibrated, threshold, n=resamples),
            "ece_before": expected_calibration_error(p, y), "ece_after": expected_calibration_error(calibrated, y),
            "images": len(scored)}


def describe(out_dir: str | Path) -> dict:
    """A CV folder at a glance (for a runs table): the plan, the folds done and their histories, and once every
    fold is done the out-of-fold metrics with their intervals (oof.json). A CVError when cv.json is unusable."""
    import datetime as _dt

    out_dir = Path(out_dir)
    plan = _read(out_dir / PLAN, "cross-validation plan")
    k, config = plan.get("folds"), plan.get("config")
    if not isinstance(k, int) or not isinstance(config, dict):
        raise CVError(f"{out_dir / PLAN}: not a usable cross-validation plan")
    histories, done = [], 0
    for fold in range(k):
        try:
            state = _fold_state(out_dir / f"fold-{fold + 1}")
        except CVError:
            state = {}
        histories.append(state.get("history") or [])
        done += _fold_done(state, config.get("epochs", 0)) if state else 0
    oof = _read(out_dir / OOF, "out-of-fold summary") if (out_dir / OOF).is_file() else {}
    if oof.get("metrics"):  # written once every fold was done (a run kept elsewhere may not have kept its folds)
        done = k
    created = _dt.datetime.fromtimestamp((out_dir / PLAN).stat().st_mtime).astimezone().isoformat()
    return {"folds": k, "pool": plan.get("pool"), "config": config, "folds_done": done, "histories": histories,
            "seconds": sum(float(h.get("seconds", 0.0)) for hs in histories for h in hs), "created": created,
            "metrics": oof.get("metrics", {}), "intervals": oof.get("intervals", {}), "scored": oof.get("scored"),
            "operating_point": oof.get("operating_point")}
