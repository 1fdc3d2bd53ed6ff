"""Markdown table of trained runs (their model.json): the O/B/C/D study rows of docs/results.md.

    python bench/study_table.py RUN_DIR [RUN_DIR ...]
"""

import json
import sys
from pathlib import Path


def row(folder: Path) -> str:
    meta = json.loads((folder / "model.json").read_text())
    t, m, hist = meta["training"], meta["metrics"], meta.get("history", [])
    hours = sum(h["seconds"] for h in hist) / 3600
    return (f"| {meta['name']} | {t['epochs']} ({len(hist)} run) | {meta['best_epoch']} | {100 * m['accuracy']:.2f} % "
            f"| {m['auc']:.4f} | {m['sensitivity']:.3f} | {m['specificity']:.3f} | {hours:.2f} h |")


def main(argv):
    print("| model | epochs (done) | best epoch | val accuracy | val AUC | sensitivity | specificity | train time |")
    print("|---|---|---|---|---|---|---|---|")
    for d in argv:
        print(row(Path(d)))


if __name__ == "__main__":
    main(sys.argv[1:])
