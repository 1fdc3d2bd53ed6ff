"""Markdown table of trained runs (their model.json): the O/B/C/D study and ablation rows of docs/results.md.

    python bench/study_table.py RUN_DIR [RUN_DIR ...]

Metrics are those of each run's best epoch (by its --best-metric) at threshold 0.5. "to AUC 0.99" is the first
epoch whose validation AUC reached 0.99, and that many median epochs in minutes.
"""

import json
import statistics
import sys
from pathlib import Path


def row(folder: Path) -> str:
    meta = json.loads((folder / "model.json").read_text())
    t, m, hist = meta["training"], meta["metrics"], meta.get("history", [])
    seconds = [h["seconds"] for h in hist]
    first = next((i for i, h in enumerate(hist) if h["auc"] >= 0.99), None)
    median = statistics.median(seconds)
    # Epochs times the median epoch: a run paused for a benchmark (SIGSTOP) has one long epoch in its history.
    reach = "not reached" if first is None else f"epoch {first + 1} ({(first + 1) * median / 60:.0f} min)"
    last = hist[-1]["auc"] if hist else float("nan")
    return (f"| {folder.name} | {t['epochs']} ({len(hist)} done) | {meta['best_epoch']} | {100 * m['accuracy']:.2f} % "
            f"| {m['auc']:.4f} | {m['sensitivity']:.3f} | {m['specificity']:.3f} | {last:.4f} | {reach} "
            f"| {median:.0f} s | {sum(seconds) / 60:.0f} min |")


def main(argv):
    print("| run | epochs (done) | best epoch | accuracy | AUC | sensitivity | specificity | last-epoch AUC "
          "| to AUC 0.99 | median epoch | train time |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for d in argv:
        print(row(Path(d)))


if __name__ == "__main__":
    main(sys.argv[1:])
