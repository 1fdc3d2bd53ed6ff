import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from core.cli import main
from core.images.synthetic import synthetic_fundus
from core.screening.selftest import run_selftest
from core.store import bundled
from tests.synthetic import save_tiny_model

KEYS = {"model", "probability", "verdict", "quality", "seconds", "engine", "engine_check", "device", "gradcam",
        "child_process"}


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return save_tiny_model(tmp_path_factory.mktemp("selftest") / "tiny-model", seed=5, name="tiny selftest model")


@pytest.fixture(scope="module")
def data_dir_path(tmp_path_factory):
    """One user data folder for this module's tests (tests/conftest.py's data_dir sets it), so the engine's
    exports of the test model happen once."""
    return tmp_path_factory.mktemp("selftest-userdata")


@pytest.fixture
def no_child(monkeypatch):
    """Skip the spawned-child check (a Paddle import in a new process) where a test is about something else."""
    import core.screening.selftest as selftest

    monkeypatch.setattr(selftest, "_child_process_check", lambda timeout=300.0: "ok")


def _json_line(out: str) -> dict:
    lines = out.splitlines()
    assert len(lines) == 1, out
    return json.loads(lines[0])


def test_synthetic_fundus_is_a_gradable_colour_photograph():
    from core.images.quality import assess

    img = synthetic_fundus()
    assert img.shape == (512, 512, 3) and img.dtype.name == "uint8"
    assert (img[:8, :8] == 0).all() and img[256, 256].tolist()[0] > 100  # black corners, orange retina
    assert (synthetic_fundus() == img).all()  # deterministic
    for size, seed in ((512, 0), (1024, 1), (300, 2)):
        result = assess(synthetic_fundus(size, seed))
        assert result.ok, result.reason


def test_selftest_prints_one_json_line_and_exits_0(model_dir, capsys):
    assert run_selftest(str(model_dir)) == 0
    captured = capsys.readouterr()
    out = _json_line(captured.out)
    assert set(out) == KEYS
    assert out["model"] == "tiny selftest model"
    assert 0.0 <= out["probability"] <= 1.0
    assert out["verdict"] in ("PM", "not PM")
    assert out["quality"] == "ok"
    assert out["engine"] == "paddle-inference" and out["device"] == "cpu" and out["engine_check"] == "ok"
    assert out["gradcam"] == "ok" and out["child_process"] == "ok"
    assert out["seconds"] > 0


def test_verdict_follows_the_model_threshold(tmp_path, capsys, no_child):
    from core.store.modelio import set_threshold

    # temperature 1000 brings the untrained model's probabilities close to 0.5
    folder = save_tiny_model(tmp_path / "flat", seed=5, name="flat", temperature=1000.0)
    for threshold, verdict in ((0.01, "PM"), (0.99, "not PM")):
        set_threshold(folder, threshold)  # the way to change a threshold: hand edits are refused
        assert run_selftest(str(folder)) == 0
        assert _json_line(capsys.readouterr().out)["verdict"] == verdict


def test_default_is_the_bundled_model(model_dir, tmp_path, monkeypatch, capsys, no_child):
    resources = tmp_path / "resources"
    shutil.copytree(model_dir, resources / "models" / "bundled-one")
    monkeypatch.setattr(bundled, "resources_dir", lambda: resources)
    assert main(["selftest"]) == 0
    assert _json_line(capsys.readouterr().out)["model"] == "tiny selftest model"


def test_no_bundled_model_fails_with_the_reason(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(bundled, "resources_dir", lambda: tmp_path / "resources")
    assert run_selftest(None) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip() == f"pmscreen selftest: no bundled model found in {tmp_path / 'resources' / 'models'}"


@pytest.mark.parametrize("damage", ["missing", "bad-weights", "not-a-model"])
def test_broken_model_fails_with_one_line(model_dir, tmp_path, capsys, damage):
    folder = tmp_path / "broken"
    if damage != "missing":
        shutil.copytree(model_dir, folder)
    if damage == "bad-weights":
        (folder / "weights.safetensors").write_bytes(b"not tensors")
    elif damage == "not-a-model":
        (folder / "model.json").write_text("{ no json")
    assert run_selftest(str(folder)) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err.strip()
    assert err.startswith("pmscreen selftest: ") and "\n" not in err and len(err) < 600, err


def test_quality_gate_rejection_is_a_failure(model_dir, monkeypatch, capsys):
    import core.screening.inference
    from core.images.quality import QualityResult

    monkeypatch.setattr(core.screening.inference, "assess",
                        lambda rgb: QualityResult(False, "blurred", "blurred (rim blur 9 px > 1.5 px)"))
    assert run_selftest(str(model_dir)) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "quality gate rejected the synthetic fundus image: blurred (rim blur 9 px" in captured.err


def test_gradcam_failure_is_a_failure(model_dir, monkeypatch, capsys):
    from core.screening.inference import Predictor

    def broken(self, pixels):
        raise RuntimeError("no gradients")

    monkeypatch.setattr(Predictor, "heatmaps", broken)
    assert run_selftest(str(model_dir)) == 1
    assert capsys.readouterr().err.strip() == "pmscreen selftest: RuntimeError: no gradients"


def test_child_process_failure_is_a_failure(model_dir, monkeypatch, capsys):
    import core.screening.selftest as selftest

    def no_children(timeout=300.0):
        raise OSError("cannot start a process")

    monkeypatch.setattr(selftest, "_child_process_check", no_children)
    assert run_selftest(str(model_dir)) == 1
    assert capsys.readouterr().err.strip() == "pmscreen selftest: OSError: cannot start a process"


def test_cli_process_stdout_is_only_the_json_line(model_dir, tmp_path):
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PMSCREEN_DATA_DIR": str(tmp_path / "data")}
    proc = subprocess.run([sys.executable, "-m", "core", "selftest", "--model", str(model_dir)], cwd=root, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert set(_json_line(proc.stdout)) == KEYS
    # the engine's export cache went to the user data folder
    assert any((tmp_path / "data" / "engine-cache").iterdir())
