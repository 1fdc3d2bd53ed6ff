"""Fixtures of the hostile-input rounds: a sealed tiny model folder and a finished 2-fold cross-validation folder,
each copied fresh for a test to tamper with."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
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
    """A finished 2-fold CV folder: cv.json, oof.json and each fold's sealed network (untrained, trained with the
    plan's recipe by its record, holding out its fold's images in validation.json), over 12 small images (P and
    N, two folds of three each), with each image's OOF probability from its fold's network."""
    from core.images.preprocess import resize, to_input
    from core.images.reader import read_image
    from core.nn.runtime import dygraph_forward
    from core.stats.metrics import softmax
    from core.store.modelio import load_model
    from core.training.trainer import TrainConfig

    base = tmp_path_factory.mktemp("cv")
    samples = []
    for i in range(12):
        tag = "P" if i % 2 else "N"
        path = write_rgb(base / "images" / f"{tag}{i:04d}.jpg", fundus_image(tag == "P", i, size=96))
        samples.append({"file": str(path), "label": int(tag == "P"), "tag": tag, "fold": (i // 2) % 2})
    config = TrainConfig(data=str(base / "images"), depth=18, variant="D", epochs=1).to_dict()
    cv = base / "cv"
    cv.mkdir()
    oof = []
    for fold in (1, 2):
        held_out = [s for s in samples if s["fold"] == fold - 1]
        save_tiny_model(cv / f"fold-{fold}", seed=fold, training=config)
        (cv / f"fold-{fold}" / "validation.json").write_text(json.dumps(
            {"files": [Path(s["file"]).name for s in held_out]}))
        forward = dygraph_forward(load_model(cv / f"fold-{fold}")[0])
        x = to_input(np.stack([resize(read_image(s["file"])) for s in held_out]))
        oof += [{**s, "probability": float(p)} for s, p in zip(held_out, softmax(forward(x))[:, 1])]
    plan = {"folds": 2, "pool": "all", "seed": 0, "samples": samples, "config": config}
    (cv / "cv.json").write_text(json.dumps(plan, indent=1))
    order = {s["file"]: n for n, s in enumerate(samples)}
    (cv / "oof.json").write_text(json.dumps({"folds": 2, "oof": sorted(oof, key=lambda r: order[r["file"]])}))
    return cv


@pytest.fixture
def cv(finished_cv, tmp_path):
    out = tmp_path / "cv"
    shutil.copytree(finished_cv, out)
    return out
