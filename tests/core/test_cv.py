"""Cross-validation: stratified folds over pooled images, one out-of-fold probability per image, resumable
fold by fold, refused on a folder of another plan, and paired comparison of two runs."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from core.cli import main
from core.data.datasets import Sample, open_dataset
from core.training.cv import CVError, assign_folds, compare, pooled_samples
from tests.synthetic import make_palm_root


def _samples(tags: str) -> list[Sample]:
    return [Sample(Path(f"{t}{i:04d}.jpg"), int(t == "P"), t) for i, t in enumerate(tags)]


def test_folds_keep_every_finer_class_in_proportion_and_are_seeded():
    samples = _samples("P" * 50 + "H" * 10 + "N" * 40)
    folds = assign_folds(samples, 5, seed=3)
    for fold in range(5):
        tags = Counter(s.tag for s, f in zip(samples, folds) if f == fold)
        assert tags == {"P": 10, "H": 2, "N": 8}
    assert folds == assign_folds(samples, 5, seed=3)
    assert folds != assign_folds(samples, 5, seed=4)


def test_folds_need_enough_images_of_each_class():
    with pytest.raises(CVError, match="at least 5 images of every class"):
        assign_folds(_samples("P" * 20 + "N" * 3), 5, seed=0)
    with pytest.raises(CVError, match="at least 2 folds"):
        assign_folds(_samples("PN"), 1, seed=0)


def test_pooling_takes_both_splits_or_one(tmp_path):
    ds = open_dataset(make_palm_root(tmp_path / "palm", n_train=12, n_val=6))
    assert len(pooled_samples(ds, "all")) == 18
    assert len(pooled_samples(ds, "train")) == 12 and len(pooled_samples(ds, "val")) == 6


def _cv(palm: Path, out: Path, *extra: str) -> int:
    return main(["cv", "--data", str(palm), "--out", str(out), "--folds", "2", "--depth", "18", "--epochs", "1",
                 "--batch-size", "4", "--device", "cpu", *extra])


def test_a_cv_run_scores_every_image_once_resumes_and_compares(tmp_path, capsys):
    palm = make_palm_root(tmp_path / "palm", n_train=12, n_val=6)
    out = tmp_path / "cv"
    assert _cv(palm, out) == 0
    summary = json.loads((out / "oof.json").read_text())
    files = [Path(r["file"]).name for r in summary["oof"]]
    assert len(files) == len(set(files)) == 18 and summary["scored"] == 18
    assert all(0 <= r["probability"] <= 1 for r in summary["oof"])
    assert {r["fold"] for r in summary["oof"]} == {0, 1}
    for fold in (1, 2):  # each fold's model never saw its held-out images, and kept its last epoch
        meta = json.loads((out / f"fold-{fold}" / "model.json").read_text())
        held_out = {Path(r["file"]).name for r in summary["oof"] if r["fold"] == fold - 1}
        assert set(json.loads((out / f"fold-{fold}" / "validation.json").read_text())["files"]) == held_out
        assert meta["training"]["best_metric"] == "last"
    lo, hi = summary["intervals"]["auc"]
    assert lo <= summary["metrics"]["auc"] <= hi
    assert summary["operating_point"]["expected"]["sensitivity"] >= 0.97  # the screening threshold, from OOF

    before = (out / "fold-1" / "weights.safetensors").stat().st_mtime_ns
    assert _cv(palm, out) == 0  # finished folds are not trained again
    assert (out / "fold-1" / "weights.safetensors").stat().st_mtime_ns == before

    assert _cv(palm, out, "--seed", "1") == 2  # another plan in the same folder is refused in one line
    assert "holds another cross-validation" in capsys.readouterr().err

    assert compare(out, out)["difference"] == 0.0
    assert main(["cv", "--compare", str(out), str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["measurably_different"] is False


def test_the_operating_point_comes_from_out_of_fold_probabilities(tmp_path):
    from core.training.cv import operating_point

    rng = np.random.default_rng(0)
    labels = np.array([1] * 60 + [0] * 60)
    # over-confident scores: temperature scaling must soften them (T > 1)
    margin = np.where(labels == 1, 1.0, -1.0) * 6 + rng.normal(0, 4, len(labels))
    probs = 1 / (1 + np.exp(-margin))
    rows = [{"file": f"/d/{i}.jpg", "label": int(y), "tag": "P" if y else "N", "fold": i % 5, "probability": float(p)}
            for i, (y, p) in enumerate(zip(labels, probs))]
    point = operating_point({"oof": rows}, min_sensitivity=0.95, resamples=200)
    assert point["temperature"] > 1 and point["ece_after"] < point["ece_before"]
    assert point["expected"]["sensitivity"] >= 0.95
    calibrated = 1 / (1 + np.exp(-margin / point["temperature"]))
    assert not np.isclose(calibrated, point["threshold"], atol=1e-6).any()  # between scores, never on one
    lo, hi = point["expected_ci95"]["specificity"]
    assert lo <= point["expected"]["specificity"] <= hi


def test_damaged_cv_files_are_refused_in_one_line(tmp_path, capsys):
    palm = make_palm_root(tmp_path / "palm", n_train=12, n_val=6)
    out = tmp_path / "cv"
    out.mkdir()
    (out / "cv.json").write_text("[]")
    assert _cv(palm, out) == 2
    err = capsys.readouterr().err.strip()
    assert "cv.json: not a cross-validation plan" in err and "\n" not in err
    (out / "oof.json").write_text("{}")
    assert main(["cv", "--compare", str(out), str(out)]) == 2
    assert "no per-image list" in capsys.readouterr().err
