"""Is one model measurably better than another on the same validation images? Paired bootstrap of the AUC
difference, from the per-image probabilities each run saved in its validation.json (best epoch).

    python bench/compare_auc.py --labels PM_Label_and_Fovea_Location.xlsx RUN_A RUN_B [RUN_C ...]

For every run after the first, prints AUC(run) - AUC(first) with its 95 % interval (2,000 resamples of the
images, the same resample for both models). An interval that contains 0 means "not measurably different".
"""

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from core.data.datasets import read_label_file  # noqa: E402
from core.stats.calibration import bootstrap_resamples  # noqa: E402
from core.stats.metrics import roc_auc  # noqa: E402


def saved_probabilities(run: Path) -> dict[str, float]:
    """File name -> PM probability of the run's best epoch (its validation.json)."""
    saved = json.loads((run / "validation.json").read_text())
    return dict(zip(saved["files"], saved["probabilities"]))


def paired_auc_difference(y, p_ref, p_new, n: int = 2000, seed: int = 0) -> tuple[float, float, float]:
    diffs = [roc_auc(y[ix], p_new[ix]) - roc_auc(y[ix], p_ref[ix]) for ix in bootstrap_resamples(y, n, seed)]
    return roc_auc(y, p_new) - roc_auc(y, p_ref), *np.percentile(diffs, [2.5, 97.5])


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--labels", required=True)
    p.add_argument("runs", nargs="+", type=Path)
    a = p.parse_args()
    table, _ = read_label_file(Path(a.labels))
    saved = [saved_probabilities(r) for r in a.runs]
    names = sorted(set.intersection(*(set(s) for s in saved)))
    y = np.array([int(table[n]) for n in names])
    ref, *others = (np.array([s[n] for n in names]) for s in saved)
    print(f"{len(names)} images; reference {a.runs[0].name}: AUC {roc_auc(y, ref):.4f}")
    for run, probs in zip(a.runs[1:], others):
        d, lo, hi = paired_auc_difference(y, ref, probs)
        verdict = "not measurably different" if lo <= 0 <= hi else ("better" if lo > 0 else "worse")
        print(f"{run.name}: AUC {roc_auc(y, probs):.4f}, difference {d:+.4f} [{lo:+.4f}, {hi:+.4f}] -> {verdict}")


if __name__ == "__main__":
    main()
