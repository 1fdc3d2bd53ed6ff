import json

import numpy as np
import pytest

from core.cli import main
from core.screening.inference import Predictor
from core.stats.calibration import bootstrap_intervals, expected_calibration_error, fit_temperature


def _overconfident(n=4000, true_t=3.0, seed=0):
    rng = np.random.default_rng(seed)
    base = rng.normal(0, 2.0, n)  # calibrated logit margins
    y = (rng.random(n) < 1 / (1 + np.exp(-base))).astype(int)
    logits = np.stack([np.zeros(n), base * true_t], axis=1)  # a model that is true_t times too confident
    return logits, y


def test_temperature_recovers_the_overconfidence_and_lowers_ece():
    logits, y = _overconfident()
    t = fit_temperature(logits, y)
    assert t == pytest.approx(3.0, rel=0.1)
    p_raw = 1 / (1 + np.exp(-logits[:, 1]))
    p_cal = 1 / (1 + np.exp(-logits[:, 1] / t))
    assert expected_calibration_error(p_cal, y) < 0.5 * expected_calibration_error(p_raw, y)


def test_ece_of_a_perfectly_calibrated_and_a_wrong_predictor():
    y = np.array([1, 0] * 50)
    assert expected_calibration_error(np.where(y == 1, 1.0, 0.0), y) == 0.0
    assert expected_calibration_error(np.where(y == 1, 0.0, 1.0), y) == pytest.approx(1.0)


def test_bootstrap_intervals_bracket_the_estimate():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 200)
    p = np.clip(y * 0.6 + rng.random(200) * 0.5, 0, 1)
    ci = bootstrap_intervals(y, p, 0.5, n=300)
    from core.stats.metrics import binary_metrics

    m = binary_metrics(y, p, 0.5)
    for k in ("accuracy", "auc", "sensitivity", "specificity"):
        lo, hi = ci[k]
        assert lo <= m[k] <= hi and hi - lo < 0.3


def test_finalize_writes_a_calibrated_float16_model(tmp_path, capsys):
    from tests.synthetic import make_palm_root

    root = make_palm_root(tmp_path / "palm", n_train=12, n_val=10)
    assert main(["train", "--data", str(root), "--depth", "18", "--epochs", "1", "--batch-size", "4",
                 "--lr", "1e-3", "--out", str(tmp_path / "run")]) == 0
    capsys.readouterr()
    images, labels = root / "PALM-Validation400", root / "PALM-Validation-GT" / "labels.xlsx"
    assert main(["finalize", "--model", str(tmp_path / "run"), "--images", str(images), "--labels", str(labels),
                 "--out", str(tmp_path / "final"), "--name", "Tiny", "--json"]) == 0
    meta = json.loads(capsys.readouterr().out)
    assert meta["name"] == "Tiny" and meta["weights"]["dtype"] == "float16"
    assert meta["metrics"]["sensitivity"] >= 0.97 and meta["temperature"] > 0
    assert set(meta["metrics_ci95"]) == {"accuracy", "auc", "sensitivity", "specificity"}
    assert {"intended_use", "training_data", "recipe", "metrics", "limitations"} <= set(meta["card"])
    assert "Model card: Tiny" in (tmp_path / "final" / "MODEL_CARD.md").read_text()
    # evaluating the shipped model reproduces the recorded metrics (same weights, temperature, threshold)
    assert main(["evaluate", "--model", str(tmp_path / "final"), "--images", str(images), "--labels", str(labels),
                 "--json"]) == 0
    ev = json.loads(capsys.readouterr().out)
    assert ev["threshold"] == pytest.approx(meta["threshold"])
    assert ev["sensitivity"] == pytest.approx(meta["metrics"]["sensitivity"])
    assert ev["auc"] == pytest.approx(meta["metrics"]["auc"], abs=1e-3)
    assert Predictor(tmp_path / "final", device="cpu").temperature == pytest.approx(meta["temperature"])


def test_the_model_card_describes_the_model_actually_made(tmp_path, capsys):
    """Not fixed text: the card follows the weights' dtype, the weight-decay choice and the data set's name."""
    from core.training.finalize import finalize
    from tests.synthetic import make_palm_root

    root = make_palm_root(tmp_path / "clinic-set", n_train=12, n_val=10)
    assert main(["train", "--data", str(root), "--depth", "18", "--epochs", "1", "--batch-size", "4",
                 "--weight-decay", "0.01", "--decay-bn", "--gamma", "0.5", "--channel-gain", "0.1",
                 "--out", str(tmp_path / "run")]) == 0
    capsys.readouterr()
    meta = finalize(tmp_path / "run", root / "PALM-Validation400", root / "PALM-Validation-GT" / "labels.xlsx",
                    tmp_path / "final", name="Clinic", min_sensitivity=0.9, dtype="float32")
    card = meta["card"]
    assert "BN and biases too" in card["recipe"] and "not on BN/bias" not in card["recipe"]
    assert "gamma 0.67–1.5, channel gain ±0.1" in card["recipe"]
    assert "12 training images of the 'clinic-set' data set" in card["training_data"]
    assert "PALM" not in card["limitations"][0] and "Zhongshan" not in card["limitations"][0]
    text = (tmp_path / "final" / "MODEL_CARD.md").read_text()
    assert "float32 safetensors" in text and "float16" not in text
    # Hostile round: finalize on the images the model trained on wrote "calibrated and validated on 36 images"
    train = sorted((root / "PALM-Training400").iterdir())
    listed = tmp_path / "train-labels.csv"
    listed.write_text("imgName,Label\n" + "".join(f"{p.name},{int(p.name[0] == 'P')}\n" for p in train))
    with pytest.raises(ValueError, match=r"PALM-Training400: 12 of its 12 labelled images \(e\.g\. .*\) were used "
                                         r"to train this model"):
        finalize(tmp_path / "run", root / "PALM-Training400", listed, tmp_path / "final2")
    assert not (tmp_path / "final2").exists()
