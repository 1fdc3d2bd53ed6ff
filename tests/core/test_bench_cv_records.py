"""bench/cv_records.py: a cross-validation's finished folds kept without their networks, restored on another
machine, count as done there; only the other folds are trained, and the OOF scores join both."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from core.cli import main
from tests.synthetic import make_palm_root

ROOT = Path(__file__).resolve().parents[2]


def _records(*args: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "bench" / "cv_records.py"), *map(str, args)],
                          capture_output=True, text=True)


def _cv(palm: Path, out: Path) -> int:
    return main(["cv", "--data", str(palm), "--out", str(out), "--folds", "2", "--depth", "18", "--epochs", "1",
                 "--batch-size", "4", "--device", "cpu"])


def test_kept_folds_are_not_trained_again_on_a_new_machine(tmp_path):
    palm = make_palm_root(tmp_path / "palm", n_train=12, n_val=6)
    first = tmp_path / "first"
    assert _cv(palm, first) == 0
    whole = json.loads((first / "oof.json").read_text())["oof"]
    shutil.rmtree(first / "fold-2")  # as if the session ended while fold 2 was training
    (first / "oof.json").unlink()

    kept = tmp_path / "kept"
    saved = _records("save", first, kept)
    assert saved.returncode == 0 and "fold-1" in saved.stdout and "fold-2" not in saved.stdout
    assert not list(kept.rglob("*.safetensors"))  # records only, no networks
    assert (kept / "fold-1" / "checkpoint" / "state.json").is_file() and not (kept / "fold-2").exists()

    second = tmp_path / "second"  # the new machine
    assert _records("restore", kept, second).returncode == 0
    assert _cv(palm, second) == 0
    assert not (second / "fold-1" / "weights.safetensors").exists()  # fold 1 was not trained again
    assert (second / "fold-2" / "weights.safetensors").is_file()
    oof = json.loads((second / "oof.json").read_text())["oof"]
    fold1 = [r["probability"] for r in oof if r["fold"] == 0]
    assert fold1 == [r["probability"] for r in whole if r["fold"] == 0] and len(fold1) == 9
    assert all(r["probability"] is not None for r in oof)

    again = _records("restore", kept, second)  # a folder that holds a CV goes on from its own files
    assert again.returncode != 0 and "already holds a cross-validation" in again.stderr
    assert _records("save", tmp_path / "palm", kept).returncode != 0
