"""bench/cv_folds.py: a study still under way is compared on the folds every run has finished, paired."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run_folder(path: Path, labels: list[int], folds: list[int], done: dict[int, list[float]], seed: int = 0):
    samples = [{"file": f"/data/img{i}.jpg", "label": y, "tag": "P" if y else "N", "fold": f}
               for i, (y, f) in enumerate(zip(labels, folds))]
    path.mkdir()
    (path / "cv.json").write_text(json.dumps({"folds": 2, "pool": "all", "seed": seed, "config": {"epochs": 3},
                                              "samples": samples}))
    for fold, probs in done.items():
        folder = path / f"fold-{fold}"
        (folder / "checkpoint").mkdir(parents=True)
        (folder / "checkpoint" / "state.json").write_text(json.dumps({"epoch": 3}))
        files = [f"img{i}.jpg" for i, f in enumerate(folds) if f == fold - 1]
        (folder / "validation.json").write_text(json.dumps({"files": files, "probabilities": probs}))
    return path


def test_only_the_folds_every_run_finished_are_compared(tmp_path):
    labels = [1, 0, 1, 0, 1, 0, 1, 0]
    folds = [0, 0, 0, 0, 1, 1, 1, 1]
    a = _run_folder(tmp_path / "a", labels, folds, {1: [0.9, 0.1, 0.4, 0.6], 2: [0.8, 0.2, 0.7, 0.3]})
    b = _run_folder(tmp_path / "b", labels, folds, {1: [0.9, 0.1, 0.8, 0.2]})  # fold 2 still training
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "cv_folds.py"), str(a), str(b)], capture_output=True,
                         text=True, check=True).stdout
    assert "| 1 | 4 | 0.7500 / 50.0% | 1.0000 / 100.0% |" in out
    assert "| 2 |" not in out and "folds 1 pooled | 4 |" in out
    assert "b - a: AUC +0.2500" in out

    other = _run_folder(tmp_path / "other", labels, [1, 0, 0, 0, 1, 1, 1, 0], {1: [0.5] * 4}, seed=1)
    refused = subprocess.run([sys.executable, str(ROOT / "bench" / "cv_folds.py"), str(a), str(other)],
                             capture_output=True, text=True)
    assert refused.returncode != 0 and "not the folds of" in refused.stderr


def test_a_finished_run_kept_without_its_fold_folders_is_read_from_oof_json(tmp_path):
    labels = [1, 0, 1, 0, 1, 0, 1, 0]
    folds = [0, 0, 0, 0, 1, 1, 1, 1]
    a = _run_folder(tmp_path / "a", labels, folds, {1: [0.9, 0.1, 0.4, 0.6], 2: [0.8, 0.2, 0.7, 0.3]})
    kept = tmp_path / "kept"  # as bench/results/cv/ keeps a finished run: cv.json and oof.json only
    kept.mkdir()
    shutil.copy(a / "cv.json", kept)
    plan = json.loads((a / "cv.json").read_text())
    probs = [0.9, 0.1, 0.4, 0.6, 0.8, 0.2, 0.7, 0.3]
    (kept / "oof.json").write_text(json.dumps({"oof": [{**s, "probability": p}
                                                       for s, p in zip(plan["samples"], probs)]}))
    b = _run_folder(tmp_path / "b", labels, folds, {2: [0.8, 0.2, 0.7, 0.3]})
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "cv_folds.py"), str(kept), str(b)],
                         capture_output=True, text=True, check=True).stdout
    assert "| 1 |" not in out and "| 2 | 4 | 1.0000 / 100.0% | 1.0000 / 100.0% |" in out
    assert "b - kept: AUC +0.0000" in out


def test_damaged_records_are_refused_in_one_line_and_unscored_images_left_out_of_both(tmp_path):
    """Hostile-input round: NaN or out-of-range probabilities were used silently, a null crashed one argument
    order and was dropped in the other, and two runs of one folder name crashed."""
    labels = [1, 0, 1, 0, 1, 0, 1, 0]
    folds = [0, 0, 0, 0, 1, 1, 1, 1]
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    a = _run_folder(tmp_path / "x" / "r18d", labels, folds, {1: [0.9, 0.1, 0.4, 0.6]})
    b = _run_folder(tmp_path / "y" / "r18d", labels, folds, {1: [0.9, None, 0.8, 0.2]})

    def run(*paths):
        return subprocess.run([sys.executable, str(ROOT / "bench" / "cv_folds.py"), *map(str, paths)],
                              capture_output=True, text=True)

    ab, ba = run(a, b), run(b, a)
    assert ab.returncode == 0 and ba.returncode == 0, ab.stderr + ba.stderr
    assert "| 1 | 3 |" in ab.stdout and "| 1 | 3 |" in ba.stdout  # img1 has no score in b: out of both
    assert f"{b} - {a}: AUC" in ab.stdout  # two folders called r18d: named by their paths
    val = a / "fold-1" / "validation.json"
    for probs in ([0.9, float("nan"), 0.4, 0.6], [0.9, 7.5, 0.4, 0.6], [0.9, 0.1]):
        val.write_text(json.dumps({"files": ["img0.jpg", "img1.jpg", "img2.jpg", "img3.jpg"],
                                   "probabilities": probs}))
        refused = run(a, b)
        assert refused.returncode != 0 and "Traceback" not in refused.stderr
        assert "must list the held-out files and a probability from 0 to 1 for each" in refused.stderr
