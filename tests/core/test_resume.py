"""Issue 13: ``pmscreen train --out R --resume [--epochs N]`` continues the saved run exactly (its recipe, schedule
position and random streams, whatever the command line's defaults), may extend it, and refuses conflicting flags."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from core.cli import main
from core.cli.parser import build_parser
from core.store.modelio import load_model, read_tensors
from core.training.events import CheckpointSaved
from tests.synthetic import make_palm_root


def _argv(root, out, epochs=2):
    # a recipe far from the defaults (depth 50, momentum, lr 1e-4, constant, batch 16): a resume that fell back on
    # them would build another network or follow another schedule
    return ["train", "--data", str(root), "--depth", "18", "--variant", "D", "--epochs", str(epochs),
            "--batch-size", "4", "--val-batch-size", "4", "--optimizer", "adamw", "--lr", "0.002",
            "--schedule", "cosine", "--warmup-epochs", "0.5", "--mixup", "0.2", "--label-smoothing", "0.1",
            "--seed", "3", "--out", str(out)]


def _interrupted(root, out, after_epoch=1):
    """The run of ``_argv`` stopped right after the checkpoint of ``after_epoch`` (as a kill would leave it)."""
    from core.cli.train import _config_from_args
    from core.training.trainer import Trainer

    config = _config_from_args(build_parser().parse_args(_argv(root, out)))
    holder = {}

    def callback(ev):
        if isinstance(ev, CheckpointSaved) and ev.epoch == after_epoch:
            holder["t"].stop()

    holder["t"] = Trainer(config, out, callback)
    holder["t"].run()
    return json.loads((out / "checkpoint" / "state.json").read_text())


def test_resume_continues_the_saved_run_exactly(palm_tiny, tmp_path, capsys):
    assert main(_argv(palm_tiny, tmp_path / "full")) == 0
    state = _interrupted(palm_tiny, tmp_path / "part")
    assert state["epoch"] == 1 and state["config"]["epochs"] == 2
    capsys.readouterr()
    # no --epochs: the saved run's 2, not the command line's default 20; nothing else given
    assert main(["train", "--out", str(tmp_path / "part"), "--resume"]) == 0
    out = capsys.readouterr().out
    assert "resumed" in out and "epoch 2/2" in out and "epoch 3/" not in out
    full = read_tensors(tmp_path / "full" / "checkpoint" / "model.safetensors")
    part = read_tensors(tmp_path / "part" / "checkpoint" / "model.safetensors")
    assert set(full) == set(part) and all(np.array_equal(full[k], part[k]) for k in full)
    _, meta = load_model(tmp_path / "part")
    assert meta["training"]["depth"] == 18 and meta["training"]["optimizer"] == "adamw"
    assert [h["epoch"] for h in meta["history"]] == [1, 2]


def test_resume_may_extend_the_run_and_change_the_device(palm_tiny, tmp_path, capsys):
    _interrupted(palm_tiny, tmp_path / "run", after_epoch=2)
    assert main(["train", "--out", str(tmp_path / "run"), "--resume", "--epochs", "3", "--device", "cpu",
                 "--depth", "18", "--lr", "0.002"]) == 0  # flags equal to the run's are fine
    assert "epoch 3/3" in capsys.readouterr().out
    _, meta = load_model(tmp_path / "run")
    assert [h["epoch"] for h in meta["history"]] == [1, 2, 3] and meta["training"]["epochs"] == 3


@pytest.fixture(scope="module")
def interrupted_run(tmp_path_factory):
    """One run of ``_argv`` stopped after epoch 1, trained once for the refusal tests."""
    base = tmp_path_factory.mktemp("interrupted")
    root = make_palm_root(base / "palm")
    _interrupted(root, base / "run")
    return base / "run"


@pytest.mark.parametrize("extra, message", [
    (["--depth", "50"], "depth 50 (the run's is 18)"),
    (["--lr", "0.1", "--optimizer", "momentum"], "lr 0.1 (the run's is 0.002); optimizer momentum"),
    (["--epochs", "1"], "epochs 1 is below the saved run's 2"),
    (["--no-flip"], "flip False (the run's is True)"),
    (["--deep-stem"], "deep_stem True"),
    (["--data", "/somewhere/else"], "data /somewhere/else"),
])
def test_resume_refuses_conflicting_flags_in_one_line(interrupted_run, tmp_path, capsys, extra, message):
    out = tmp_path / "run"
    shutil.copytree(interrupted_run, out)  # each refusal gets its own copy: a refusal that ran would change it
    before = (out / "checkpoint" / "state.json").read_text()
    assert main(["train", "--out", str(out), "--resume", *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err and "keeps its saved recipe" in err
    assert (out / "checkpoint" / "state.json").read_text() == before  # nothing ran


def test_resume_without_a_run_is_one_line(tmp_path, capsys):
    assert main(["train", "--out", str(tmp_path / "none"), "--resume"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "nothing to resume" in err


@pytest.mark.parametrize("text, message", [
    ('{"config": ' + "[" * 100_000 + "]" * 100_000 + "}", "unreadable (nested too deeply)"),
    ("[1, 2]", "not a training state"),
    ('{"config": {"depth": 18}, "epoch": ', "unreadable (Expecting value"),
])
def test_a_damaged_training_state_is_one_line_naming_the_file(tmp_path, capsys, text, message):
    state = tmp_path / "run" / "checkpoint" / "state.json"
    state.parent.mkdir(parents=True)
    state.write_text(text)
    assert main(["train", "--out", str(tmp_path / "run"), "--resume"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and f"{state}: {message}" in err and "Traceback" not in err
