"""Fold by fold figures of cross-validations over the same plan, finished or not: for each fold every run has
finished (its last epoch's fold-N/validation.json), each run's held-out AUC and accuracy at 0.5, then the same
pooled over those folds with the paired bootstrap of the AUC difference from the first run. For a study still
under way (a ResNet-50 CV takes many hours here); `pmscreen cv --compare` is the answer once oof.json exists.

    python bench/cv_folds.py OUT/r18d OUT/r50o [OUT/r50d ...]
"""

import argparse
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from core.stats.calibration import bootstrap_resamples  # noqa: E402
from core.stats.metrics import binary_metrics, roc_auc  # noqa: E402
from core.training.cv import OOF, CVError, _fold_done, _fold_state  # noqa: E402
from core.training.cvplan import held_out_names, read_held_out, read_oof, read_plan  # noqa: E402


def finished_folds(run: Path, plan: dict) -> dict[int, dict[str, float]]:
    """fold (1-based) -> file name -> held-out probability, for the folds whose last epoch is done: from oof.json
    once the run has finished (a finished run may be kept without its fold folders, as bench/results/cv/ keeps
    them), else from each finished fold's validation.json. Images without a probability are left out."""
    if (run / OOF).is_file():
        probs = read_oof(run, plan)
        return {fold: {Path(s["file"]).name: probs[s["file"]] for s in plan["samples"]
                       if s["fold"] == fold - 1 and probs[s["file"]] is not None}
                for fold in range(1, plan["folds"] + 1)}
    out = {}
    for fold in range(1, plan["folds"] + 1):
        folder = run / f"fold-{fold}"
        if _fold_done(_fold_state(folder), plan["config"]["epochs"]):
            out[fold] = read_held_out(folder / "validation.json", held_out_names(plan, fold - 1))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", nargs="+", type=Path)
    ap.add_argument("--resamples", type=int, default=2000)
    a = ap.parse_args(argv)
    try:
        return compare_folds(a.runs, a.resamples)
    except CVError as exc:
        sys.exit(f"cv_folds.py: {exc}")


def compare_folds(runs: list[Path], resamples: int) -> int:
    plans = [read_plan(r) for r in runs]
    key = {(Path(s["file"]).name, s["fold"]) for s in plans[0]["samples"]}
    for run, plan in zip(runs[1:], plans[1:]):
        if {(Path(s["file"]).name, s["fold"]) for s in plan["samples"]} != key:
            sys.exit(f"{run}: not the folds of {runs[0]}: no paired comparison")
    labels = {Path(s["file"]).name: s["label"] for s in plans[0]["samples"]}
    done = [finished_folds(r, p) for r, p in zip(runs, plans)]
    common = sorted(set.intersection(*(set(d) for d in done)))
    if not common:
        sys.exit("no fold is finished in every run")
    names = [r.name for r in runs]
    if len(set(names)) < len(names):  # OUT1/r18d and OUT2/r18d
        names = [str(r) for r in runs]
    print("| fold | images | " + " | ".join(f"{n} AUC / accuracy" for n in names) + " |")
    print("|---" * (2 + len(names)) + "|")
    pooled = {n: [] for n in names}
    files = []
    for fold in common:
        fold_files = sorted(set.intersection(*(set(d[fold]) for d in done)))  # scored in every run
        files += fold_files
        y = np.array([labels[f] for f in fold_files])
        cells = []
        for n, d in zip(names, done):
            p = np.array([d[fold][f] for f in fold_files])
            pooled[n].append(p)
            m = binary_metrics(y, p, 0.5)
            cells.append(f"{m['auc']:.4f} / {m['accuracy']:.1%}")
        print(f"| {fold} | {len(fold_files)} | " + " | ".join(cells) + " |")
    y = np.array([labels[f] for f in files])
    cells, probs = [], {n: np.concatenate(pooled[n]) for n in names}
    for n in names:
        m = binary_metrics(y, probs[n], 0.5)
        cells.append(f"{m['auc']:.4f} / {m['accuracy']:.1%}")
    print(f"| folds {', '.join(map(str, common))} pooled | {len(files)} | " + " | ".join(cells) + " |")
    base = probs[names[0]]
    for n in names[1:]:
        diffs = np.array([roc_auc(y[i], probs[n][i]) - roc_auc(y[i], base[i])
                          for i in bootstrap_resamples(y, resamples, 0)])
        lo, hi = np.percentile(diffs[diffs == diffs], [2.5, 97.5])
        print(f"{n} - {names[0]}: AUC {roc_auc(y, probs[n]) - roc_auc(y, base):+.4f}, 95% interval "
              f"[{lo:+.4f}, {hi:+.4f}] over {len(files)} held-out images of {len(common)} folds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
