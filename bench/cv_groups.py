"""Out-of-fold figures of a finished cross-validation by group of images: each split's folder
(PALM-Training400, PALM-Validation400), and the training images' P / H / N prefixes, at the run's operating point
(oof.json: temperature and threshold fitted on all OOF scores).

    python bench/cv_groups.py OUT/r18d [OUT/r18d-s1 ...]      (several runs: their OOF probabilities averaged)

Prints one line per group (images, PM, AUC, sensitivity and specificity with 95 % Wilson intervals, missed
PM and false alarms); a group with one class only has no AUC.
"""

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from core.stats.metrics import binary_metrics  # noqa: E402
from core.training.cv import operating_point  # noqa: E402


def averaged_oof(runs: list[Path]) -> list[dict]:
    """Rows of the first run's oof.json, each probability the mean of the runs' (images every run scored)."""
    tables = [{r["file"]: r for r in json.loads((d / "oof.json").read_text())["oof"]} for d in runs]
    rows = []
    for file, row in tables[0].items():
        probs = [t.get(file, {}).get("probability") for t in tables]
        if all(p is not None for p in probs):
            rows.append({**row, "probability": float(np.mean(probs))})
    return rows


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("runs", nargs="+", type=Path)
    p.add_argument("--target", type=float, default=0.97)
    a = p.parse_args()
    rows = averaged_oof(a.runs)
    point = operating_point({"oof": rows}, a.target)
    t, threshold = point["temperature"], point["threshold"]
    y = np.array([r["label"] for r in rows])
    prob = np.clip(np.array([r["probability"] for r in rows]), 1e-7, 1 - 1e-7)
    cal = 1 / (1 + np.exp(-(np.log(prob) - np.log1p(-prob)) / t))
    split = np.array([Path(r["file"]).parent.name for r in rows])
    tag = np.array([r.get("tag", "") for r in rows])
    groups = {"all": np.ones(len(y), bool)}
    groups.update({s: split == s for s in sorted(set(split))})
    groups.update({f"training {g}": (tag == g) & (split == "PALM-Training400") for g in "PHN"})
    print(f"operating point: T = {t:.3f}, threshold {threshold:.4f} (OOF sensitivity >= {a.target})")
    for name, m in groups.items():
        if not m.any():
            continue
        fig = binary_metrics(y[m], cal[m], threshold)
        (tn, fp), (fn, tp) = fig["confusion"]
        auc = f"{fig['auc']:.4f}" if tp + fn and tn + fp else "  —   "
        print(f"{name:22s} {int(m.sum()):4d} images {tp + fn:4d} PM  AUC {auc}  sens {wilson(tp, tp + fn)}  "
              f"spec {wilson(tn, tn + fp)}  missed {fn}  false alarms {fp}")


def wilson(hits: int, n: int, z: float = 1.96) -> str:
    """A proportion with its 95 % Wilson score interval (sound for small groups and for 0 or n hits)."""
    if not n:
        return "      —      "
    p = hits / n
    centre, half = (p + z * z / (2 * n)) / (1 + z * z / n), z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (
        1 + z * z / n)
    return f"{p:.3f} [{centre - half:.3f}, {centre + half:.3f}]"


if __name__ == "__main__":
    main()
