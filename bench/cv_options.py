"""Which default model? Out-of-fold (OOF) comparison of the candidates the cross-validation runs allow:
one network, one network with horizontal-flip averaging, the mean of one network of each seed's run, and that
mean with flips. Every figure is on images none of the averaged networks saw.

    python bench/cv_options.py RUN_SEED0 [RUN_SEED1 ...] [--out bench/results/cv_options.json]

Each run is a finished ``pmscreen cv`` folder (runs of one recipe, different --seed). Every fold network is
stored in float16 and scored with the Paddle Inference engine that ships, as ``finalize --from-cv`` does.
For each candidate it prints the OOF ROC AUC (paired bootstrap difference to one network, 95 % interval), and
sensitivity, specificity and accuracy at the screening rule (temperature, then the highest threshold keeping
sensitivity >= 0.97) *cross-fitted*: the rule is fitted on four of the first run's folds and applied to the
fifth, so the operating-point figures are not measured on the images that placed the threshold.
"""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from core.nn.runtime import use_device  # noqa: E402
from core.screening.engine import create_engine  # noqa: E402
from core.stats.calibration import bootstrap_resamples, fit_operating_point, model_log_probs  # noqa: E402
from core.stats.metrics import roc_auc  # noqa: E402
from core.training.ensemble import finished_run, score_runs, stage_runs  # noqa: E402


def run_scores(runs: list[dict], scratch: Path) -> tuple[dict, dict]:
    """OOF logits (R x N x K) of the runs' fold networks stored in float16, on the images as they are and
    mirrored left-right (the mirrored ones are other scores than the recorded: no drift check)."""
    device = use_device("auto")
    staged = stage_runs(runs, scratch, "float16")

    def engine_for(flip):
        def make(net, entry):
            engine = create_engine(net, entry, device, kind="paddle-inference")
            return (lambda x: engine(np.ascontiguousarray(x[..., ::-1]))) if flip else engine
        return make

    plain = score_runs(runs, staged, engine_for(False))
    flipped = score_runs(runs, staged, engine_for(True), max_drift=float("inf"))
    return tuple({**c, "logits": c["logits"] if c["logits"].ndim == 3 else c["logits"][None]}
                 for c in (plain, flipped))


def cross_fitted(logits: np.ndarray, classes: np.ndarray, folds: np.ndarray, target: float) -> dict:
    """Sensitivity, specificity and accuracy when each fold's images get the rule fitted on the other folds."""
    y = (classes == 1).astype(int)
    called = np.zeros(len(y), dtype=int)
    for f in np.unique(folds):
        rest = folds != f
        fit = fit_operating_point(logits[:, rest], classes[rest], 1, target)
        p = np.exp(model_log_probs(logits[:, ~rest], fit["temperature"]))[:, 1]
        called[~rest] = p >= fit["threshold"]
    tp, tn = int(((called == 1) & (y == 1)).sum()), int(((called == 0) & (y == 0)).sum())
    return {"sensitivity": tp / y.sum(), "specificity": tn / (1 - y).sum(), "accuracy": (tp + tn) / len(y),
            "missed_pm": int(y.sum() - tp), "false_alarms": int((1 - y).sum() - tn)}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("runs", nargs="+", type=Path)
    p.add_argument("--target", type=float, default=0.97, help="screening sensitivity target (0.97)")
    p.add_argument("--out", type=Path, default=Path("bench/results/cv_options.json"))
    a = p.parse_args()
    runs = [finished_run(d) for d in a.runs]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="pmscreen-options-") as scratch:
        plain, flipped = run_scores(runs, Path(scratch))
    assert plain["files"] == flipped["files"]
    classes, files = plain["classes"], plain["files"]
    fold_of = {str(Path(s["file"])): s["fold"] for s in runs[0]["plan"]["samples"]}
    folds = np.array([fold_of[f] for f in files])
    candidates = {"one network (seed 0)": plain["logits"][:1],
                  "one network + flip": np.concatenate([plain["logits"][:1], flipped["logits"][:1]])}
    for r in range(1, len(runs)):
        candidates[f"one network (seed {runs[r]['plan']['seed']})"] = plain["logits"][r:r + 1]
    if len(runs) > 1:
        candidates[f"mean of {len(runs)} networks (one per seed)"] = plain["logits"]
        candidates[f"mean of {len(runs)} networks + flip"] = np.concatenate([plain["logits"], flipped["logits"]])
    y = (classes == 1).astype(int)
    reference = np.exp(model_log_probs(candidates["one network (seed 0)"]))[:, 1]
    resamples = list(bootstrap_resamples(y, 2000, 0))
    rows = []
    for name, logits in candidates.items():
        prob = np.exp(model_log_probs(logits))[:, 1]
        diffs = [roc_auc(y[i], prob[i]) - roc_auc(y[i], reference[i]) for i in resamples]
        fit = fit_operating_point(logits, classes, 1, a.target)
        rows.append({"candidate": name, "networks_run": len(logits), "auc": roc_auc(y, prob),
                     "auc_minus_one_network": roc_auc(y, prob) - roc_auc(y, reference),
                     "auc_difference_ci95": [float(x) for x in np.percentile(diffs, [2.5, 97.5])],
                     "log_loss": float(-np.mean(np.log(np.where(y == 1, prob, 1 - prob).clip(1e-12)))),
                     "in_sample_rule": {k: fit["metrics"][k] for k in ("threshold", "sensitivity", "specificity",
                                                                         "accuracy")},
                     "cross_fitted_rule": cross_fitted(logits, classes, folds, a.target)})
    result = {"runs": [str(d) for d in a.runs], "images": len(y), "pm": int(y.sum()), "target": a.target,
              "engine_vs_training_max_abs_diff": plain["drift"],
              "seconds": time.perf_counter() - started, "candidates": rows}
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(result, indent=1))
    print(f"{len(y)} images ({int(y.sum())} PM), out-of-fold; rule cross-fitted over the first run's folds; "
          f"re-scored vs recorded probabilities: at most {plain['drift']:.2e} apart")
    print(f"{'candidate':40s} {'AUC':>6s} {'ΔAUC [95% CI]':>26s} {'sens':>6s} {'spec':>6s} {'acc':>6s}  missed")
    for r in rows:
        c, lo, hi = r["cross_fitted_rule"], *r["auc_difference_ci95"]
        print(f"{r['candidate']:40s} {r['auc']:.4f} {r['auc_minus_one_network']:+.4f} [{lo:+.4f}, {hi:+.4f}] "
              f"{c['sensitivity']:.3f} {c['specificity']:.3f} {c['accuracy']:.3f}  {c['missed_pm']}")


if __name__ == "__main__":
    main()
