"""Fixtures of the hostile-input rounds: a sealed tiny model folder and a finished 2-fold cross-validation folder,
each copied fresh for a test to tamper with."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.synthetic import fundus_image, save_tiny_model, write_rgb


@pytest.fixture(scope="module")
def sealed_model(tmp_path_factory):
    return save_tiny_model(tmp_path_factory.mktemp("m") / "tiny", seed=3)


@pytest.fixture
def folder(sealed_model, tmp_path):
    out = tmp_path / "model"
    shutil.copytree(sealed_model, out)
    return out


@pytest.fixture(scope="module")
def finished_cv(tmp_path_factory):
    """A finished 2-fold CV folder: cv.json, oof.json and each fold's sealed network (untrained), over 12 small
    images (P and N, two folds of three each)."""
    from core.training.trainer import TrainConfig

    base = tmp_path_factory.mktemp("cv")
    samples = []
    for i in range(12):
        tag = "P" if i % 2 else "N"
        path = write_rgb(base / "images" / f"{tag}{i:04d}.jpg", fundus_image(tag == "P", i, size=96))
        samples.append({"file": str(path), "label": int(tag == "P"), "tag": tag, "fold": (i // 2) % 2})
    cv = base / "cv"
    cv.mkdir()
    for fold in (1, 2):
        save_tiny_model(cv / f"fold-{fold}", seed=fold)
    plan = {"folds": 2, "pool": "all", "seed": 0, "samples": samples,
            "config": TrainConfig(data=str(base / "images"), depth=18, variant="D", epochs=1).to_dict()}
    (cv / "cv.json").write_text(json.dumps(plan, indent=1))
    oof = [{**s, "probability": 0.4 + 0.2 * s["label"]} for s in samples]
    (cv / "oof.json").write_text(json.dumps({"folds": 2, "oof": oof}))
    return cv


@pytest.fixture
def cv(finished_cv, tmp_path):
    out = tmp_path / "cv"
    shutil.copytree(finished_cv, out)
    return out
